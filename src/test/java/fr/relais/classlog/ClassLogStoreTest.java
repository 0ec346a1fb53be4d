package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import fr.relais.RelaisTestSupport;
import fr.relais.classlog.ClassLogStore.ToolChange;

/** The canonical cahier de textes on H2 and on a real PostgreSQL: idempotence, no echo, conflicts, history, refusals. */
class ClassLogStoreTest {

    static final String SCHOOL = fr.relais.directory.aaf.Uai.of(690_100);
    static final Set<String> CLASSES = Set.of("3A", "3B");
    static EmbeddedPostgres postgres;
    static DataSource h2;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setOverrideWorkingDirectory(RelaisTestSupport.fresh("classlog-pg").toFile()).start();
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + RelaisTestSupport.fresh("classlog-h2").resolve("db")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;OPTIMIZE_REUSE_RESULTS=FALSE");
        h2 = ds;
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of("h2", h2), Arguments.of("postgresql", postgres.getPostgresDatabase()));
    }

    record Fixture(ClassLogStore store, TransactionTemplate tx, JdbcTemplate jdbc) {
        ClassLogStore.Result apply(ToolChange c) {
            return tx.execute(s -> store.apply(c, CLASSES::contains));
        }
    }

    static Fixture fixture(DataSource ds) {
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        return new Fixture(new ClassLogStore(jdbc, List.of("pronote", "neo-cahier-de-textes")),
                new TransactionTemplate(new DataSourceTransactionManager(ds)), jdbc);
    }

    static ClassLogEntry lesson(String content, LocalDate given, LocalDate due) {
        return new ClassLogEntry(SCHOOL, "3A", "061300", "4000002", LocalDate.of(2026, 11, 23), LocalTime.of(8, 0),
                LocalTime.of(9, 0), "Théorème de Pythagore", content, List.of(new ClassLogEntry.Homework("h1", given, due,
                "Exercices 12 et 13 p. 48", 30, "exercice", List.of(new ClassLogEntry.Attachment("fiche.pdf",
                "application/pdf", 20_480L, "https://ent.example/docs/fiche.pdf", null)))), List.of(), true, null);
    }

    static ToolChange change(String tool, String id, String version, String at, ClassLogEntry e) {
        return new ToolChange(tool, id, version, Instant.parse(at), e == null, e);
    }

    static final LocalDate GIVEN = LocalDate.of(2026, 11, 23);
    static final LocalDate DUE = LocalDate.of(2026, 11, 30);

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void theSameChangeTwiceAndRelaisOwnWriteReadBackChangeNothing(String name, DataSource ds) {
        Fixture f = fixture(ds);
        var created = (ClassLogStore.Created) f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z",
                lesson("<p>Cours</p>", GIVEN, DUE)));
        assertThat(created.version()).isEqualTo(1);
        assertThat(f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z", lesson("<p>Cours</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Unchanged(created.id(), true));
        f.tx().executeWithoutResult(s -> f.store().delivered(created.id(), 1, "neo-cahier-de-textes", "N9", "etag-1"));
        assertThat(f.apply(change("neo-cahier-de-textes", "N9", "etag-1", "2026-11-23T09:00:05Z",
                lesson("<p>Cours</p>", GIVEN, DUE)))).isEqualTo(new ClassLogStore.Unchanged(created.id(), false));
        ClassLogEntry stored = f.store().entry(created.id()).orElseThrow();
        assertThat(stored.homework().get(0).givenOn()).isEqualTo(GIVEN);
        assertThat(stored.homework().get(0).dueOn()).isEqualTo(DUE);
        assertThat(stored.homework().get(0).attachments().get(0).url()).isEqualTo("https://ent.example/docs/fiche.pdf");
        assertThat(stored.published()).isTrue();
    }

    /** A lesson typed in Pronote (P1, v1), and Relais' copy of it made in NEO (N1, e1): the canonical id. */
    static String createdInPronoteAndDelivered(Fixture f, String content) {
        String id = ((ClassLogStore.Created) f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z",
                lesson(content, GIVEN, DUE)))).id();
        f.tx().executeWithoutResult(s -> assertThat(f.store().newCopies(List.of(new ClassLogStore.NewCopy(
                "neo-cahier-de-textes", "N1", id, 1, "e1", java.time.Instant.now())))).isEqualTo(1));
        return id;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aToolEntryRecordedWhileItsChangeIsReadIsNotTakenForANewLesson(String name, DataSource ds) {
        Fixture f = fixture(ds);
        // the delivery that made N1 records it after NEO's poll found N1 unknown (the change step read no record)
        String id = createdInPronoteAndDelivered(f, "<p>Cours</p>");
        ToolChange copy = change("neo-cahier-de-textes", "N1", "e1", "2026-11-23T09:00:05Z", lesson("<p>Cours</p>", GIVEN, DUE));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.tx().execute(st -> f.store().apply(copy,
                CLASSES::contains, java.util.Optional.empty())))
                .isInstanceOf(org.springframework.dao.ConcurrencyFailureException.class)
                .hasMessageContaining("neo-cahier-de-textes N1 enregistrée pendant sa lecture");
        // nothing made of it, and the record stays the delivery's; applied again, the change is Relais' write read back
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_entry", Integer.class)).isEqualTo(1);
        assertThat(f.store().recorded("neo-cahier-de-textes", "N1").orElseThrow()[0]).isEqualTo(id);
        assertThat(f.apply(copy)).isEqualTo(new ClassLogStore.Unchanged(id, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void relaisOwnUpdateReadBackBeforeItsAnswerIsRecordedIsNoChange(String name, DataSource ds) {
        Fixture f = fixture(ds);
        String id = createdInPronoteAndDelivered(f, "<p>v1</p>");
        assertThat(f.apply(change("pronote", "P1", "v2", "2026-11-23T10:00:00Z", lesson("<p>v2</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Updated(id, 2, false));
        // Relais writes v2 into NEO (which makes it e2); NEO is polled before Relais records e2: same content, no echo
        assertThat(f.apply(change("neo-cahier-de-textes", "N1", "e2", "2026-11-23T10:00:01Z", lesson("<p>v2</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Unchanged(id, false));
        assertThat(f.store().history(id)).hasSize(2);
        assertThat(f.store().conflicts()).isEmpty();
        // Pronote's change read again (a repeated poll) is the one that made the current version: fan it out again
        assertThat(f.apply(change("pronote", "P1", "v2", "2026-11-23T10:00:00Z", lesson("<p>v2</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Unchanged(id, true));
        // an older change read again is not
        assertThat(f.apply(change("neo-cahier-de-textes", "N1", "e2", "2026-11-23T10:00:01Z", lesson("<p>v2</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Unchanged(id, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void theLatestModificationAtItsSourceWinsAndTheLoserIsKept(String name, DataSource ds) {
        Fixture f = fixture(ds);
        String id = ((ClassLogStore.Created) f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z",
                lesson("<p>v1</p>", GIVEN, DUE)))).id();
        f.tx().executeWithoutResult(s -> f.store().delivered(id, 1, "neo-cahier-de-textes", "N1", "e1"));
        // edited in Pronote at 10:05, and in NEO at 10:03, before either sync
        assertThat(f.apply(change("pronote", "P1", "v2", "2026-11-23T10:05:00Z", lesson("<p>pronote 10h05</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Updated(id, 2, false));
        assertThat(f.apply(change("neo-cahier-de-textes", "N1", "e2", "2026-11-23T10:03:00Z",
                lesson("<p>neo 10h03</p>", GIVEN, DUE)))).isEqualTo(new ClassLogStore.ConflictLost(id, 2));
        assertThat(f.store().entry(id).orElseThrow().content()).isEqualTo("<p>pronote 10h05</p>");
        assertThat(f.store().conflicts()).singleElement().satisfies(c -> assertThat(c.get("tool")).isEqualTo("neo-cahier-de-textes"));
        // a later NEO edit (10:10) wins over Pronote's 10:05; Pronote's version is then the listed loser
        assertThat(f.apply(change("neo-cahier-de-textes", "N1", "e3", "2026-11-23T10:10:00Z",
                lesson("<p>neo 10h10</p>", GIVEN, DUE)))).isEqualTo(new ClassLogStore.Updated(id, 3, false));
        assertThat(f.store().entry(id).orElseThrow().content()).isEqualTo("<p>neo 10h10</p>");
        assertThat(f.store().history(id)).extracting(h -> h.get("source_tool"))
                .containsExactly("pronote", "pronote", "neo-cahier-de-textes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void atTheSameInstantTheToolFirstInPrecedenceWins(String name, DataSource ds) {
        Fixture f = fixture(ds);
        String id = ((ClassLogStore.Created) f.apply(change("neo-cahier-de-textes", "N1", "e1", "2026-11-23T09:00:00Z",
                lesson("<p>v1</p>", GIVEN, DUE)))).id();
        f.tx().executeWithoutResult(s -> f.store().delivered(id, 1, "pronote", "P1", "v1"));
        f.apply(change("neo-cahier-de-textes", "N1", "e2", "2026-11-23T10:00:00Z", lesson("<p>neo</p>", GIVEN, DUE)));
        assertThat(f.apply(change("pronote", "P1", "v2", "2026-11-23T10:00:00Z", lesson("<p>pronote</p>", GIVEN, DUE))))
                .isInstanceOf(ClassLogStore.Updated.class);
        assertThat(f.store().entry(id).orElseThrow().content()).isEqualTo("<p>pronote</p>");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesAreTombstonesAndAVisaedVersionStaysInTheHistory(String name, DataSource ds) {
        Fixture f = fixture(ds);
        ClassLogEntry visaed = new ClassLogEntry(SCHOOL, "3A", null, null, LocalDate.of(2026, 11, 23), null, null, "t",
                "<p>visé</p>", List.of(), List.of(), true, "4000001");
        String id = ((ClassLogStore.Created) f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z", visaed))).id();
        f.apply(change("pronote", "P1", "v2", "2026-11-23T11:00:00Z", lesson("<p>modifié après visa</p>", GIVEN, DUE)));
        assertThat(f.store().history(id).get(0).get("document").toString()).contains("visé").contains("4000001");
        assertThat(f.apply(change("pronote", "P1", "v3", "2026-11-23T12:00:00Z", null)))
                .isEqualTo(new ClassLogStore.Updated(id, 3, false));
        assertThat(f.store().entry(id)).isEmpty();
        assertThat(f.store().history(id)).hasSize(3).last().satisfies(h -> assertThat(h.get("deleted")).isEqualTo(true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void contentIsSanitisedAndMalformedChangesAreRefusedWithTheirReason(String name, DataSource ds) {
        Fixture f = fixture(ds);
        var cleaned = (ClassLogStore.Created) f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z",
                lesson("<p onclick=\"vol()\" style=\"background:url(https://evil.example/x)\">Cours<script>alert(1)</script>"
                        + " <a href=\"javascript:alert(1)\">lien</a> <a href=\"https://eduscol.education.fr\">eduscol</a></p>",
                        GIVEN, DUE)));
        assertThat(cleaned.cleaned()).isTrue();
        String content = f.store().entry(cleaned.id()).orElseThrow().content();
        assertThat(content).doesNotContain("script").doesNotContain("onclick").doesNotContain("style")
                .doesNotContain("javascript").contains("href=\"https://eduscol.education.fr\"").contains("Cours");

        var due = (ClassLogStore.Rejected) f.apply(change("pronote", "P2", "v1", "2026-11-23T09:00:00Z",
                lesson("<p>x</p>", DUE, GIVEN)));
        assertThat(due.reasons()).containsExactly("travail 'h1' : à rendre le 2026-11-23, avant d'être donné le 2026-11-30");
        ClassLogEntry unknownClass = new ClassLogEntry(SCHOOL, "9Z", null, null, null, null, null, null,
                "x".repeat(70_000), List.of(), List.of(), true, null);
        var refused = (ClassLogStore.Rejected) f.apply(change("pronote", "P3", "v1", "2026-11-23T09:00:00Z", unknownClass));
        assertThat(refused.reasons()).containsExactly(
                "classe ou groupe '9Z' inconnu de l'annuaire pour l'établissement " + SCHOOL,
                "date de la séance absente ou invalide",
                "contenu de 70000 caractères, au plus 65536");
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_rejection", Integer.class)).isEqualTo(2);
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_entry", Integer.class)).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aToolEntryRecordedByTwoWritersAtOnceIsOneRowAndNoError(String name, DataSource ds) throws Exception {
        Fixture f = fixture(ds);
        String id = ((ClassLogStore.Created) f.apply(change("neo-cahier-de-textes", "n1", "1", "2026-11-23T08:00:00Z",
                lesson("<p>a</p>", GIVEN, DUE)))).id();
        // the delivery that created Pronote's entry records it, and Pronote's poll reads it back at the same time
        java.util.concurrent.CountDownLatch recorded = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(() -> f.tx().executeWithoutResult(s -> {
                f.store().delivered(id, 1, "pronote", "p1", "v1");
                recorded.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            recorded.await();
            var second = pool.submit(() -> f.tx().executeWithoutResult(s -> f.store().delivered(id, 1, "pronote", "p1",
                    "v1")));
            Thread.sleep(300); // the second waits for the first's row
            release.countDown();
            first.get(20, java.util.concurrent.TimeUnit.SECONDS);
            second.get(20, java.util.concurrent.TimeUnit.SECONDS); // was a DuplicateKeyException
        } finally {
            pool.shutdownNow();
        }
        assertThat(f.jdbc().queryForList("SELECT entry_id FROM classlog_provenance WHERE tool = 'pronote' "
                + "AND tool_entry_id = 'p1'", String.class)).containsExactly(id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void whatRelaisWroteIntoAToolIsKnownWhenTheToolReadsItBack(String name, DataSource ds) {
        Fixture f = fixture(ds);
        String id = ((ClassLogStore.Created) f.apply(change("neo-cahier-de-textes", "n1", "1", "2026-11-23T08:00:00Z",
                lesson("<p>a</p>", GIVEN, DUE)))).id();
        f.tx().executeWithoutResult(s -> f.store().delivered(id, 1, "pronote", "p1", "pv1"));
        // Pronote holds Relais' write: its version is known; the source's own version made the entry, so it is not
        assertThat(f.store().readBack("pronote", List.of("p1", "p2"))).containsExactly(
                java.util.Map.entry("p1", new ClassLogStore.ReadBack("pv1", true)));
        assertThat(f.store().readBack("neo-cahier-de-textes", List.of("n1"))).containsExactly(
                java.util.Map.entry("n1", new ClassLogStore.ReadBack("1", false)));
        // a teacher edits it in Pronote: that version made the entry, it is Pronote's own change from then on
        assertThat(f.apply(change("pronote", "p1", "pv2", "2026-11-23T09:00:00Z", lesson("<p>b</p>", GIVEN, DUE))))
                .isInstanceOf(ClassLogStore.Updated.class);
        assertThat(f.store().readBack("pronote", List.of("p1"))).containsExactly(
                java.util.Map.entry("p1", new ClassLogStore.ReadBack("pv2", false)));
        assertThat(f.apply(change("pronote", "p1", "pv2", "2026-11-23T09:00:00Z", lesson("<p>b</p>", GIVEN, DUE))))
                .isEqualTo(new ClassLogStore.Unchanged(id, true));
    }

    /** A change queued again from the parking, applied as the changes step applies it. */
    static ClassLogStore.Result unparked(Fixture f, ToolChange c, Set<String> classes) {
        return f.tx().execute(s -> f.store().applyUnparked(c, classes::contains,
                f.store().recorded(c.tool(), c.toolEntryId())));
    }

    /** The lesson moved to another class or group. */
    static ClassLogEntry in(String audience, ClassLogEntry e) {
        return new ClassLogEntry(e.school(), audience, e.subject(), e.teacher(), e.date(), e.start(), e.end(), e.title(),
                e.content(), e.homework(), e.attachments(), e.published(), e.visaBy());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aChangeForAClassTheDirectoryDoesNotKnowYetWaitsAndAnOlderOneQueuedAgainNeverOverwritesANewer(String name,
                                                                                                       DataSource ds) {
        Fixture f = fixture(ds);
        Set<String> later = Set.of("3A", "3B", "9Z"); // the directory once the AAF import brought 9Z
        // typed for 9Z before the directory knows it: parked with its reason, neither refused nor in the log
        assertThat(f.apply(change("pronote", "P1", "v1", "2026-11-23T09:00:00Z", in("9Z", lesson("<p>v1</p>", GIVEN,
                DUE))))).isEqualTo(new ClassLogStore.Parked(List.of("classe ou groupe '9Z' inconnu de l'annuaire pour "
                + "l'établissement " + SCHOOL)));
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_rejection", Integer.class)).isZero();
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_entry", Integer.class)).isZero();
        assertThat(f.jdbc().queryForObject("SELECT tool_version FROM classlog_parked WHERE tool = 'pronote' AND "
                + "tool_entry_id = 'P1'", String.class)).isEqualTo("v1");

        // the retry queued v1 again (9Z is known now), but the teacher's next edit v2 (moved to 3A) is applied first:
        // v1 comes second and is dropped, v2 stays the lesson
        ToolChange v1 = change("pronote", "P1", "v1", "2026-11-23T09:00:00Z", in("9Z", lesson("<p>v1</p>", GIVEN, DUE)));
        String id = ((ClassLogStore.Created) f.apply(change("pronote", "P1", "v2", "2026-11-23T09:05:00Z",
                lesson("<p>v2</p>", GIVEN, DUE)))).id();
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked", Integer.class)).isZero();
        assertThat(unparked(f, v1, later))
                .isEqualTo(new ClassLogStore.Unchanged(null, false));
        assertThat(f.store().entry(id).orElseThrow().content()).isEqualTo("<p>v2</p>");
        assertThat(f.store().entry(id).orElseThrow().audience()).isEqualTo("3A");
        assertThat(f.store().history(id)).hasSize(1);

        // moved to 9Z again (v3), then edited there (v4): one row, the latest change, its first parking kept
        f.apply(change("pronote", "P1", "v3", "2026-11-23T09:10:00Z", in("9Z", lesson("<p>v3</p>", GIVEN, DUE))));
        java.sql.Timestamp first = f.jdbc().queryForObject("SELECT first_parked_at FROM classlog_parked", java.sql.Timestamp.class);
        assertThat(f.apply(change("pronote", "P1", "v4", "2026-11-23T09:15:00Z", in("9Z", lesson("<p>v4</p>", GIVEN,
                DUE))))).isInstanceOf(ClassLogStore.Parked.class);
        assertThat(f.jdbc().queryForObject("SELECT tool_version FROM classlog_parked", String.class)).isEqualTo("v4");
        assertThat(f.jdbc().queryForObject("SELECT first_parked_at FROM classlog_parked", java.sql.Timestamp.class))
                .isEqualTo(first);
        // v3 queued again meanwhile: out of date, dropped; v4 queued again once 9Z is known: applied, and waits no more
        ToolChange v3 = change("pronote", "P1", "v3", "2026-11-23T09:10:00Z", in("9Z", lesson("<p>v3</p>", GIVEN, DUE)));
        assertThat(unparked(f, v3, later))
                .isEqualTo(new ClassLogStore.Unchanged(null, false));
        ToolChange v4 = change("pronote", "P1", "v4", "2026-11-23T09:15:00Z", in("9Z", lesson("<p>v4</p>", GIVEN, DUE)));
        assertThat(unparked(f, v4, later))
                .isInstanceOf(ClassLogStore.Updated.class);
        assertThat(f.store().entry(id).orElseThrow().content()).isEqualTo("<p>v4</p>");
        assertThat(f.store().entry(id).orElseThrow().audience()).isEqualTo("9Z");
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked", Integer.class)).isZero();

        // a lesson parked, then deleted in its tool: nothing to apply, and nothing waits any more
        f.apply(change("pronote", "P2", "w1", "2026-11-23T10:00:00Z", in("8Y", lesson("<p>w1</p>", GIVEN, DUE))));
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked", Integer.class)).isEqualTo(1);
        assertThat(f.apply(change("pronote", "P2", "w2", "2026-11-23T10:05:00Z", null)))
                .isEqualTo(new ClassLogStore.Unchanged(null, false));
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked", Integer.class)).isZero();

        // a fault of the entry itself besides its unknown class: refused for good, not parked
        ClassLogEntry backwards = in("8Y", lesson("<p>x</p>", GIVEN, DUE));
        backwards = new ClassLogEntry(backwards.school(), backwards.audience(), backwards.subject(), backwards.teacher(),
                backwards.date(), LocalTime.of(9, 0), LocalTime.of(8, 0), backwards.title(), backwards.content(),
                backwards.homework(), backwards.attachments(), backwards.published(), backwards.visaBy());
        assertThat(f.apply(change("pronote", "P3", "x1", "2026-11-23T11:00:00Z", backwards)))
                .isInstanceOf(ClassLogStore.Rejected.class);
        assertThat(f.jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked", Integer.class)).isZero();
        assertThat(f.jdbc().queryForObject("SELECT reason FROM classlog_rejection WHERE tool_entry_id = 'P3'",
                String.class)).contains("la séance finit (08:00) avant de commencer (09:00)");
    }
}
