package fr.relais.directory.aaf;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small hand-written AAF files for the bad-input tests. */
public final class AafFiles {

    public static final Charset LATIN9 = Charset.forName("ISO-8859-15");
    public static final String HEAD = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n"
            + "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n<ficAlimMENESR>\n";
    public static final String TAIL = "</ficAlimMENESR>\n";

    private AafFiles() {
    }

    public static Path write(Path dir, String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, LATIN9);
        return file;
    }

    public static String school(String jointure, String uai, String siren, String name, String... classes) {
        StringBuilder b = new StringBuilder("<addRequest><operationalAttributes><attr name=\"categorieStructure\"><value>"
                + "EtabEducNat</value></attr></operationalAttributes><identifier><id>" + jointure + "</id></identifier>"
                + "<attributes><attr name=\"ENTStructureJointure\"><value>" + jointure + "</value></attr>"
                + "<attr name=\"ENTStructureUAI\"><value>" + uai + "</value></attr>"
                + "<attr name=\"ENTStructureNomCourant\"><value>" + name + "</value></attr>"
                + "<attr name=\"ENTStructureTypeStruct\"><value>CLG</value></attr>"
                + "<attr name=\"ENTStructureSIREN\"><value>" + siren + "</value></attr><attr name=\"ENTStructureClasses\">");
        for (String c : classes) {
            b.append("<value>").append(c).append("$").append(c).append("</value>");
        }
        return b.append("</attr></attributes></addRequest>\n").toString();
    }

    public static String pupil(String op, String id, String lastName, String firstName, String school, String classe,
                        String... extraAttrs) {
        StringBuilder b = new StringBuilder("<" + op + "><operationalAttributes><attr name=\"categoriePersonne\"><value>"
                + "Eleve</value></attr></operationalAttributes>");
        if (id != null) {
            b.append("<identifier><id>").append(id).append("</id></identifier>");
        }
        b.append("<attributes>");
        if (lastName != null) {
            b.append("<attr name=\"sn\"><value>").append(lastName).append("</value></attr>");
        }
        if (firstName != null) {
            b.append("<attr name=\"givenName\"><value>").append(firstName).append("</value></attr>");
        }
        if (school != null) {
            b.append("<attr name=\"ENTPersonStructRattach\"><value>").append(school).append("</value></attr>");
            b.append("<attr name=\"ENTPersonDateNaissance\"><value>14/03/2013</value></attr>");
        }
        if (classe != null) {
            b.append("<attr name=\"ENTEleveClasses\"><value>").append(classe).append("</value></attr>");
        }
        for (String extra : extraAttrs) {
            b.append(extra);
        }
        return b.append("</attributes></").append(op).append(">\n").toString();
    }
}
