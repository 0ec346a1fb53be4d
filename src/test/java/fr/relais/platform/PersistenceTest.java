package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import java.time.Duration;
import java.time.Instant;

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

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.ImportHistory;
import fr.relais.directory.aaf.ImportReport;

/** The same migrations and repositories on the demo's H2 and on a real PostgreSQL 17. */
class PersistenceTest {

    static EmbeddedPostgres postgres;
    static DataSource h2;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setOverrideWorkingDirectory(
                RelaisTestSupport.fresh("postgres").toFile()).start();
        JdbcDataSource ds = new JdbcDataSource();
        Path dir = RelaisTestSupport.fresh("h2");
        // DB_CLOSE_DELAY=-1: open while the tests run, as Relais' connection pool keeps it (without a pool, H2 closes
        // the database whenever its last connection closes, and threads opening it again meanwhile lost writes)
        ds.setURL("jdbc:h2:file:" + dir.resolve("relais") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
                + ";DB_CLOSE_DELAY=-1");
        h2 = ds;
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of("h2", h2), Arguments.of("postgresql", postgres.getPostgresDatabase()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void migrationsRunAndImportHistoryIsKept(String name, DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        var result = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        assertThat(result.success).isTrue();

        ImportHistory history = new ImportHistory(new JdbcTemplate(dataSource));
        history.record(ImportReport.failed("tronqué.xml", "XML mal formé ou fichier tronqué ligne 5 : é".repeat(200)), "inbox");
        history.record(new ImportReport("ENT_Complet_Eleve_0000.xml"), "api");
        List<ImportHistory.Entry> latest = history.latest(10);
        assertThat(latest).hasSize(2);
        assertThat(latest).extracting(ImportHistory.Entry::file)
                .containsExactlyInAnyOrder("tronqué.xml", "ENT_Complet_Eleve_0000.xml");
        ImportHistory.Entry failed = latest.stream().filter(e -> e.status().equals("error")).findFirst().orElseThrow();
        assertThat(failed.source()).isEqualTo("inbox");
        assertThat(failed.error()).hasSize(2000).startsWith("XML mal formé");
        assertThat(history.latest(1)).hasSize(1);

        // the tamper-evident audit trail, with its row lock, on the same database
        var tx = new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
        fr.relais.audit.AuditTrail audit = new fr.relais.audit.AuditTrail(new JdbcTemplate(dataSource));
        for (int i = 0; i < 3; i++) {
            int n = i;
            tx.executeWithoutResult(s -> audit.record("test.event", "test", "200000" + n, "identité", null,
                    fr.relais.audit.AuditTrail.Outcome.DONE, "événement " + n));
        }
        assertThat(audit.verify()).isEmpty();

        // by person: the events already indexed (in batches) and the latest, not indexed yet, newest first
        audit.indexSubjects();
        tx.executeWithoutResult(s -> audit.record("test.event", "test", "2000000", "identité", null,
                fr.relais.audit.AuditTrail.Outcome.DONE, "événement 3"));
        assertThat(audit.latest(10, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 3", "événement 0");
        assertThat(audit.latest(1, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 3");
        assertThat(audit.latest(10, "2000001")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 1");
        audit.indexSubjects();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM audit_subject_key", Integer.class))
                .isEqualTo(4);
        assertThat(audit.latest(10, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 3", "événement 0");
        assertThat(audit.latest(10, "inconnu")).isEmpty();
        // two persons whose ids fall in the same bucket of the index: each finds only their own events
        java.util.Map<Long, String> seen = new java.util.HashMap<>();
        String[] pair = null;
        for (int i = 0; pair == null; i++) {
            String id = "P" + i;
            String other = seen.putIfAbsent(fr.relais.audit.AuditTrail.bucket(id), id);
            pair = other == null ? null : new String[] {other, id};
        }
        for (String id : pair) {
            tx.executeWithoutResult(s -> audit.record("test.event", "test", id, "identité", null,
                    fr.relais.audit.AuditTrail.Outcome.DONE, "de " + id));
        }
        audit.indexSubjects();
        assertThat(audit.latest(10, pair[0])).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("de " + pair[0]);
        assertThat(audit.latest(10, pair[1])).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("de " + pair[1]);
        // rebuilt from the start (as after V20): the same look-ups, every event once
        new JdbcTemplate(dataSource).update("DELETE FROM audit_subject_key");
        new JdbcTemplate(dataSource).update("UPDATE audit_subject_mark SET seq = 0 WHERE id = 1");
        audit.indexSubjects();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM audit_subject_key", Integer.class))
                .isEqualTo(6);
        assertThat(audit.latest(10, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 3", "événement 0");
        assertThat(audit.verify()).isEmpty();
        new JdbcTemplate(dataSource).update("UPDATE audit_event SET subject = 'falsifié' WHERE seq = 2");
        assertThat(audit.verify()).contains(2L);
        new JdbcTemplate(dataSource).update("DELETE FROM audit_event WHERE seq = 2");
        assertThat(audit.verify()).contains(2L);

        // a long trail: the index is cut in epochs of 65,536 events, and a look-up reads the person's part of each
        new JdbcTemplate(dataSource).update("UPDATE audit_head SET seq = 131070 WHERE id = 1");
        for (int i = 0; i < 3; i++) {
            int n = i;
            tx.executeWithoutResult(s -> audit.record("test.event", "test", "2000000", "identité", null,
                    fr.relais.audit.AuditTrail.Outcome.DONE, "tard " + n));
        }
        audit.indexSubjects();
        assertThat(audit.latest(10, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::seq)
                .containsExactly(131073L, 131072L, 131071L, 4L, 1L);
        assertThat(audit.latest(4, "2000000")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("tard 2", "tard 1", "tard 0", "événement 3");
        assertThat(audit.latest(10, "2000002")).extracting(fr.relais.audit.AuditTrail.Event::detail)
                .containsExactly("événement 2");
    }

    /**
     * An event is recorded in the transaction of what it records (it is lost with it, and kept with it), and the
     * trails of two nodes, each appending and chaining at once, make one unbroken chain of every committed event.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void auditEventsAreDurableWithTheirTransactionAndTwoNodesChainThemIntoOneTrail(String name, DataSource dataSource)
            throws Exception {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        var tx = new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
        fr.relais.audit.AuditTrail node1 = new fr.relais.audit.AuditTrail(jdbc);
        fr.relais.audit.AuditTrail node2 = new fr.relais.audit.AuditTrail(jdbc);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
            node1.record("test.event", "test", "2000001", null, null, fr.relais.audit.AuditTrail.Outcome.DONE, "annulé");
            throw new IllegalStateException("la connexion échoue après son audit");
        })).hasMessageContaining("échoue");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = i;
            fr.relais.audit.AuditTrail node = n % 2 == 0 ? node1 : node2;
            done.add(pool.submit(() -> {
                tx.executeWithoutResult(s -> node.record("test.event", "test", "20000" + n % 10, null, null,
                        fr.relais.audit.AuditTrail.Outcome.DONE, "événement " + n));
                if (n % 25 == 0) {
                    node.chainInbox(); // both nodes' writers at work while others still record
                }
            }));
        }
        for (var f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(node2.verify()).isEmpty(); // a reader chains what waits first
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_inbox", Integer.class)).isZero();
        assertThat(jdbc.queryForList("SELECT detail FROM audit_event ORDER BY seq", String.class))
                .hasSize(400).doesNotHaveDuplicates().doesNotContain("annulé");
        assertThat(jdbc.queryForObject("SELECT MAX(seq) FROM audit_event", Long.class)).isEqualTo(400L);
        assertThat(node1.latest(100, "200007")).hasSize(40).allMatch(e -> e.detail().matches("événement \\d*7"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void subscriptionsAndTheirDecisionQueries(String name, DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        var tx = new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
        fr.relais.licence.Subscriptions subscriptions = new fr.relais.licence.Subscriptions(new JdbcTemplate(dataSource),
                java.time.Duration.ofMinutes(1), fr.relais.platform.cluster.ClusterNode.single());
        fr.relais.licence.Subscription s = new fr.relais.licence.Subscription("cns", "ABO-PG", "CNS_DISTRIBUTEUR",
                "ark:/1/pg", "ark", "Ressource", "é", java.time.Instant.parse("2026-09-01T00:00:00Z"),
                java.time.Instant.parse("2027-08-31T00:00:00Z"), "2026-2027", null, false,
                fr.relais.licence.Subscription.AssignmentType.INDIV, null, 30, null, null, fr.relais.licence.Subscription.UNLIMITED,
                "P1", java.util.List.of("0690100J", "0690107S"), java.util.List.of("ELEVE", "ENSEIGNANT"));
        assertThat((Boolean) tx.execute(st -> subscriptions.create(s))).isTrue();
        assertThat((Boolean) tx.execute(st -> subscriptions.create(s))).isFalse();
        assertThat(subscriptions.find("cns", "ABO-PG")).contains(s);
        assertThat(subscriptions.find("kne", "ABO-PG")).isEmpty();
        assertThat(subscriptions.list("cns", java.util.Map.of("uaiEtab", java.util.List.of("0690107S"),
                "idRessource", java.util.List.of("ark:/1/pg")))).containsExactly(s);
        assertThat(subscriptions.forSchool("cns", "0690100J", "ark:/1/pg")).singleElement().satisfies(f -> {
            assertThat(f.audiences()).containsExactlyInAnyOrder("ELEVE", "ENSEIGNANT");
            assertThat(f.nbGlobal()).isEqualTo(fr.relais.licence.Subscription.UNLIMITED);
        });
        assertThat((Boolean) tx.execute(st -> subscriptions.delete("cns", "ABO-PG"))).isTrue();
        assertThat(subscriptions.list("cns", java.util.Map.of())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void pseudonymsHandedOutAreResolvedAndTheMostRecentAreLoadedAtStart(String name, DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        fr.relais.licence.Pseudonyms first = new fr.relais.licence.Pseudonyms(jdbc, 1000);
        for (int i = 0; i < 30; i++) {
            first.remember("cns", "ido-" + i, "person-" + i);
            jdbc.update("UPDATE licence_pseudonym SET first_seen = ? WHERE ido = ?",
                    java.sql.Timestamp.from(java.time.Instant.parse("2026-09-01T08:00:00Z").plusSeconds(i)), "ido-" + i);
        }
        first.remember("cns", "ido-3", "someone-else"); // handed out once: never changes
        assertThat(first.person("cns", "ido-3")).contains("person-3");
        assertThat(first.person("kne", "ido-3")).isEmpty(); // another publisher's id
        assertThat(first.person("cns", "ido-999")).isEmpty();

        // a restart: at most max-cached less a tenth, the most recent first
        fr.relais.licence.Pseudonyms restarted = new fr.relais.licence.Pseudonyms(jdbc, 20);
        assertThat(restarted.warm()).isEqualTo(18);
        jdbc.update("DELETE FROM licence_pseudonym"); // what is in memory no longer needs the database
        assertThat(restarted.person("cns", "ido-29")).contains("person-29");
        assertThat(restarted.person("cns", "ido-12")).contains("person-12");
        assertThat(restarted.person("cns", "ido-11")).isEmpty(); // older: not loaded, read from the database
    }

    /**
     * The retention job on both databases: what is past its period goes, what is not stays, and a session stays as
     * long as a record that refers to it (a launch, kept 400 days) does.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void theRetentionJobDeletesWhatIsPastItsPeriodAndKeepsTheRest(String name, DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Instant now = Instant.parse("2026-12-08T10:00:00Z");
        java.util.function.Function<Duration, java.sql.Timestamp> ago = d -> java.sql.Timestamp.from(now.minus(d));
        String session = "INSERT INTO sso_session (id, person_id, source_connector, subject, renewed, created_at, "
                + "last_seen_at, ended_at) VALUES (?, 'p', 'agora06', 's', FALSE, ?, ?, ?)";
        jdbc.update(session, "ended-long-ago", ago.apply(Duration.ofDays(60)), ago.apply(Duration.ofDays(60)),
                ago.apply(Duration.ofDays(59)));
        jdbc.update(session, "idle-long-ago", ago.apply(Duration.ofDays(40)), ago.apply(Duration.ofDays(40)), null);
        jdbc.update(session, "with-a-launch", ago.apply(Duration.ofDays(60)), ago.apply(Duration.ofDays(60)),
                ago.apply(Duration.ofDays(59)));
        jdbc.update(session, "recent", ago.apply(Duration.ofDays(2)), ago.apply(Duration.ofHours(1)), null);
        String ticket = "INSERT INTO cas_service_ticket (id, session_id, service, connector_id, from_renew, created_at, "
                + "expires_at) VALUES (?, ?, 'https://outil.example/', 'pronote', FALSE, ?, ?)";
        jdbc.update(ticket, "ST-old", "ended-long-ago", ago.apply(Duration.ofDays(59)), ago.apply(Duration.ofDays(59)));
        jdbc.update(ticket, "ST-new", "recent", ago.apply(Duration.ofMinutes(1)), java.sql.Timestamp.from(now.plusSeconds(9)));
        String launch = "INSERT INTO saml_assertion_issued (id, session_id, publisher_id, resource_id, uai, issued_at) "
                + "VALUES (?, ?, 'cns', 'ark:/1/2', '0690100J', ?)";
        jdbc.update(launch, "A-young", "with-a-launch", ago.apply(Duration.ofDays(59)));
        jdbc.update(launch, "A-old", "with-a-launch", ago.apply(Duration.ofDays(500)));
        String login = "INSERT INTO sso_login_request (id, renew, created_at) VALUES (?, FALSE, ?)";
        jdbc.update(login, "L-old", ago.apply(Duration.ofHours(30)));
        jdbc.update(login, "L-new", ago.apply(Duration.ofMinutes(5)));
        String seen = "INSERT INTO oidc_logout_token_seen (connector_id, jti, received_at) VALUES ('monlycee', ?, ?)";
        jdbc.update(seen, "old", ago.apply(Duration.ofDays(31)));
        jdbc.update(seen, "new", ago.apply(Duration.ofDays(29)));

        Retention retention = new Retention(jdbc, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC),
                Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(30), Duration.ofDays(400));
        assertThat(retention.purge()).containsExactly(java.util.Map.entry("connexions en cours", 1),
                java.util.Map.entry("tickets", 1), java.util.Map.entry("traces anti-rejeu", 1),
                java.util.Map.entry("lancements de ressources", 1), java.util.Map.entry("sessions", 2));
        assertThat(jdbc.queryForList("SELECT id FROM sso_session ORDER BY id", String.class))
                .containsExactly("recent", "with-a-launch");
        assertThat(jdbc.queryForList("SELECT id FROM cas_service_ticket", String.class)).containsExactly("ST-new");
        assertThat(jdbc.queryForList("SELECT id FROM saml_assertion_issued", String.class)).containsExactly("A-young");
        assertThat(jdbc.queryForList("SELECT id FROM sso_login_request", String.class)).containsExactly("L-new");
        assertThat(jdbc.queryForList("SELECT jti FROM oidc_logout_token_seen", String.class)).containsExactly("new");
        assertThat(retention.purge()).as("a second pass finds nothing").isEmpty();
    }
}
