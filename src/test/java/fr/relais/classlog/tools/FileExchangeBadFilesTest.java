package fr.relais.classlog.tools;

import static fr.relais.classlog.tools.FileExchangeFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.Normalizer;
import fr.relais.classlog.ToolClient.Polled;
import fr.relais.connector.Connector;

/** Export files as closed tools really write them: never dropped silently, never a crash. */
class FileExchangeBadFilesTest {

    final FileExchangeClient client = new FileExchangeClient();
    Path drop;
    Connector tool;

    @BeforeEach
    void setUp(TestInfo test) {
        drop = folder(test);
        tool = pronote(drop);
    }

    /** A Pronote export row: id, class, date, given, due, content and homework; other cells empty. */
    static String row(String id, String date, String given, String due, String content, String homework) {
        return String.join(";", id, SCHOOL, date, "08:00", "08:55", "MATHEMATIQUES", "jdupont", "4A", "", content, "oui",
                "", homework, given, due, "", "", "2026-11-23T09:00:00Z", "non");
    }

    static byte[] utf8(String... lines) {
        return (String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWindows1252FileIsRejectedWithItsReasonInFrench() throws Exception {
        export(drop, "export.csv", (PRONOTE_HEADER + "\r\n" + row("P1", "23/11/2026", "", "30/11/2026", "Leçon", "Révisions"))
                .getBytes(Charset.forName("windows-1252")));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(files(drop.resolve("export"))).isEmpty();
        List<String> rejected = files(drop.resolve("rejected"));
        assertThat(rejected).hasSize(2).allMatch(n -> n.contains("export.csv"));
        String reason = Files.readString(drop.resolve("rejected").resolve(rejected.get(1)));
        assertThat(rejected.get(1)).endsWith("export.csv.reason.txt");
        assertThat(reason).contains("n'est pas en UTF-8", "ligne 1", "octet 0xE9", "régler l'export de l'outil sur UTF-8");
        assertThat(client.rejectedFiles(tool)).singleElement().satisfies(r -> {
            assertThat(r.file()).startsWith("rejected/").endsWith("export.csv");
            assertThat(r.wholeFile()).isTrue();
            assertThat(r.reason()).contains("n'est pas en UTF-8");
        });
    }

    @Test
    void aUtf8FileWithABomIsRead() throws Exception {
        byte[] body = utf8(PRONOTE_HEADER, row("P1", "23/11/2026", "", "30/11/2026", "Leçon", "Révisions"));
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        export(drop, "export.csv", withBom);

        assertThat(client.poll(tool, SCHOOL, null)).singleElement()
                .satisfies(p -> assertThat(p.change().entry().content()).isEqualTo("Leçon"));
        assertThat(client.rejectedFiles(tool)).isEmpty();
    }

    @Test
    void aHeaderWithoutAMappedColumnRefusesTheWholeFile() throws Exception {
        String header = PRONOTE_HEADER.replace(";Pour le", "");
        String row = row("P1", "23/11/2026", "", "30/11/2026", "Leçon", "Révisions").replace(";30/11/2026", "");
        export(drop, "export.csv", utf8(header, row));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(client.rejectedFiles(tool)).singleElement().satisfies(r -> {
            assertThat(r.wholeFile()).isTrue();
            assertThat(r.reason()).contains("colonne 'Pour le' (classlog.columns.dueOn) absente de l'en-tête",
                    "connectors/tools/pronote.yaml");
        });
    }

    @Test
    void aRowWithAnInvalidDateComesWithoutItAndIsRefusedWithTheReason() throws Exception {
        export(drop, "export.csv", utf8(PRONOTE_HEADER,
                row("P1", "31/02/2026", "", "", "Leçon impossible", ""),
                row("P2", "23/11/2026", "", "", "Leçon", "")));

        List<Polled> polled = client.poll(tool, SCHOOL, null);
        assertThat(polled).extracting(p -> p.change().toolEntryId()).containsExactly("P1", "P2");
        ClassLogEntry bad = polled.get(0).change().entry();
        assertThat(bad.date()).isNull();
        assertThat(bad.content()).isEqualTo("Leçon impossible");
        assertThat(Normalizer.normalize(bad, c -> true)).isInstanceOfSatisfying(Normalizer.Refused.class,
                r -> assertThat(r.reasons()).contains("date de la séance absente ou invalide"));
        assertThat(Normalizer.normalize(polled.get(1).change().entry(), c -> true)).isInstanceOf(Normalizer.Accepted.class);
        // the file is read, and its faulty row listed for the administrator
        assertThat(client.rejectedFiles(tool)).singleElement().satisfies(r -> {
            assertThat(r.file()).startsWith("processed/");
            assertThat(r.wholeFile()).isFalse();
            assertThat(r.reason()).contains("ligne 2 : colonne 'Date' : '31/02/2026' illisible");
        });
    }

    @Test
    void aDueDateBeforeTheGivenDateIsRefusedByTheNormalizer() throws Exception {
        export(drop, "export.csv", utf8(PRONOTE_HEADER, row("P1", "23/11/2026", "23/11/2026", "20/11/2026", "Leçon",
                "Exercice 3")));

        ClassLogEntry entry = client.poll(tool, SCHOOL, null).get(0).change().entry();
        assertThat(entry.homework()).singleElement().satisfies(h -> {
            assertThat(h.givenOn()).hasToString("2026-11-23");
            assertThat(h.dueOn()).hasToString("2026-11-20");
        });
        assertThat(Normalizer.normalize(entry, c -> true)).isInstanceOfSatisfying(Normalizer.Refused.class,
                r -> assertThat(r.reasons()).singleElement().asString().contains("à rendre le 2026-11-20, avant d'être donné"));
    }

    @Test
    void aScriptInTheContentComesThroughForTheNormalizerToClean() throws Exception {
        export(drop, "export.csv", utf8(PRONOTE_HEADER, row("P1", "23/11/2026", "", "", "\"<p>Cours</p><script>alert(1)</script>\"", "")));

        ClassLogEntry entry = client.poll(tool, SCHOOL, null).get(0).change().entry();
        assertThat(entry.content()).isEqualTo("<p>Cours</p><script>alert(1)</script>");
        assertThat(Normalizer.normalize(entry, c -> true)).isInstanceOfSatisfying(Normalizer.Accepted.class, a -> {
            assertThat(a.cleaned()).isTrue();
            assertThat(a.entry().content()).isEqualTo("<p>Cours</p>");
        });
    }

    @Test
    void anOversizedFileIsRejectedUnread() throws Exception {
        tool = pronote(drop, Map.of("maxFileBytes", 2000));
        StringBuilder big = new StringBuilder(PRONOTE_HEADER);
        for (int i = 0; i < 20; i++) {
            big.append("\r\n").append(row("P" + i, "23/11/2026", "", "", "Leçon " + i, ""));
        }
        export(drop, "export.csv", big.toString().getBytes(StandardCharsets.UTF_8));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(client.rejectedFiles(tool)).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("au plus 2000 (classlog.maxFileBytes)"));
    }

    @Test
    void aRowWithMoreCellsThanTheHeaderRefusesTheFileRatherThanShiftingColumns() throws Exception {
        export(drop, "export.csv", utf8(PRONOTE_HEADER, row("P1", "23/11/2026", "", "", "Cours; suite", "")));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(client.rejectedFiles(tool)).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("ligne 2 : 20 cellules pour 19 colonnes"));
    }

    @Test
    void anXmlFileWithEntitiesIsRejectedNotExpanded() throws Exception {
        tool = tool("outil-xml", drop, "format: xml\n");
        export(drop, "export.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE cahierDeTextes [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
                <cahierDeTextes><seance><champ nom="className">4A</champ><champ nom="content">&secret;</champ></seance>
                </cahierDeTextes>
                """.getBytes(StandardCharsets.UTF_8));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(client.rejectedFiles(tool)).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("XML mal formé").doesNotContain("root:"));
    }

    @Test
    void aFileStillBeingWrittenWaitsForTheNextPoll() throws Exception {
        tool = pronote(drop, Map.of("quietPeriod", "PT1H"));
        export(drop, "export.csv", utf8(PRONOTE_HEADER, row("P1", "23/11/2026", "", "", "Leçon", "")));

        assertThat(client.poll(tool, SCHOOL, null)).isEmpty();
        assertThat(files(drop.resolve("export"))).containsExactly("export.csv");
    }
}
