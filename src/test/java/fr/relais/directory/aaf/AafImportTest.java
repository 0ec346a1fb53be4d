package fr.relais.directory.aaf;

import static fr.relais.directory.aaf.AafFiles.HEAD;
import static fr.relais.directory.aaf.AafFiles.TAIL;
import static fr.relais.directory.aaf.AafFiles.pupil;
import static fr.relais.directory.aaf.AafFiles.school;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.naming.directory.SearchControls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.directory.DirectoryTestBase;
import fr.relais.directory.Person;
import fr.relais.directory.SdetEntry;
import fr.relais.directory.Structure;

class AafImportTest extends DirectoryTestBase {

    @TempDir
    Path dir;
    @Autowired
    ImportHistory history;

    private ImportReport run(String name, String content) throws Exception {
        return importer.importFile(AafFiles.write(dir, name, content), name, "api");
    }

    /** A school of its own per test, with {@code pupils} pupils in class 3A; ids are prefix + 01..nn. */
    private void schoolWithPupils(String jointure, String uai, String prefix, int pupils) throws Exception {
        StringBuilder b = new StringBuilder(HEAD).append(school(jointure, uai, "1969" + jointure + "000000", "COLLÈGE TEST", "3A", "3B"));
        for (int i = 1; i <= pupils; i++) {
            b.append(pupil("addRequest", prefix + String.format("%02d", i), "NOM" + i, "Prénom", jointure, jointure + "$3A"));
        }
        ImportReport report = run("setup-" + jointure + ".xml", b.append(TAIL).toString());
        assertThat(report.getAdded()).isEqualTo(pupils + 1);
    }

    @Test
    void generatedTerritoryLandsInTheSdetTreeAndReimportChangesNothing() throws Exception {
        AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(11, 2, 4, 5, 6, 1, 100_000, "IT");
        List<Path> files = new AafFeedGenerator(p).writeTo(dir.resolve("feed"));
        long added = 0;
        for (Path f : files) {
            ImportReport r = importer.importFile(f, f.getFileName().toString(), "api");
            assertThat(r.getRejected()).as(f.toString()).isZero();
            assertThat(r.getWarnings()).as(f.toString()).isEmpty();
            added += r.getAdded();
        }
        assertThat(added).isEqualTo(2 + p.persons());

        Person pupil = directory.person("2000000").orElseThrow();
        assertThat(pupil.profiles()).containsExactly("National_ELV");
        assertThat(pupil.schools()).containsExactly(Uai.of(690_100));
        assertThat(pupil.classes()).containsExactly("6A");
        assertThat(pupil.guardians()).containsExactly("3000000");
        Person teacher = directory.person("4000002").orElseThrow();
        assertThat(teacher.profiles()).containsExactly("National_ENS");
        assertThat(teacher.classes()).hasSize(3);

        Structure s = directory.structure(Uai.of(690_100)).orElseThrow();
        assertThat(s.type()).isEqualTo("CLG");
        assertThat(s.classes()).containsExactly("3A", "4A", "5A", "6A");
        assertThat(s.persons()).containsEntry("National_ELV", 20L).containsEntry("National_TUT", 20L)
                .containsEntry("National_ENS", 4L).containsEntry("National_DOC", 1L).containsEntry("National_DIR", 1L);
        // the class entry is a groupOfNames of its pupils and teachers
        for (String siren : List.of("19690000100000", "19690000100001")) {
            List<SdetEntry> sixA = store.search("ENTStructureSIREN=" + siren + "," + store.structures(),
                    SearchControls.ONELEVEL_SCOPE, "(&(objectClass=ENTClasse)(cn=6A))", List.of("member"));
            assertThat(sixA).hasSize(1);
            // five pupils and the teachers of 6A
            assertThat(sixA.get(0).attributes().values().iterator().next()).hasSizeGreaterThan(5)
                    .allMatch(m -> m.startsWith("uid="));
        }

        for (Path f : files) {
            ImportReport again = importer.importFile(f, f.getFileName().toString(), "api");
            assertThat(again.getAdded() + again.getModified() + again.getDeleted()).as(f.toString()).isZero();
            assertThat(again.getUnchanged()).isEqualTo(again.getRecords());
        }
    }

    @Test
    void recordWithoutIdentifierIsRejectedAndTheOthersApplied() throws Exception {
        ImportReport r = run("noid.xml", HEAD + school("8101", "0591001T", "19598101000000", "CLG A", "3A")
                + pupil("addRequest", null, "SANSID", "X", "8101", "8101$3A")
                + pupil("addRequest", "8101001", "AVECID", "Y", "8101", "8101$3A") + TAIL);
        assertThat(r.getAdded()).isEqualTo(2);
        assertThat(r.getRejected()).isEqualTo(1);
        assertThat(r.getRejections()).containsExactly(new ImportReport.Issue("ligne 5",
                "enregistrement sans identifiant (identifier/id) : ignoré"));
        assertThat(directory.person("8101001")).isPresent();
    }

    @Test
    void unknownAttributeIsKeptOutAndReported() throws Exception {
        schoolWithPupils("8102", "0591002U", "81020", 1);
        ImportReport r = run("unknown-attr.xml", HEAD + pupil("addRequest", "8102099", "NOUVEAU", "Z", "8102", "8102$3A",
                "<attr name=\"ENTEleveCouleurPreferee\"><value>bleu</value></attr>") + TAIL);
        assertThat(r.getAdded()).isEqualTo(1);
        assertThat(r.getWarnings()).containsExactly(new ImportReport.Issue("8102099",
                "attribut inconnu 'ENTEleveCouleurPreferee' : non enregistré"));
        SdetEntry entry = store.read("uid=8102099," + store.people(), List.of("*")).orElseThrow();
        assertThat(entry.attributes().keySet()).noneMatch(a -> a.equalsIgnoreCase("ENTEleveCouleurPreferee"));
    }

    @Test
    void classOfAnUnknownStructureIsReportedAndLeftOut() throws Exception {
        schoolWithPupils("8103", "0591003V", "81030", 1);
        ImportReport r = run("unknown-structure.xml", HEAD + pupil("addRequest", "8103099", "AILLEURS", "Z", "8103", "99999$4C") + TAIL);
        assertThat(r.getAdded()).isEqualTo(1);
        assertThat(r.getWarnings()).containsExactly(new ImportReport.Issue("8103099",
                "ENTEleveClasses : '99999$4C' désigne l'établissement '99999' inconnu (importez d'abord son fichier "
                        + "EtabEducNat) : valeur ignorée"));
        assertThat(directory.person("8103099").orElseThrow().classes()).isEmpty();
    }

    @Test
    void sameIdTwiceInOneFileLastWins() throws Exception {
        schoolWithPupils("8104", "0591004W", "81040", 1);
        ImportReport r = run("dup.xml", HEAD + pupil("addRequest", "8104099", "PREMIER", "A", "8104", "8104$3A")
                + pupil("addRequest", "8104099", "SECOND", "B", "8104", "8104$3B") + TAIL);
        assertThat(r.getAdded()).isEqualTo(1);
        assertThat(r.getWarnings()).containsExactly(new ImportReport.Issue("8104099",
                "identifiant présent plusieurs fois dans le fichier (ligne 4) : seul le dernier enregistrement est appliqué"));
        Person p = directory.person("8104099").orElseThrow();
        assertThat(p.lastName()).isEqualTo("SECOND");
        assertThat(p.classes()).containsExactly("3B");
    }

    @Test
    void truncatedFileAppliesNothingAndIsRecorded() throws Exception {
        String whole = HEAD + school("8105", "0591005X", "19598105000000", "CLG T", "3A")
                + pupil("addRequest", "8105001", "AVANT", "A", "8105", "8105$3A")
                + pupil("addRequest", "8105002", "COUPE", "B", "8105", "8105$3A") + TAIL;
        assertThatThrownBy(() -> run("truncated.xml", whole.substring(0, whole.length() - 80)))
                .isInstanceOf(AafFileUnusableException.class).hasMessageStartingWith("XML mal formé ou fichier tronqué ligne 6");
        assertThat(directory.person("8105001")).isEmpty();
        assertThat(directory.structure("0591005X")).isEmpty();
        assertThat(history.latest(1).get(0)).satisfies(h -> {
            assertThat(h.file()).isEqualTo("truncated.xml");
            assertThat(h.status()).isEqualTo("error");
            assertThat(h.error()).startsWith("XML mal formé ou fichier tronqué");
        });
    }

    @Test
    void wrongEncodingAppliesNothing() throws Exception {
        Path file = dir.resolve("latin-declared-utf8.xml");
        Files.write(file, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ficAlimMENESR>\n"
                + pupil("addRequest", "8106001", "DUPRÉ", "Zoé", null, null) + TAIL).getBytes(AafFiles.LATIN9));
        assertThatThrownBy(() -> importer.importFile(file, "latin-declared-utf8.xml", "api"))
                .isInstanceOf(AafFileUnusableException.class).hasMessageStartingWith("encodage invalide");
        assertThat(directory.person("8106001")).isEmpty();
    }

    @Test
    void entityBombIsRefusedAtOnce() throws Exception {
        StringBuilder bomb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE ficAlimMENESR [\n<!ENTITY a \"aaaaaaaaaa\">\n");
        String prev = "a";
        for (int i = 0; i < 12; i++) {
            bomb.append("<!ENTITY b").append(i).append(" \"").append(("&" + prev + ";").repeat(10)).append("\">\n");
            prev = "b" + i;
        }
        bomb.append("]>\n<ficAlimMENESR>").append(pupil("addRequest", "8107001", "&" + prev + ";", "X", null, null))
                .append(TAIL);
        long start = System.nanoTime();
        assertThatThrownBy(() -> run("bomb.xml", bomb.toString())).isInstanceOf(AafFileUnusableException.class)
                .hasMessageStartingWith("DOCTYPE refusé");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        assertThat(directory.person("8107001")).isEmpty();
    }

    @Test
    void emptyFileIsRefused() throws Exception {
        Path file = dir.resolve("empty.xml");
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> importer.importFile(file, "empty.xml", "api"))
                .isInstanceOf(AafFileUnusableException.class).hasMessage("fichier vide (0 octet) : rien à importer");
    }

    @Test
    void fullSnapshotRemovesPersonsWhoLeftWithinTheGuard() throws Exception {
        schoolWithPupils("8108", "0591008A", "81080", 20);
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 1; i <= 19; i++) {
            b.append(pupil("addRequest", "81080" + String.format("%02d", i), "NOM" + i, "Prénom", "8108", "8108$3A"));
        }
        ImportReport r = run("ENT_IT_Complet_20260902_Eleve_0000.xml", b.append(TAIL).toString());
        assertThat(r.isFullSnapshot()).isTrue();
        assertThat(r.getDeleted()).isEqualTo(1);
        assertThat(r.getUnchanged()).isEqualTo(19);
        assertThat(directory.person("8108020")).isEmpty();
        assertThat(directory.structure("0591008A").orElseThrow().persons()).containsEntry("National_ELV", 19L);
    }

    @Test
    void fullSnapshotThatWouldWipeASchoolIsRefused() throws Exception {
        schoolWithPupils("8109", "0591009B", "81090", 20);
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 1; i <= 10; i++) {
            b.append(pupil("addRequest", "81090" + String.format("%02d", i), "NOM" + i, "Prénom", "8109", "8109$3A"));
        }
        ImportReport r = run("ENT_IT_Complet_20260902_Eleve_0001.xml", b.append(TAIL).toString());
        assertThat(r.getDeleted()).isZero();
        assertThat(r.getRejections()).containsExactly(new ImportReport.Issue("0591009B",
                "suppressions refusées : 10 élèves sur 20 de l'établissement 0591009B sont absents de ce "
                        + "fichier complet, soit 50,0 %, au-delà du seuil de 10 % (relais.directory.aaf.max-removal-share) ; "
                        + "le fichier est-il tronqué ? Aucune de ces personnes n'a été supprimée."));
        assertThat(directory.structure("0591009B").orElseThrow().persons()).containsEntry("National_ELV", 20L);
    }

    @Test
    void deltaFileRemovesNobody() throws Exception {
        schoolWithPupils("8110", "0591010C", "81100", 3);
        ImportReport r = run("ENT_IT_Delta_20260902_Eleve_0000.xml", HEAD
                + pupil("addRequest", "8110001", "NOM1", "Prénom", "8110", "8110$3A") + TAIL);
        assertThat(r.isFullSnapshot()).isFalse();
        assertThat(r.getDeleted()).isZero();
        assertThat(directory.structure("0591010C").orElseThrow().persons()).containsEntry("National_ELV", 3L);
    }

    @Test
    void modifyRequestReplacesOnlyTheListedAttributes() throws Exception {
        schoolWithPupils("8111", "0591011D", "81110", 1);
        ImportReport r = run("modify.xml", HEAD + "<modifyRequest><operationalAttributes><attr name=\"categoriePersonne\">"
                + "<value>Eleve</value></attr></operationalAttributes><identifier><id>8111001</id></identifier>"
                + "<attributes><attr name=\"ENTEleveClasses\"><value>8111$3B</value></attr></attributes></modifyRequest>\n"
                + TAIL);
        assertThat(r.getModified()).isEqualTo(1);
        Person p = directory.person("8111001").orElseThrow();
        assertThat(p.classes()).containsExactly("3B");
        assertThat(p.lastName()).isEqualTo("NOM1");
        // and the class entries follow: the pupil left 3A (now empty: it points at its school) and joined 3B
        String school = "ENTStructureSIREN=19698111000000," + store.structures();
        List<SdetEntry> b = store.search(school, SearchControls.ONELEVEL_SCOPE, "(cn=3B)", List.of("member"));
        assertThat(b.get(0).all("member")).containsExactly("uid=8111001," + store.people());
        List<SdetEntry> a = store.search(school, SearchControls.ONELEVEL_SCOPE, "(cn=3A)", List.of("member"));
        assertThat(a.get(0).all("member")).containsExactly(school);
    }

    @Test
    void modifyOfAnUnknownPersonIsRejected() throws Exception {
        ImportReport r = run("modify-unknown.xml", HEAD + "<modifyRequest><operationalAttributes><attr name=\"categoriePersonne\">"
                + "<value>Eleve</value></attr></operationalAttributes><identifier><id>8112999</id></identifier>"
                + "<attributes><attr name=\"sn\"><value>X</value></attr></attributes></modifyRequest>\n" + TAIL);
        assertThat(r.getRejections()).containsExactly(new ImportReport.Issue("8112999",
                "modification d'une personne absente de l'annuaire : ignorée (il faut d'abord un addRequest)"));
    }

    @Test
    void deleteRequestRemovesThePupil() throws Exception {
        schoolWithPupils("8113", "0591013F", "81130", 2);
        ImportReport r = run("delete.xml", HEAD + "<deleteRequest><operationalAttributes><attr name=\"categoriePersonne\">"
                + "<value>Eleve</value></attr></operationalAttributes><identifier><id>8113001</id></identifier>"
                + "</deleteRequest>\n" + TAIL);
        assertThat(r.getDeleted()).isEqualTo(1);
        assertThat(directory.person("8113001")).isEmpty();
        assertThat(directory.person("8113002")).isPresent();
    }

    @Test
    void structureWithAnInvalidUaiIsRejected() throws Exception {
        ImportReport r = run("bad-uai.xml", HEAD + school("8114", "0591014A", "19598114000000", "CLG FAUX") + TAIL);
        assertThat(r.getRejections()).containsExactly(new ImportReport.Issue("8114",
                "ENTStructureUAI '0591014A' invalide (7 chiffres et la lettre de contrôle) : établissement ignoré"));
        assertThat(directory.structure("0591014A")).isEmpty();
    }

    @Test
    void unknownCategoryIsRejected() throws Exception {
        ImportReport r = run("category.xml", HEAD + pupil("addRequest", "8115001", "X", "Y", null, null)
                .replace("<value>Eleve</value>", "<value>Extraterrestre</value>") + TAIL);
        assertThat(r.getRejections()).containsExactly(new ImportReport.Issue("8115001",
                "catégorie 'Extraterrestre' inconnue (attendu Eleve, PersEducNat, PersRelEleve ou EtabEducNat dans "
                        + "operationalAttributes) : ignoré"));
    }

    @Test
    void aFullSnapshotNeverRemovesAPersonWhoseOwnRecordWasRejected() throws Exception {
        schoolWithPupils("8116", "0591016J", "81160", 20);
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 1; i <= 20; i++) {
            String record = pupil("addRequest", "81160" + String.format("%02d", i), "NOM" + i, "Prénom", "8116", "8116$3A");
            b.append(i == 7 ? record.replace("<value>Eleve</value>", "<value>ELEVE</value>") : record);
        }
        ImportReport r = run("ENT_IT_Complet_20260904_Eleve_0000.xml", b.append(TAIL).toString());
        assertThat(r.getRejected()).isEqualTo(1);
        assertThat(r.getDeleted()).isZero();
        assertThat(directory.person("8116007")).isPresent();
    }

    @Test
    void aReferenceToAnUnknownSchoolKeepsTheStoredOne() throws Exception {
        schoolWithPupils("8117", "0591017K", "81170", 1);
        ImportReport r = run("typo.xml", HEAD + pupil("addRequest", "8117001", "NOM1", "Prénom", "81I7", "81I7$3A") + TAIL);
        assertThat(r.getWarnings()).hasSize(2);
        Person p = directory.person("8117001").orElseThrow();
        assertThat(p.schools()).containsExactly("0591017K");
        assertThat(p.classes()).containsExactly("3A");
    }

    @Test
    void theSameIdInTwoCategoriesIsOneDuplicate() throws Exception {
        schoolWithPupils("8118", "0591018L", "81180", 1);
        ImportReport r = run("two-categories.xml", HEAD + pupil("addRequest", "8118050", "ELEVE", "A", "8118", "8118$3A")
                + pupil("addRequest", "8118050", "PARENT", "B", "8118", null).replace("<value>Eleve</value>",
                "<value>PersRelEleve</value>") + TAIL);
        assertThat(r.getAdded()).isEqualTo(1);
        assertThat(r.getWarnings()).extracting(ImportReport.Issue::reason)
                .anyMatch(w -> w.startsWith("identifiant présent plusieurs fois"));
        assertThat(directory.person("8118050").orElseThrow().profiles()).containsExactly("National_TUT");
    }

    @Test
    void aChangedSirenIsRefusedInsteadOfMakingASecondSchool() throws Exception {
        schoolWithPupils("8119", "0591019M", "81190", 1);
        ImportReport r = run("siren.xml", HEAD + school("8119", "0591019M", "19598119999999", "COLLÈGE TEST", "3A") + TAIL);
        assertThat(r.getRejections()).extracting(ImportReport.Issue::reason)
                .singleElement().asString().startsWith("ENTStructureSIREN a changé pour l'établissement 0591019M");
        assertThat(store.search(store.structures(), SearchControls.ONELEVEL_SCOPE, "(ENTStructureUAI=0591019M)",
                List.of("ou"))).hasSize(1);
    }
}
