package fr.relais.classlog.tools;

import static fr.relais.classlog.tools.FileExchangeFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogEntry.Attachment;
import fr.relais.classlog.ClassLogEntry.Homework;
import fr.relais.classlog.ClassLogStore.ToolChange;
import fr.relais.classlog.ToolClient.Polled;
import fr.relais.classlog.ToolClient.Written;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;
import fr.relais.sandbox.SimulatedPronote;

/** Relais and a simulated Pronote exchanging the cahier de textes through files, both ways. */
class FileExchangeClientTest {

    static final LocalDate MONDAY = LocalDate.of(2026, 11, 23);

    final FileExchangeClient client = new FileExchangeClient();
    Path drop;
    Connector tool;
    SimulatedPronote pronote;

    @BeforeEach
    void setUp(TestInfo test) throws ToolException {
        drop = folder(test);
        tool = pronote(drop);
        pronote = new SimulatedPronote(tool);
    }

    static ClassLogEntry lesson(String title, String content) {
        return new ClassLogEntry(SCHOOL, "4A", "MATHEMATIQUES", "jdupont", MONDAY, LocalTime.of(8, 0), LocalTime.of(8, 55),
                title, content, List.of(), List.of(), true, null);
    }

    static ClassLogEntry everyField() {
        return new ClassLogEntry(SCHOOL, "4A", "MATHEMATIQUES", "jdupont", MONDAY, LocalTime.of(8, 0),
                LocalTime.of(8, 55), "Théorème de Pythagore", "<p>Cours ; démonstration \"à l'ancienne\"</p>\n<p>2e partie</p>",
                List.of(new Homework("h1", MONDAY, MONDAY.plusDays(7), "Exercices 1 à 5 p. 42", null, null,
                                List.of(new Attachment("énoncé.pdf", null, null, "https://docs.example.fr/enonce.pdf", null))),
                        new Homework("h2", MONDAY.plusDays(1), MONDAY.plusDays(3), "Relire la leçon", null, null, List.of())),
                List.of(new Attachment("Cours|v2 100%.pdf", "application/pdf", 123_456L, "https://docs.example.fr/c.pdf",
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
                        new Attachment("Vidéo", null, null, "https://video.example.fr/v?id=1&t=2", null)),
                false, "M. le Principal");
    }

    /** What Pronote's mapping carries back of {@link #everyField()}: homework ids are Pronote's (no column for them). */
    static ClassLogEntry asReadBack(ClassLogEntry e, String toolId) {
        List<Homework> homework = new java.util.ArrayList<>();
        for (int i = 0; i < e.homework().size(); i++) {
            Homework h = e.homework().get(i);
            homework.add(new Homework(toolId + "-" + (i + 1), h.givenOn(), h.dueOn(), h.description(), null, null,
                    h.attachments()));
        }
        return new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(), e.end(),
                e.title(), e.content(), homework, e.attachments(), e.published(), e.visaBy());
    }

    @Test
    void everyFieldGoesToPronoteAndComesBackWithTheVersionWriteAnswered() throws Exception {
        Written written = client.write(tool, null, everyField());
        assertThat(written.toolEntryId()).startsWith("relais-");
        assertThat(files(drop.resolve("import"))).singleElement().asString().startsWith("relais-").endsWith(".csv");

        assertThat(pronote.importFiles()).isEqualTo(1);
        assertThat(files(drop.resolve("import"))).isEmpty();
        assertThat(pronote.lessons().get(written.toolEntryId())).hasSize(2); // one row per piece of work
        pronote.export();

        List<Polled> polled = client.poll(tool, SCHOOL, null);
        assertThat(polled).hasSize(1);
        ToolChange change = polled.get(0).change();
        assertThat(change.tool()).isEqualTo("pronote");
        assertThat(change.toolEntryId()).isEqualTo(written.toolEntryId());
        // Pronote stamped the lesson when it imported it: the stamp is its modification time, not its version
        assertThat(change.toolVersion()).isEqualTo(written.toolVersion());
        assertThat(change.modifiedAt()).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1,
                java.time.temporal.ChronoUnit.MINUTES));
        assertThat(change.deleted()).isFalse();
        assertThat(change.entry()).isEqualTo(asReadBack(everyField(), written.toolEntryId()));
        assertThat(polled.get(0).watermark()).endsWith(".csv").isIn(files(drop.resolve("processed")));
    }

    @Test
    void anUpdateReplacesTheLessonInPronoteAndIsNotEchoed() throws Exception {
        Written first = client.write(tool, null, lesson("Pythagore", "<p>Cours</p>"));
        pronote.importFiles();
        pronote.export();
        String mark = client.poll(tool, SCHOOL, null).get(0).watermark();

        Written second = client.write(tool, first.toolEntryId(), lesson("Pythagore", "<p>Cours corrigé</p>"));
        assertThat(second.toolEntryId()).isEqualTo(first.toolEntryId());
        assertThat(second.toolVersion()).isNotEqualTo(first.toolVersion());
        pronote.importFiles();
        assertThat(pronote.lessons()).hasSize(1);
        pronote.export();

        List<Polled> polled = client.poll(tool, SCHOOL, mark);
        assertThat(polled).singleElement().satisfies(p -> {
            assertThat(p.change().toolVersion()).isEqualTo(second.toolVersion());
            assertThat(p.change().entry().content()).isEqualTo("<p>Cours corrigé</p>");
        });
    }

    @Test
    void aLessonTypedInPronoteIsReadThenItsEditThenItsDeletion() throws Exception {
        String id = pronote.type(Map.of("school", SCHOOL, "className", "4A", "date", "23/11/2026", "start", "10h00",
                "subject", "FRANCAIS", "content", "Dictée", "homework", "Apprendre la poésie", "dueOn", "26/11/2026"));
        pronote.export();
        List<Polled> created = client.poll(tool, SCHOOL, null);
        assertThat(created).singleElement().satisfies(p -> {
            assertThat(p.change().toolEntryId()).isEqualTo(id);
            ClassLogEntry e = p.change().entry();
            assertThat(e.start()).isEqualTo(LocalTime.of(10, 0));
            assertThat(e.published()).isTrue(); // blank "Publié": published
            assertThat(e.homework()).singleElement().satisfies(h -> {
                assertThat(h.givenOn()).isEqualTo(MONDAY); // blank "Donné le": the lesson's date
                assertThat(h.dueOn()).isEqualTo(LocalDate.of(2026, 11, 26));
            });
        });

        pronote.edit(id, Map.of("content", "Dictée n°3"));
        pronote.export();
        List<Polled> edited = client.poll(tool, SCHOOL, created.get(0).watermark());
        assertThat(edited).singleElement().satisfies(p -> {
            assertThat(p.change().entry().content()).isEqualTo("Dictée n°3");
            assertThat(p.change().toolVersion()).isNotEqualTo(created.get(0).change().toolVersion());
        });

        pronote.remove(id);
        pronote.export();
        List<Polled> deleted = client.poll(tool, SCHOOL, edited.get(0).watermark());
        assertThat(deleted).singleElement().satisfies(p -> {
            assertThat(p.change().toolEntryId()).isEqualTo(id);
            assertThat(p.change().deleted()).isTrue();
            assertThat(p.change().entry()).isNull();
        });
    }

    @Test
    void relaisDeletesALessonInPronote() throws Exception {
        Written written = client.write(tool, null, lesson("Pythagore", "<p>Cours</p>"));
        pronote.importFiles();
        assertThat(pronote.lessons()).containsOnlyKeys(written.toolEntryId());

        client.delete(tool, SCHOOL, written.toolEntryId());
        pronote.importFiles();
        assertThat(pronote.lessons()).isEmpty();
        client.delete(tool, SCHOOL, "relais-unknown"); // a lesson Pronote no longer has: not an error
        assertThat(pronote.importFiles()).isEqualTo(1);
    }

    @Test
    void aNewClientResumesFromTheWatermarkAndAnUnchangedSnapshotIsNoChange() throws Exception {
        tool = pronote(drop, Map.of("fullExport", true));
        pronote = new SimulatedPronote(tool);
        String a = pronote.type(Map.of("school", SCHOOL, "className", "4A", "date", "23/11/2026", "content", "A"));
        pronote.type(Map.of("school", SCHOOL, "className", "4B", "date", "23/11/2026", "content", "B"));
        pronote.export();
        List<Polled> first = client.poll(tool, SCHOOL, null);
        assertThat(first).hasSize(2);
        // only the last change moves past the file: a crash before it repeats the first, never skips it
        assertThat(first.get(0).watermark()).isNull();
        String mark = first.get(1).watermark();

        pronote.export(); // the same lessons again
        pronote.export();
        FileExchangeClient restarted = new FileExchangeClient();
        assertThat(restarted.poll(tool, SCHOOL, mark)).isEmpty();
        assertThat(restarted.poll(tool, SCHOOL, mark)).isEmpty();

        pronote.edit(a, Map.of("content", "A bis"));
        pronote.export();
        assertThat(restarted.poll(tool, SCHOOL, mark)).singleElement()
                .satisfies(p -> assertThat(p.change().entry().content()).isEqualTo("A bis"));
    }

    @Test
    void pruningKeepsTheLatestExportAndTheOneEachSchoolResumesFrom() throws Exception {
        tool = pronote(drop, Map.of("fullExport", true, "keepProcessed", "PT0S"));
        pronote = new SimulatedPronote(tool);
        pronote.type(Map.of("school", SCHOOL, "className", "4A", "date", "23/11/2026", "content", "A"));
        pronote.export();
        String mark = client.poll(tool, SCHOOL, null).get(0).watermark();
        client.poll(tool, SCHOOL, mark); // Relais now knows where this school resumes
        pronote.export();
        pronote.export();
        String typed = pronote.type(Map.of("school", SCHOOL, "className", "4B", "date", "23/11/2026", "content", "B"));
        pronote.export();

        assertThat(client.poll(tool, SCHOOL, mark)).extracting(p -> p.change().toolEntryId()).containsExactly(typed);
        assertThat(files(drop.resolve("processed"))).hasSize(2).contains(mark);
    }

    @Test
    void inAFullSnapshotALessonNoLongerThereWasDeleted() throws Exception {
        tool = tool("outil-xml", drop, "format: xml\nfullExport: true\n");
        pronote = new SimulatedPronote(tool);
        Written written = client.write(tool, null, everyField());
        String typed = pronote.type(Map.of("school", SCHOOL, "className", "4A", "date", "2026-11-24", "content", "B"));
        pronote.importFiles();
        Path export = pronote.export();
        assertThat(Files.readString(export)).contains("<cahierDeTextes>", "<champ nom=\"className\">4A</champ>");
        List<Polled> first = client.poll(tool, SCHOOL, null);
        assertThat(first).extracting(p -> p.change().toolEntryId()).containsExactlyInAnyOrder(written.toolEntryId(), typed);
        ToolChange mine = first.stream().map(Polled::change).filter(c -> c.toolEntryId().equals(written.toolEntryId()))
                .findFirst().orElseThrow();
        // this tool has a column for every field: the entry comes back whole, homework ids included
        assertThat(mine.entry()).isEqualTo(everyField());
        assertThat(mine.toolVersion()).isEqualTo(written.toolVersion());
        String typedVersion = first.stream().map(Polled::change).filter(c -> c.toolEntryId().equals(typed))
                .findFirst().orElseThrow().toolVersion();

        pronote.remove(typed);
        pronote.export();
        List<Polled> second = client.poll(tool, SCHOOL, first.get(1).watermark());
        assertThat(second).singleElement().satisfies(p -> {
            assertThat(p.change().toolEntryId()).isEqualTo(typed);
            assertThat(p.change().deleted()).isTrue();
            assertThat(p.change().toolVersion()).isNotEqualTo(typedVersion);
        });
    }

    @Test
    void findLinksTheLessonWrittenBeforeACrashWhetherPronoteTookItOrNot() throws Exception {
        ClassLogEntry entry = lesson("Pythagore", "<p>Cours</p>");
        Written written = client.write(tool, null, entry);
        assertThat(client.find(tool, entry)).hasValueSatisfying(found -> { // still in import/
            assertThat(found.toolEntryId()).isEqualTo(written.toolEntryId());
            assertThat(found.toolVersion()).isEqualTo(written.toolVersion());
            assertThat(found.entry().sameLesson(entry)).isTrue();
            assertThat(found.entry().content()).isEqualTo(entry.content());
        });
        assertThat(client.find(tool, lesson("Thalès", "<p>Cours</p>"))).isEmpty();

        pronote.importFiles();
        pronote.export();
        assertThat(client.find(tool, entry)).hasValueSatisfying(found -> { // in Pronote's export
            assertThat(found.toolEntryId()).isEqualTo(written.toolEntryId());
            assertThat(found.toolVersion()).isEqualTo(written.toolVersion());
            assertThat(found.entry().sameLesson(entry)).isTrue();
            assertThat(found.entry().content()).isEqualTo(entry.content());
        });
    }

    @Test
    void onlyTheRowsOfTheSchoolPolledAreRead() throws Exception {
        pronote.type(Map.of("school", SCHOOL, "className", "4A", "date", "23/11/2026", "content", "ici"));
        pronote.type(Map.of("school", OTHER_SCHOOL, "className", "4A", "date", "23/11/2026", "content", "ailleurs"));
        pronote.export();
        assertThat(client.poll(tool, SCHOOL, null)).extracting(p -> p.change().entry().content()).containsExactly("ici");
        assertThat(client.poll(tool, OTHER_SCHOOL, null)).extracting(p -> p.change().entry().content())
                .containsExactly("ailleurs");
    }

    @Test
    void anSftpDropFolderIsRefusedWithWhatToDo() {
        Connector sftp = pronote(drop, Map.of("dropFolder", "sftp://pronote.example.fr/echanges"));
        assertThatThrownBy(() -> client.poll(sftp, SCHOOL, null)).isInstanceOf(ToolException.class)
                .hasMessageContaining("connectors/tools/pronote.yaml: classlog.dropFolder")
                .hasMessageContaining("SFTP ne sont pas encore pris en charge")
                .satisfies(e -> assertThat(((ToolException) e).refused()).isTrue());
    }
}
