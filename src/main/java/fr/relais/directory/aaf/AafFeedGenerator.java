package fr.relais.directory.aaf;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a synthetic AAF feed: schools, their teachers and staff, pupils in classes and groups, and their
 * guardians, with invented French names and valid-looking UAIs. The same seed and parameters give the same
 * files byte for byte. No real person is in it.
 */
public final class AafFeedGenerator {

    /**
     * @param maxPersonsPerFile pupils are split over several {@code _Eleve_NNNN} files, each holding whole
     *                          schools (a full snapshot of each school it names)
     */
    public record Parameters(long seed, int schools, int classesPerSchool, int pupilsPerClass,
                             int teachersPerSchool, int guardiansPerPupil, int maxPersonsPerFile, String territory) {

        public static Parameters small() {
            return new Parameters(2026, 3, 12, 25, 25, 1, 100_000, "DEMO");
        }

        public int pupils() {
            return schools * classesPerSchool * pupilsPerClass;
        }

        public int persons() {
            return pupils() * (1 + guardiansPerPupil) + schools * teachersPerSchool;
        }
    }

    private static final String[] FIRST_NAMES = {"Zoé", "Léa", "Chloé", "Manon", "Inès", "Jade", "Louise", "Camille",
            "Agathe", "Maëlys", "Héloïse", "Noémie", "Capucine", "Apolline", "Anaïs", "Clémence", "Margaux", "Océane",
            "Lucas", "Hugo", "Théo", "Nathan", "Raphaël", "Mathéo", "Gaël", "Noé", "Timothée", "Jérémie", "Loïc",
            "Baptiste", "Anatole", "Achille", "Célestin", "Évan", "Joachim", "Maxence", "Sacha", "Yanis", "Élias", "Côme"};
    private static final String[] LAST_PARTS = {"DU", "LE", "LA", "DE", "VAL", "MONT", "BOIS", "CHAMP", "FONT", "ROCHE",
            "PRÉ", "BEL", "CHÊNE", "FORÊT", "LAC", "PONT", "MAS", "CLOS", "GRAND", "PETIT"};
    private static final String[] LAST_ENDS = {"ROCHER", "TILLEUL", "MARAIS", "VERGER", "MOULIN", "FAUBOURG", "CERISIER",
            "RUISSEAU", "COTEAU", "PLATEAU", "BOCAGE", "LAVOIR", "HAMEAU", "PRIEURÉ", "CHÂTAIGNIER", "SAULE", "GUÉ",
            "FRÊNE", "VALLON", "ÉTANG"};
    private static final String[] SCHOOL_NAMES = {"des Tilleuls", "du Parc", "des Remparts", "de la Vallée", "des Sources",
            "du Lac", "des Vergers", "du Plateau", "des Grands Champs", "de la Forêt", "des Cèdres", "du Moulin"};
    private static final String[][] COLLEGE_LEVELS = {
            {"6", "10010012110", "6EME"}, {"5", "10110001110", "5EME"}, {"4", "10210001110", "4EME"},
            {"3", "10310019110", "3EME"}};
    private static final String[][] LYCEE_LEVELS = {
            {"2", "20010018110", "2NDE GENERALE ET TECHNO"}, {"1", "20111010110", "1ERE GENERALE"},
            {"T", "20211010110", "TERMINALE GENERALE"}};
    private static final String[][] SUBJECTS = {{"L0201", "030201", "LETTRES MODERNES"},
            {"L1300", "061300", "MATHEMATIQUES"}, {"L0422", "040600", "ANGLAIS LV1"}, {"L1000", "040300", "HISTOIRE-GEOGRAPHIE"},
            {"L1500", "061900", "SCIENCES DE LA VIE ET DE LA TERRE"}, {"L1900", "100100", "EDUCATION PHYS. ET SPORT."},
            {"L0426", "044900", "ESPAGNOL LV2"}, {"L1400", "062000", "PHYSIQUE-CHIMIE"}};
    static final String DATE = "20260901";

    private final Parameters p;
    private final Random random;

    public AafFeedGenerator(Parameters parameters) {
        this.p = parameters;
        this.random = new Random(parameters.seed());
    }

    /** Writes the feed into {@code folder}, structures first, and answers the files in import order. */
    public List<Path> writeTo(Path folder) throws IOException {
        // persons' names and birth dates, even invented ones, are kept like the real feeds: private to Relais
        fr.relais.platform.DataFiles.privateDirectory(folder);
        List<School> schools = new ArrayList<>();
        for (int i = 0; i < p.schools(); i++) {
            schools.add(school(i));
        }
        String prefix = "ENT_" + p.territory() + "_Complet_" + DATE + "_";
        List<Path> files = new ArrayList<>();
        Path etab = folder.resolve(prefix + "EtabEducNat_0000.xml");
        try (Writer w = open(etab)) {
            for (School s : schools) {
                writeSchool(w, s);
            }
            close(w);
        }
        files.add(etab);

        Path staff = folder.resolve(prefix + "PersEducNat_0000.xml");
        try (Writer w = open(staff)) {
            int teacher = 0;
            for (School s : schools) {
                for (int t = 0; t < p.teachersPerSchool(); t++) {
                    writeTeacher(w, s, 4_000_000 + teacher++, t);
                }
            }
            close(w);
        }
        files.add(staff);

        int pupil = 0;
        int guardian = 0;
        int batch = 0;
        int inBatch = 0;
        Writer pupils = null;
        Writer guardians = null;
        try {
            for (School s : schools) {
                int schoolPersons = s.classes.size() * p.pupilsPerClass() * (1 + p.guardiansPerPupil());
                if (pupils == null || (inBatch > 0 && inBatch + schoolPersons > p.maxPersonsPerFile())) {
                    if (pupils != null) {
                        close(pupils);
                        pupils.close();
                        close(guardians);
                        guardians.close();
                        batch++;
                    }
                    Path pf = folder.resolve(prefix + "Eleve_" + String.format("%04d", batch) + ".xml");
                    Path gf = folder.resolve(prefix + "PersRelEleve_" + String.format("%04d", batch) + ".xml");
                    files.add(pf);
                    if (p.guardiansPerPupil() > 0) {
                        files.add(gf);
                    }
                    pupils = open(pf);
                    guardians = p.guardiansPerPupil() > 0 ? open(gf) : Writer.nullWriter();
                    inBatch = 0;
                }
                for (SchoolClass c : s.classes) {
                    for (int k = 0; k < p.pupilsPerClass(); k++) {
                        String lastName = lastName();
                        List<String> guardianIds = new ArrayList<>();
                        for (int g = 0; g < p.guardiansPerPupil(); g++) {
                            String gid = String.valueOf(3_000_000 + guardian++);
                            guardianIds.add(gid);
                            writeGuardian(guardians, s, gid, lastName);
                        }
                        writePupil(pupils, s, c, String.valueOf(2_000_000 + pupil++), lastName, guardianIds);
                    }
                }
                inBatch += schoolPersons;
            }
        } finally {
            if (pupils != null) {
                close(pupils);
                pupils.close();
                close(guardians);
                guardians.close();
            }
        }
        // import order: structures, staff, then each pupils file followed by its guardians
        return files;
    }

    private record SchoolClass(String code, String[] level) {
    }

    private record School(String jointure, String uai, String siren, String type, String name, List<SchoolClass> classes) {
    }

    private School school(int index) {
        boolean lycee = index % 3 == 2;
        String[][] levels = lycee ? LYCEE_LEVELS : COLLEGE_LEVELS;
        List<SchoolClass> classes = new ArrayList<>();
        for (int c = 0; c < p.classesPerSchool(); c++) {
            String[] level = levels[c % levels.length];
            classes.add(new SchoolClass(level[0] + (char) ('A' + (c / levels.length) % 26)
                    + (c / levels.length >= 26 ? String.valueOf(c / levels.length / 26) : ""), level));
        }
        int number = 690_100 + index * 7;
        String name = (lycee ? "Lycée " : "Collège ") + SCHOOL_NAMES[index % SCHOOL_NAMES.length]
                + (index >= SCHOOL_NAMES.length ? " " + (index / SCHOOL_NAMES.length + 1) : "");
        return new School(String.valueOf(7001 + index), Uai.of(number), String.format("1969%010d", 100_000L + index),
                lycee ? "LYC" : "CLG", name, classes);
    }

    private String firstName() {
        return FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
    }

    private String lastName() {
        return LAST_PARTS[random.nextInt(LAST_PARTS.length)] + LAST_ENDS[random.nextInt(LAST_ENDS.length)];
    }

    private String birthDate(int yearOfBirth) {
        return String.format("%02d/%02d/%d", 1 + random.nextInt(28), 1 + random.nextInt(12), yearOfBirth);
    }

    private void writeSchool(Writer w, School s) throws IOException {
        List<String[]> attrs = new ArrayList<>();
        attrs.add(new String[] {"ENTStructureJointure", s.jointure});
        attrs.add(new String[] {"ENTStructureUAI", s.uai});
        attrs.add(new String[] {"ENTStructureNomCourant", s.name.toUpperCase()});
        attrs.add(new String[] {"ENTStructureTypeStruct", s.type});
        attrs.add(new String[] {"ENTStructureSIREN", s.siren});
        attrs.add(new String[] {"ENTServAcAcademie", "ac-demo"});
        String[] classes = s.classes.stream().map(c -> c.code + "$" + c.code).toArray(String[]::new);
        String[] groups = s.classes.stream().map(c -> c.level[0]).distinct()
                .map(level -> "G" + level + "-ESP$ESPAGNOL " + level).toArray(String[]::new);
        record(w, "EtabEducNat", "categorieStructure", s.jointure, attrs,
                new String[] {"ENTStructureClasses"}, new String[][] {classes},
                new String[] {"ENTStructureGroupes"}, new String[][] {groups});
    }

    private void writeTeacher(Writer w, School s, int id, int rank) throws IOException {
        String code = rank == 0 ? "DIR" : rank == 1 ? "DOC" : "ENS";
        String[] subject = SUBJECTS[rank % SUBJECTS.length];
        List<String[]> attrs = common(String.valueOf(id), lastName(), firstName(), birthDate(1965 + random.nextInt(30)), s);
        attrs.add(new String[] {"ENTPersonFonctions", s.jointure + "$" + code + "$"
                + (code.equals("ENS") ? "ENSEIGNEMENT$" + subject[0] + "$" + subject[2]
                   : code.equals("DOC") ? "DOCUMENTATION$L0080$DOCUMENTATION" : "DIRECTION$D0010$PERSONNEL DE DIRECTION")});
        List<String> taught = new ArrayList<>();
        if (code.equals("ENS")) {
            for (int k = 0; k < 3; k++) {
                SchoolClass c = s.classes.get((rank * 3 + k) % s.classes.size());
                taught.add(s.jointure + "$" + c.code + "$" + subject[1]);
            }
        }
        record(w, "PersEducNat", "categoriePersonne", String.valueOf(id), attrs,
                new String[] {"ENTAuxEnsClassesMatieres", "ENTAuxEnsMatiereEnseignEtab"},
                new String[][] {taught.toArray(String[]::new),
                        code.equals("ENS") ? new String[] {s.jointure + "$" + subject[1]} : new String[0]});
    }

    private void writePupil(Writer w, School s, SchoolClass c, String id, String lastName, List<String> guardians)
            throws IOException {
        int age = switch (c.level[0]) {
            case "6" -> 11; case "5" -> 12; case "4" -> 13; case "3" -> 14; case "2" -> 15; case "1" -> 16; default -> 17;
        };
        List<String[]> attrs = common(id, lastName, firstName(), birthDate(2026 - age), s);
        attrs.add(new String[] {"ENTEleveStructRattachId", s.jointure});
        attrs.add(new String[] {"ENTEleveMEF", c.level[1]});
        attrs.add(new String[] {"ENTEleveLibelleMEF", c.level[2]});
        attrs.add(new String[] {"ENTEleveMajeur", "N"});
        attrs.add(new String[] {"ENTEleveRegime", random.nextBoolean() ? "DP DAN" : "EXTERNE LIBRE"});
        String[] relations = new String[guardians.size()];
        for (int i = 0; i < guardians.size(); i++) {
            relations[i] = guardians.get(i) + "$" + (i == 0 ? "10" : "20") + "$1$1$1$1";
        }
        boolean spanish = random.nextInt(3) == 0;
        record(w, "Eleve", "categoriePersonne", id, attrs,
                new String[] {"ENTEleveClasses", "ENTEleveGroupes", "ENTElevePersRelEleve"},
                new String[][] {{s.jointure + "$" + c.code},
                        spanish ? new String[] {s.jointure + "$G" + c.level[0] + "-ESP"} : new String[] {""},
                        relations});
    }

    private void writeGuardian(Writer w, School s, String id, String lastName) throws IOException {
        List<String[]> attrs = common(id, lastName, firstName(), birthDate(1970 + random.nextInt(20)), s);
        attrs.add(new String[] {"ENTPersonCodePostal", String.format("69%03d", random.nextInt(1000))});
        record(w, "PersRelEleve", "categoriePersonne", id, attrs);
    }

    private List<String[]> common(String id, String lastName, String firstName, String birthDate, School s) {
        List<String[]> attrs = new ArrayList<>();
        attrs.add(new String[] {"ENTPersonJointure", id});
        attrs.add(new String[] {"sn", lastName});
        attrs.add(new String[] {"givenName", firstName});
        attrs.add(new String[] {"ENTPersonNomPatro", lastName});
        attrs.add(new String[] {"ENTPersonDateNaissance", birthDate});
        attrs.add(new String[] {"ENTPersonStructRattach", s.jointure});
        return attrs;
    }

    private static void record(Writer w, String category, String categoryAttr, String id, List<String[]> single,
                               Object... multi) throws IOException {
        StringBuilder b = new StringBuilder(1024);
        b.append("<addRequest>\n  <operationalAttributes><attr name=\"").append(categoryAttr).append("\"><value>")
                .append(category).append("</value></attr></operationalAttributes>\n  <identifier><id>").append(id)
                .append("</id></identifier>\n  <attributes>\n");
        for (String[] a : single) {
            b.append("    <attr name=\"").append(a[0]).append("\"><value>").append(escape(a[1])).append("</value></attr>\n");
        }
        for (int i = 0; i + 1 < multi.length; i += 2) {
            String[] names = (String[]) multi[i];
            String[][] values = (String[][]) multi[i + 1];
            for (int n = 0; n < names.length; n++) {
                b.append("    <attr name=\"").append(names[n]).append("\">");
                if (values[n].length == 0) {
                    b.append("<value/>");
                }
                for (String v : values[n]) {
                    b.append(v.isEmpty() ? "<value/>" : "<value>" + escape(v) + "</value>");
                }
                b.append("</attr>\n");
            }
        }
        b.append("  </attributes>\n</addRequest>\n");
        w.write(b.toString());
    }

    static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static Writer open(Path file) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(fr.relais.platform.DataFiles.newPrivateFile(file), AafReader.DEFAULT_CHARSET), 1 << 16);
        w.write("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n"
                + "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n"
                + "<!-- versionAF=\"AAF-VE1301\" : flux synthétique généré par Relais, aucune personne réelle -->\n"
                + "<ficAlimMENESR>\n");
        return w;
    }

    private static void close(Writer w) throws IOException {
        w.write("</ficAlimMENESR>\n");
    }

    /** {@code java -cp relais.jar ... AafFeedGenerator <folder> [schools classes pupils teachers guardians seed]} */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: AafFeedGenerator <dossier> [établissements classes élèves-par-classe enseignants responsables-par-élève graine]");
            System.exit(2);
        }
        Parameters d = Parameters.small();
        Parameters p = new Parameters(
                args.length > 6 ? Long.parseLong(args[6]) : d.seed(),
                args.length > 1 ? Integer.parseInt(args[1]) : d.schools(),
                args.length > 2 ? Integer.parseInt(args[2]) : d.classesPerSchool(),
                args.length > 3 ? Integer.parseInt(args[3]) : d.pupilsPerClass(),
                args.length > 4 ? Integer.parseInt(args[4]) : d.teachersPerSchool(),
                args.length > 5 ? Integer.parseInt(args[5]) : d.guardiansPerPupil(),
                d.maxPersonsPerFile(), d.territory());
        for (Path f : new AafFeedGenerator(p).writeTo(Path.of(args[0]))) {
            System.out.println(f);
        }
    }
}
