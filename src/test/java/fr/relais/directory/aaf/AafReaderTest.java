package fr.relais.directory.aaf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AafReaderTest {

    @TempDir
    Path dir;

    private static List<AafRecord> readAll(Path file) throws AafFileUnusableException {
        List<AafRecord> records = new ArrayList<>();
        try (AafReader reader = AafReader.open(file)) {
            for (AafRecord r = reader.next(); r != null; r = reader.next()) {
                records.add(r);
            }
        }
        return records;
    }

    @Test
    void readsLatin9RecordsWithAccentsAndEmptyValues() throws Exception {
        Path file = AafFiles.write(dir, "f.xml", AafFiles.HEAD
                + AafFiles.pupil("addRequest", "2000001", "DUPRÉ", "Zoé", "7001", "7001$3A",
                "<attr name=\"ENTEleveGroupes\"><value/></attr>")
                + AafFiles.TAIL);
        List<AafRecord> records = readAll(file);
        assertThat(records).hasSize(1);
        AafRecord r = records.get(0);
        assertThat(r.operation()).isEqualTo(AafRecord.Operation.ADD);
        assertThat(r.category()).isEqualTo("Eleve");
        assertThat(r.id()).isEqualTo("2000001");
        assertThat(r.attributes().get("sn")).containsExactly("DUPRÉ");
        assertThat(r.attributes().get("givenName")).containsExactly("Zoé");
        assertThat(r.attributes().get("ENTEleveGroupes")).containsExactly("");
    }

    @Test
    void withoutDeclarationTheFileIsLatin9() throws Exception {
        Path file = dir.resolve("f.xml");
        Files.write(file, ("<ficAlimMENESR>" + AafFiles.pupil("addRequest", "1", "LEFÈVRE", "Maëlys", null, null)
                + "</ficAlimMENESR>").getBytes(AafFiles.LATIN9));
        assertThat(readAll(file).get(0).attributes().get("sn")).containsExactly("LEFÈVRE");
    }

    @Test
    void declaredUtf8IsHonoured() throws Exception {
        Path file = dir.resolve("f.xml");
        Files.writeString(file, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ficAlimMENESR>"
                + AafFiles.pupil("addRequest", "1", "ŒUVRARD", "Noémie", null, null) + "</ficAlimMENESR>", StandardCharsets.UTF_8);
        assertThat(readAll(file).get(0).attributes().get("sn")).containsExactly("ŒUVRARD");
    }

    @Test
    void latin9BytesInAFileDeclaredUtf8AreRefused() throws Exception {
        Path file = dir.resolve("f.xml");
        Files.write(file, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ficAlimMENESR>\n"
                + AafFiles.pupil("addRequest", "1", "DUPRÉ", "Zoé", null, null) + "</ficAlimMENESR>").getBytes(AafFiles.LATIN9));
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("encodage invalide : le contenu n'est pas du UTF-8 valide");
    }

    @Test
    void unsupportedDeclaredEncodingIsRefused() throws Exception {
        Path file = dir.resolve("f.xml");
        Files.writeString(file, "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><ficAlimMENESR/>");
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessage("encodage déclaré 'Shift_JIS' non pris en charge : un fichier AAF est en ISO-8859-15 ou UTF-8");
    }

    @Test
    void entityExpansionBombIsRefusedBeforeAnyRecord() throws Exception {
        StringBuilder bomb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE ficAlimMENESR [\n"
                + "<!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++) {
            bomb.append("<!ENTITY lol").append(i).append(" \"");
            for (int k = 0; k < 10; k++) {
                bomb.append("&lol").append(i == 1 ? "" : String.valueOf(i - 1)).append(';');
            }
            bomb.append("\">\n");
        }
        bomb.append("]>\n<ficAlimMENESR>").append(AafFiles.pupil("addRequest", "1", "&lol9;", "X", null, null))
                .append("</ficAlimMENESR>");
        Path file = dir.resolve("bomb.xml");
        Files.writeString(file, bomb);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessage("DOCTYPE refusé : il déclare des entités ou des éléments (seul <!DOCTYPE ficAlimMENESR "
                        + "SYSTEM \"ficAlimMENESR.dtd\"> est accepté, la DTD n'est jamais lue)");
    }

    @Test
    void externalEntityIsRefused() throws Exception {
        Path file = dir.resolve("xxe.xml");
        Files.writeString(file, "<?xml version=\"1.0\"?>\n<!DOCTYPE ficAlimMENESR [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                + "<ficAlimMENESR>" + AafFiles.pupil("addRequest", "1", "&x;", "X", null, null) + "</ficAlimMENESR>");
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("DOCTYPE refusé");
    }

    @Test
    void undeclaredEntityReferenceIsRefused() throws Exception {
        Path file = AafFiles.write(dir, "f.xml", AafFiles.HEAD
                + AafFiles.pupil("addRequest", "1", "&nope;", "X", null, null) + AafFiles.TAIL);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("entité non déclarée ligne 4 : les entités sont refusées");
    }

    @Test
    void theDtdIsNeverFetched() throws Exception {
        // the DOCTYPE names a DTD that does not exist next to the file: reading must not need it
        Path file = AafFiles.write(dir, "f.xml", AafFiles.HEAD + AafFiles.pupil("addRequest", "1", "A", "B", null, null)
                + AafFiles.TAIL);
        assertThat(Files.exists(dir.resolve("ficAlimMENESR.dtd"))).isFalse();
        assertThat(readAll(file)).hasSize(1);
    }

    @Test
    void aDoctypeTheXmlReaderCannotDescribeIsRefusedAsMalformed() throws Exception {
        // found by AafReaderFuzzTest: the JDK's reader lacks the message of this DOCTYPE fault and threw
        // MissingResourceException, which no caller expects from a bad file
        Path file = dir.resolve("f.xml");
        Files.copy(Path.of("src/test/resources/fr/relais/directory/aaf/AafReaderFuzzTestInputs/"
                + "aFeedIsReadOrRefusedWithItsReason/crash-doctype-invalid-char"), file);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessage("XML mal formé ligne 6 : déclaration DOCTYPE invalide (InvalidCharInDTD)");
    }

    @Test
    void truncatedFileIsRefusedWithItsLine() throws Exception {
        String whole = AafFiles.HEAD + AafFiles.pupil("addRequest", "1", "A", "B", null, null)
                + AafFiles.pupil("addRequest", "2", "C", "D", null, null) + AafFiles.TAIL;
        Path file = AafFiles.write(dir, "f.xml", whole.substring(0, whole.length() - 60));
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("XML mal formé ou fichier tronqué ligne 5 : ");
    }

    @Test
    void emptyFileIsRefused() throws IOException {
        Path file = dir.resolve("empty.xml");
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessage("fichier vide (0 octet) : rien à importer");
        Files.writeString(file, "  \n\n ");
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessage("fichier vide (seulement des blancs) : rien à importer");
    }

    @Test
    void modifyRequestInModificationsFormIsRead() throws Exception {
        Path file = AafFiles.write(dir, "f.xml", AafFiles.HEAD + "<modifyRequest><operationalAttributes><attr "
                + "name=\"categoriePersonne\"><value>Eleve</value></attr></operationalAttributes><identifier><id>7</id>"
                + "</identifier><modifications><modification name=\"ENTEleveClasses\" operation=\"replace\"><value>7001$3B"
                + "</value></modification></modifications></modifyRequest>\n" + AafFiles.TAIL);
        AafRecord r = readAll(file).get(0);
        assertThat(r.operation()).isEqualTo(AafRecord.Operation.MODIFY);
        assertThat(r.attributes()).containsOnlyKeys("ENTEleveClasses");
        assertThat(r.attributes().get("ENTEleveClasses")).containsExactly("7001$3B");
    }

    @Test
    void generatedFeedIsDeterministicAndReadable() throws Exception {
        AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(7, 2, 4, 5, 6, 1, 100_000, "T");
        List<Path> a = new AafFeedGenerator(p).writeTo(dir.resolve("a"));
        List<Path> b = new AafFeedGenerator(p).writeTo(dir.resolve("b"));
        assertThat(a).hasSize(4);
        for (int i = 0; i < a.size(); i++) {
            assertThat(Files.mismatch(a.get(i), b.get(i))).isEqualTo(-1L);
        }
        int persons = 0;
        for (Path f : a.subList(1, a.size())) {
            persons += readAll(f).size();
        }
        assertThat(persons).isEqualTo(p.persons()).isEqualTo(2 * 4 * 5 * 2 + 2 * 6);
        assertThat(readAll(a.get(0))).allSatisfy(s -> assertThat(Uai.isValid(s.attributes().get("ENTStructureUAI").get(0))).isTrue());
    }

    @Test
    void utf8WithoutDeclarationIsRefusedInsteadOfImportedAsMojibake() throws Exception {
        Path file = dir.resolve("f.xml");
        Files.writeString(file, "<ficAlimMENESR>\n" + AafFiles.pupil("addRequest", "1", "DUPRÉ", "Zoé", null, null)
                + "</ficAlimMENESR>", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("encodage invalide : le contenu n'est pas du ISO-8859-15 valide")
                .hasMessageContaining("le fichier semble encodé en UTF-8");
    }

    @Test
    void doctypeWithEntitiesAfterABomIsRefused() throws Exception {
        Path file = dir.resolve("bom.xml");
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE f [<!ENTITY a \"b\">]><ficAlimMENESR>"
                + AafFiles.pupil("addRequest", "1", "&a;", "X", null, null) + "</ficAlimMENESR>").getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Files.write(file, withBom);
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("DOCTYPE refusé");
    }

    @Test
    void entitiesAreNeverExpandedEvenWhenTheByteCheckIsFooled() throws Exception {
        // a comment holding '<' before the DOCTYPE hides it from the byte check: the parser still refuses the entity
        Path file = dir.resolve("f.xml");
        Files.writeString(file, "<?xml version=\"1.0\"?><!-- <x> --><!DOCTYPE f [<!ENTITY a \"bbbbbbbbbb\">]>"
                + "<ficAlimMENESR>" + AafFiles.pupil("addRequest", "1", "&a;", "X", null, null) + "</ficAlimMENESR>");
        assertThatThrownBy(() -> readAll(file)).isInstanceOf(AafFileUnusableException.class)
                .hasMessageContaining("entité");
    }
}
