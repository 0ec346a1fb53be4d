package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.Directory;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * The cahier de textes flow through real Artemis queues between simulated NEO modules over HTTP: the demo class
 * 0690100J 6A (Paris and ENT77 modules), and classes the tests plan through the admin API with a third module
 * (Essonne). Both ways, every field kept, no echo, deletes; a target down; a poison entry; bad plans.
 */
class ClassLogSyncTest extends SsoTestBaseAccess {

    static final String SCHOOL = "0690100J";
    static final String PARIS = "neo-cahier-de-textes";
    static final String ENT77 = "neo-cahier-de-textes-77";
    static final String ESSONNE = "neo-cahier-de-textes-essonne";

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    @Autowired
    Directory directory;
    @Autowired
    fr.relais.sandbox.SimulatedNeoDiary tools;
    @Autowired
    SyncPlan plan;
    @Autowired
    ClassLogSync sync;
    @Autowired
    jakarta.jms.ConnectionFactory connectionFactory;

    @AfterEach
    void toolsBackUp() throws Exception {
        for (String instance : List.of("paris", "ent77", "essonne")) {
            send("PUT", "/sandbox/neo/" + instance + "/diary/_control", "{}");
        }
    }

    private JsonNode sessions(String instance) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/neo/" + instance
                + "/diary/sessions")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .header("Authorization", "Basic " + basic)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode await(String instance, Predicate<JsonNode> found) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode s : sessions(instance)) {
                if (found.test(s)) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("nothing matching in " + instance + " (" + sessions(instance).size() + " sessions)");
    }

    private long count(String instance, Predicate<JsonNode> matching) throws Exception {
        long n = 0;
        for (JsonNode s : sessions(instance)) {
            n += matching.test(s) ? 1 : 0;
        }
        return n;
    }

    static String session(String audience, String title, String description) {
        return "{\"structure_id\":\"" + SCHOOL + "\",\"audience_id\":\"" + audience + "\",\"subject_id\":\"061300\","
                + "\"teacher_id\":\"4000002\",\"date\":\"2026-11-23\",\"start_time\":\"08:00\",\"end_time\":\"09:00\","
                + "\"title\":\"" + title + "\",\"description\":\"" + description + "\",\"is_published\":true,"
                + "\"attachments\":[{\"name\":\"fiche.pdf\",\"mediaType\":\"application/pdf\",\"size\":48213,"
                + "\"url\":\"https://docs.example.org/fiche.pdf\",\"sha256\":null}],"
                + "\"homeworks\":[{\"id\":\"h1\",\"description\":\"Exercices 12 et 13\",\"given_date\":\"2026-11-23\","
                + "\"due_date\":\"2026-11-30\",\"workload\":30,\"type_id\":\"exercice\",\"attachments\":[]}]}";
    }

    /** A class the directory does not know, planned straight in the database (the admin API would refuse it). */
    private String plannedGhost() throws Exception {
        String ghost = "FANTOME";
        if (jdbc().queryForObject("SELECT COUNT(*) FROM classlog_sync WHERE audience = ?", Integer.class, ghost) == 0) {
            for (String tool : List.of(PARIS, ENT77)) {
                jdbc().update("INSERT INTO classlog_sync (school, audience, tool, direction, updated_at) VALUES (?, ?, ?, "
                        + "'BOTH', CURRENT_TIMESTAMP)", SCHOOL, ghost, tool);
            }
            plan.reloadForTests();
        }
        return ghost;
    }

    /** A class of the demo school other than 6A, planned with the three modules. */
    private String plannedClass(int index) throws Exception {
        String audience = directory.structure(SCHOOL).orElseThrow().classes().stream().sorted()
                .filter(c -> !c.equals("6A")).toList().get(index);
        HttpResponse<String> put = admin("PUT", "/api/classlog/sync/" + SCHOOL + "/" + audience, "{\"tools\":["
                + "{\"tool\":\"" + PARIS + "\",\"direction\":\"both\"},{\"tool\":\"" + ENT77 + "\"},"
                + "{\"tool\":\"" + ESSONNE + "\",\"direction\":\"target\"}]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        return audience;
    }

    @Test
    void anEntryWrittenInOneToolAppearsInTheOtherAndComesBackEditedWithoutEcho() throws Exception {
        String title = "Pythagore " + System.nanoTime();
        HttpResponse<String> created = send("POST", "/sandbox/neo/paris/diary/session",
                session("6A", title, "<p>Cours<script>alert(1)</script></p>"));
        assertThat(created.statusCode()).isEqualTo(201);
        String parisId = json.readTree(created.body()).path("id").asText();

        JsonNode copy = await("ent77", s -> title.equals(s.path("title").asText()));
        assertThat(copy.path("description").asText()).isEqualTo("<p>Cours</p>");
        assertThat(copy.path("homeworks").get(0).path("given_date").asText()).isEqualTo("2026-11-23");
        assertThat(copy.path("homeworks").get(0).path("due_date").asText()).isEqualTo("2026-11-30");
        assertThat(copy.path("is_published").asBoolean()).isTrue();
        assertThat(copy.path("attachments").get(0).path("url").asText()).isEqualTo("https://docs.example.org/fiche.pdf");
        assertThat(copy.path("attachments").get(0).path("size").asLong()).isEqualTo(48213);

        // edited in the second tool: back in the first, every field kept
        String ent77Id = copy.path("id").asText();
        assertThat(send("PUT", "/sandbox/neo/ent77/diary/session/" + ent77Id, session("6A", title, "<p>Cours corrigé</p>")
                .replace("\"is_published\":true", "\"is_published\":false")).statusCode()).isEqualTo(200);
        JsonNode back = await("paris", s -> s.path("id").asText().equals(parisId)
                && s.path("description").asText().equals("<p>Cours corrigé</p>"));
        assertThat(back.path("homeworks").get(0).path("due_date").asText()).isEqualTo("2026-11-30");
        assertThat(back.path("homeworks").get(0).path("given_date").asText()).isEqualTo("2026-11-23");
        assertThat(back.path("start_time").asText()).isEqualTo("08:00");
        assertThat(back.path("is_published").asBoolean()).isFalse();
        assertThat(back.path("attachments").get(0).path("name").asText()).isEqualTo("fiche.pdf");

        // no echo: after several polls each tool still holds exactly one copy, and the canonical entry is stable
        Thread.sleep(1500);
        assertThat(count("paris", s -> title.equals(s.path("title").asText()))).isEqualTo(1);
        assertThat(count("ent77", s -> title.equals(s.path("title").asText()))).isEqualTo(1);
        String entry = jdbc().queryForObject("SELECT entry_id FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?",
                String.class, PARIS, parisId);
        assertThat(jdbc().queryForObject("SELECT MAX(version) FROM classlog_history WHERE entry_id = ?", Long.class, entry))
                .isEqualTo(2);

        // the admin API shows the entry, its two versions and where each came from
        JsonNode history = json.readTree(admin("GET", "/api/classlog/entries/" + entry, null).body());
        assertThat(history.path("history")).hasSize(2);
        assertThat(history.path("history").get(0).path("source_tool").asText()).isEqualTo(PARIS);
        assertThat(history.path("history").get(1).path("source_tool").asText()).isEqualTo(ENT77);
        assertThat(history.path("provenance")).hasSize(2);

        // a delete propagates
        assertThat(send("DELETE", "/sandbox/neo/paris/diary/session/" + parisId, null).statusCode()).isEqualTo(204);
        await("ent77", s -> s.path("id").asText().equals(ent77Id) && s.path("deleted").asBoolean());
    }

    @Test
    void aToolThatShowsRelaisCreatesBeforeAnsweringGetsNoSecondCopy() throws Exception {
        // Ent77 answers each write 3 polls after storing it: its change feed shows Relais' creates before Relais
        // knows their ids. They are Relais' own creates, recognised as such: one copy of each lesson everywhere.
        send("PUT", "/sandbox/neo/ent77/diary/_control", "{\"answerDelayMillis\":1000}");
        String prefix = "Réponse lente " + System.nanoTime() + " ";
        for (int i = 0; i < 5; i++) {
            assertThat(send("POST", "/sandbox/neo/paris/diary/session", session("6A", prefix + i, "<p>" + i + "</p>"))
                    .statusCode()).isEqualTo(201);
        }
        for (int i = 0; i < 5; i++) {
            String title = prefix + i;
            await("ent77", s -> title.equals(s.path("title").asText()));
        }
        Thread.sleep(2500); // the last answers arrive, and the feeds are read again
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(prefix))).isEqualTo(5);
        assertThat(count("paris", s -> s.path("title").asText().startsWith(prefix))).isEqualTo(5);
        assertThat(jdbc().queryForObject("SELECT COUNT(*) FROM classlog_entry WHERE document LIKE ?", Integer.class,
                "%" + prefix + "%")).isEqualTo(5);
        // and each of Ent77's copies is recorded as the copy of its Paris entry
        assertThat(jdbc().queryForObject("SELECT COUNT(*) FROM classlog_provenance p JOIN classlog_entry e ON e.id = "
                + "p.entry_id WHERE p.tool = ? AND e.source_tool = ? AND e.document LIKE ?", Integer.class, ENT77, PARIS,
                "%" + prefix + "%")).isEqualTo(5);
    }

    @Test
    void twoEditsOfAnEntryReachTheOtherToolInTheirOrderWhenTheFirstWaitsForTheDatabase() throws Exception {
        String title = "Ordre " + System.nanoTime();
        HttpResponse<String> created = send("POST", "/sandbox/neo/paris/diary/session", session("6A", title, "<p>v1</p>"));
        String parisId = json.readTree(created.body()).path("id").asText();
        String copyId = await("ent77", s -> title.equals(s.path("title").asText())).path("id").asText();
        String entry = jdbc().queryForObject("SELECT entry_id FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?",
                String.class, PARIS, parisId);
        try (java.sql.Connection other = jdbc().getDataSource().getConnection()) {
            // another writer holds the entry's row: the page with the first edit fails on a lock timeout, again and
            // again, while the second edit's page waits behind it
            other.setAutoCommit(false);
            try (var lock = other.prepareStatement("SELECT id FROM classlog_entry WHERE id = ? FOR UPDATE")) {
                lock.setString(1, entry);
                lock.executeQuery().close();
            }
            assertThat(send("PUT", "/sandbox/neo/paris/diary/session/" + parisId, session("6A", title, "<p>v2</p>"))
                    .statusCode()).isEqualTo(200);
            Thread.sleep(2500);
            assertThat(send("PUT", "/sandbox/neo/paris/diary/session/" + parisId, session("6A", title, "<p>v3</p>"))
                    .statusCode()).isEqualTo(200);
            Thread.sleep(2500);
            other.rollback();
        }
        await("ent77", s -> copyId.equals(s.path("id").asText()) && s.path("description").asText().equals("<p>v3</p>"));
        Thread.sleep(2000); // an edit applied out of order would come after
        assertThat(count("ent77", s -> copyId.equals(s.path("id").asText())
                && s.path("description").asText().equals("<p>v3</p>"))).isEqualTo(1);
        assertThat(jdbc().queryForObject("SELECT document FROM classlog_entry WHERE id = ?", String.class, entry))
                .contains("<p>v3</p>");
        assertThat(jdbc().queryForList("SELECT document FROM classlog_history WHERE entry_id = ? ORDER BY version",
                String.class, entry)).hasSize(3).last().asString().contains("<p>v3</p>");
    }

    /**
     * The change step reads a tool entry's record a second time to see a delivery that recorded it meanwhile. H2
     * reuses a query's earlier result when its tables are marked unchanged since, and a commit marks them before
     * it is done: a query run again while another session commits could keep answering the state from before.
     * Relais' embedded database turns that reuse off; here, the same query run again right after it saw nothing
     * sees what the other session's commit brought as soon as a different query does.
     */
    @Test
    void theEmbeddedDatabaseAnswersAQueryRunAgainFromTheDataCommittedMeanwhile() throws Exception {
        javax.sql.DataSource ds = jdbc().getDataSource();
        String tool = "essai-relecture-" + System.nanoTime();
        try {
            for (int round = 0; round < 15; round++) {
                String key = "N" + round;
                try (java.sql.Connection writer = ds.getConnection(); java.sql.Connection reader = ds.getConnection()) {
                    writer.setAutoCommit(false);
                    reader.setAutoCommit(false);
                    try (var rows = writer.prepareStatement("INSERT INTO classlog_provenance (tool, tool_entry_id, entry_id, "
                            + "tool_version, synced_version, last_seen) VALUES (?, ?, 'e', ?, 1, CURRENT_TIMESTAMP)")) {
                        for (int i = 0; i < 20_000; i++) { // a commit long enough to read during it
                            rows.setString(1, tool);
                            rows.setString(2, i == 19_999 ? key : round + "-" + i);
                            rows.setString(3, "v".repeat(120));
                            rows.addBatch();
                        }
                        rows.executeBatch();
                    }
                    Thread commit = new Thread(() -> {
                        try {
                            writer.commit();
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    commit.start();
                    boolean seenElsewhere = false;
                    for (int i = 0; i < 1_000_000; i++) {
                        // the look-up of ClassLogStore.recorded, and the same one written otherwise
                        boolean same = present(reader, "SELECT entry_id, tool_version, synced_version FROM classlog_provenance "
                                + "WHERE tool = ? AND tool_entry_id = ?", tool, key);
                        assertThat(same || !seenElsewhere).as("round %d: the query run again still answers from before the "
                                + "commit, which a different query has already seen", round).isTrue();
                        if (same) {
                            break;
                        }
                        seenElsewhere = present(reader, "SELECT entry_id FROM classlog_provenance WHERE tool_entry_id = ? "
                                + "AND tool = ?", key, tool);
                    }
                    commit.join();
                    reader.commit();
                }
            }
        } finally {
            jdbc().update("DELETE FROM classlog_provenance WHERE tool = ?", tool);
        }
    }

    private static boolean present(java.sql.Connection c, String sql, String first, String second) throws java.sql.SQLException {
        try (var query = c.prepareStatement(sql)) {
            query.setString(1, first);
            query.setString(2, second);
            try (var rs = query.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Test
    void aMalformedSessionIsRefusedWithItsReasonAndNotSpread() throws Exception {
        String title = "Mauvaise " + System.nanoTime();
        send("POST", "/sandbox/neo/paris/diary/session", session("6A", title, "x").replace("\"2026-11-30\"", "\"2026-11-01\""));
        String badDate = "Date invalide " + System.nanoTime();
        send("POST", "/sandbox/neo/paris/diary/session", session("6A", badDate, "x")
                .replace("\"date\":\"2026-11-23\"", "\"date\":\"2026-13-45\""));
        String unknownClass = "Classe inconnue " + System.nanoTime();
        String oversized = "Trop long " + System.nanoTime();
        send("POST", "/sandbox/neo/paris/diary/session", session("6A", oversized, "<p>" + "x".repeat(70_000) + "</p>"));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        List<Map<String, Object>> refused = List.of();
        while (Instant.now().isBefore(deadline) && refused.size() < 3) {
            refused = jdbc().queryForList("SELECT reason FROM classlog_rejection WHERE reason LIKE ? OR reason LIKE ? "
                    + "OR reason LIKE ?", "%à rendre le 2026-11-01, avant d'être donné le 2026-11-23%",
                    "%date de la séance absente ou invalide%", "%contenu de 70007 caractères, au plus 65536%");
            Thread.sleep(100);
        }
        assertThat(refused).hasSize(3);
        JsonNode listed = json.readTree(admin("GET", "/api/classlog/rejections?tool=" + PARIS, null).body());
        assertThat(listed.toString()).contains("avant d'être donné le 2026-11-23").contains("date de la séance absente ou invalide")
                .contains("contenu de 70007 caractères");
        assertThat(count("ent77", s -> List.of(title, badDate, oversized).contains(s.path("title").asText()))).isZero();
        // the class is planned, but the directory does not know it in this school: not refused, it waits for the
        // directory with that reason (see ClassLogParkedTest)
        String ghost = plannedGhost();
        String ghostId = json.readTree(send("POST", "/sandbox/neo/paris/diary/session", session(ghost, unknownClass, "x"))
                .body()).path("id").asText();
        deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline) && jdbc().queryForObject("SELECT COUNT(*) FROM classlog_parked WHERE "
                + "tool_entry_id = ?", Integer.class, ghostId) == 0) {
            Thread.sleep(100);
        }
        assertThat(jdbc().queryForObject("SELECT reason FROM classlog_parked WHERE tool = ? AND tool_entry_id = ?",
                String.class, PARIS, ghostId)).isEqualTo("classe ou groupe '" + ghost + "' inconnu de l'annuaire pour "
                + "l'établissement " + SCHOOL);
        assertThat(rejection(PARIS, ghostId)).isNull();
    }

    @Test
    void aSimulatedModuleControlSetToNullIsOffAndAnEmptyBodyResetsThemAll() throws Exception {
        String tag = "Refus" + System.nanoTime();
        // a class no tool is read for: nothing of this test is synced anywhere
        String refused = session("9Z", tag + " 1", "<p>x</p>");
        assertThat(send("PUT", "/sandbox/neo/essonne/diary/_control", "{\"refuseTitle\":\"" + tag + "\"}").statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/sandbox/neo/essonne/diary/session", refused).statusCode()).isEqualTo(400);
        HttpResponse<String> off = send("PUT", "/sandbox/neo/essonne/diary/_control", "{\"refuseTitle\":null}");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(off.body()).isEqualTo("{}");
        assertThat(send("POST", "/sandbox/neo/essonne/diary/session", refused).statusCode()).isEqualTo(201);
        send("PUT", "/sandbox/neo/essonne/diary/_control", "{\"down\":true}");
        assertThat(send("POST", "/sandbox/neo/essonne/diary/session", session("9Z", tag + " 2", "<p>x</p>")).statusCode())
                .isEqualTo(503);
        assertThat(send("PUT", "/sandbox/neo/essonne/diary/_control", "{}").statusCode()).isEqualTo(200);
        assertThat(send("POST", "/sandbox/neo/essonne/diary/session", session("9Z", tag + " 2", "<p>x</p>")).statusCode())
                .isEqualTo(201);
    }

    @Test
    void aTargetDownReceivesEverythingOnceBackWhileTheOtherToolsKeepSyncing() throws Exception {
        String audience = plannedClass(0);
        String prefix = "Panne " + System.nanoTime() + " ";
        assertThat(send("PUT", "/sandbox/neo/essonne/diary/_control", "{\"down\":true}").statusCode()).isEqualTo(200);
        for (int i = 0; i < 1000; i++) {
            assertThat(send("POST", "/sandbox/neo/paris/diary/session", session(audience, prefix + i, "<p>Séance " + i + "</p>"))
                    .statusCode()).isEqualTo(201);
        }
        // ENT77 keeps syncing while Essonne is down
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline) && count("ent77", s -> s.path("title").asText().startsWith(prefix)) < 1000) {
            Thread.sleep(250);
        }
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(prefix))).isEqualTo(1000);
        assertThat(count("essonne", s -> s.path("title").asText().startsWith(prefix))).isZero();
        JsonNode status = json.readTree(admin("GET", "/api/classlog/status/" + SCHOOL, null).body());
        JsonNode essonne = null;
        for (JsonNode c : status) {
            if (c.path("audience").asText().equals(audience)) {
                for (JsonNode t : c.path("tools")) {
                    essonne = t.path("tool").asText().equals(ESSONNE) ? t : essonne;
                }
            }
        }
        assertThat(essonne).isNotNull();
        assertThat(essonne.path("circuit").asText()).isIn("open", "half_open");
        assertThat(essonne.path("deliveryError").asText()).contains("HTTP 503");
        assertThat(essonne.path("queued").asLong()).isGreaterThan(900);

        // back: every entry delivered once, none dead-lettered, and an edit made meanwhile arrives in its last state
        send("PUT", "/sandbox/neo/essonne/diary/_control", "{}");
        deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline) && count("essonne", s -> s.path("title").asText().startsWith(prefix)) < 1000) {
            Thread.sleep(250);
        }
        Map<String, Integer> copies = new HashMap<>();
        for (JsonNode s : sessions("essonne")) {
            if (s.path("title").asText().startsWith(prefix)) {
                copies.merge(s.path("title").asText(), 1, Integer::sum);
                assertThat(s.path("description").asText()).isEqualTo("<p>Séance " + s.path("title").asText()
                        .substring(prefix.length()) + "</p>");
            }
        }
        assertThat(copies).hasSize(1000);
        assertThat(copies.values()).containsOnly(1);
        assertThat(json.readTree(admin("GET", "/api/classlog/dead-letters?tool=" + ESSONNE, null).body())).isEmpty();
    }

    /** A change of the Paris module as its poll puts it on the changes queue. */
    private static Map<String, Object> change(String toolEntryId, String toolVersion, String modifiedAt, String entry) {
        Map<String, Object> change = new java.util.LinkedHashMap<>();
        change.put("tool", PARIS);
        change.put("toolEntryId", toolEntryId);
        change.put("toolVersion", toolVersion);
        change.put("modifiedAt", modifiedAt);
        change.put("deleted", false);
        change.put("entry", entry);
        return change;
    }

    /** A page of changes onto the changes queue, in the Paris module's message group, as its poll sends it. */
    private void sendPage(List<Map<String, Object>> page) throws Exception {
        String body = json.writeValueAsString(page);
        new org.springframework.jms.core.JmsTemplate(connectionFactory).send(ClassLogSync.CHANGES, session -> {
            var m = session.createTextMessage(body);
            m.setStringProperty("JMSXGroupID", PARIS + ":" + SCHOOL);
            return m;
        });
    }

    /** What the admin API lists as refused for this tool entry, or null. */
    private JsonNode rejection(String tool, String toolEntryId) throws Exception {
        for (JsonNode r : json.readTree(admin("GET", "/api/classlog/rejections?tool=" + tool, null).body())) {
            if (r.path("tool_entry_id").asText().equals(toolEntryId)) {
                return r;
            }
        }
        return null;
    }

    @Test
    void aChangeThatCannotBeReadIsRecordedAsRefusedAndTheRestOfItsPageIsApplied() throws Exception {
        String tag = "Page" + System.nanoTime();
        ClassLogEntry lesson = new ClassLogEntry(SCHOOL, "6A", "061300", "4000002", java.time.LocalDate.of(2026, 11, 24),
                java.time.LocalTime.of(10, 0), java.time.LocalTime.of(11, 0), tag + " lisible", "<p>Suite</p>", List.of(),
                List.of(), true, null);
        ClassLogEntry longSubject = new ClassLogEntry(SCHOOL, "6A", "M".repeat(100), "4000002",
                java.time.LocalDate.of(2026, 11, 24), java.time.LocalTime.of(14, 0), java.time.LocalTime.of(15, 0),
                tag + " matière trop longue", "<p>x</p>", List.of(), List.of(), true, null);
        sendPage(List.of(change(tag + "-illisible", "1", "2026-11-24T10:00:00Z", "{pas du json"),
                change(tag + "-longue", "1", "2026-11-24T10:00:00Z", sync.store().write(longSubject)),
                change(tag + "-lisible", "1", "2026-11-24T10:00:00Z", sync.store().write(lesson))));
        // the readable change reaches the class's other module; the other is refused with its reason, not lost
        await("ent77", s -> (tag + " lisible").equals(s.path("title").asText()));
        JsonNode refused = rejection(PARIS, tag + "-illisible");
        assertThat(refused).isNotNull();
        assertThat(refused.path("reason").asText()).startsWith("erreur interne de Relais : ");
        JsonNode tooLong = rejection(PARIS, tag + "-longue");
        assertThat(tooLong).isNotNull();
        assertThat(tooLong.path("reason").asText()).isEqualTo("matière de 100 caractères, au plus 64");
        assertThat(jdbc().queryForObject("SELECT COUNT(*) FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?",
                Integer.class, PARIS, tag + "-illisible")).isZero();
    }

    @Test
    void twoVersionsOfOneEntryInOnePageReachTheOtherToolOnceAsTheLatest() throws Exception {
        String tag = "Versions" + System.nanoTime();
        List<Map<String, Object>> page = new ArrayList<>();
        for (int version = 1; version <= 2; version++) {
            ClassLogEntry lesson = new ClassLogEntry(SCHOOL, "6A", "061300", "4000002", java.time.LocalDate.of(2026, 11, 25),
                    java.time.LocalTime.of(9, 0), java.time.LocalTime.of(10, 0), tag + " v" + version, "<p>Version "
                    + version + "</p>", List.of(), List.of(), true, null);
            page.add(change(tag, String.valueOf(version), "2026-11-25T09:0" + version + ":00Z",
                    sync.store().write(lesson)));
        }
        sendPage(page);
        // both versions are in the canonical history; the other module gets one session, with the second version
        JsonNode copy = await("ent77", s -> s.path("title").asText().startsWith(tag));
        assertThat(copy.path("title").asText()).isEqualTo(tag + " v2");
        assertThat(copy.path("description").asText()).isEqualTo("<p>Version 2</p>");
        String id = jdbc().queryForObject("SELECT entry_id FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?",
                String.class, PARIS, tag);
        assertThat(jdbc().queryForObject("SELECT COUNT(*) FROM classlog_history WHERE entry_id = ?", Integer.class, id))
                .isEqualTo(2);
        Thread.sleep(1500); // a second delivery (of the first version, or of the second again) would have landed by now
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(tag))).isEqualTo(1);
        assertThat(sessions("ent77")).noneMatch(s -> s.path("title").asText().equals(tag + " v1"));
        assertThat(jdbc().queryForObject("SELECT synced_version FROM classlog_provenance WHERE tool = ? AND entry_id = ?",
                Long.class, ENT77, id)).isEqualTo(2L);
    }

    @Test
    void onlyAChangesOwnFaultsRefuseItTheDirectoryOrTheDatabaseUnreachableSendTheWholePageBack() {
        assertThat(ClassLogSync.ownFault(new IllegalStateException(new com.fasterxml.jackson.core.JsonParseException(null,
                "illisible")))).isTrue();
        assertThat(ClassLogSync.ownFault(new org.springframework.dao.DataIntegrityViolationException("valeur trop longue")))
                .isTrue();
        assertThat(ClassLogSync.ownFault(new java.time.format.DateTimeParseException("date", "2026-13-45", 5))).isTrue();
        assertThat(ClassLogSync.ownFault(new org.springframework.dao.DuplicateKeyException("deux écrivains"))).isFalse();
        assertThat(ClassLogSync.ownFault(new org.springframework.dao.CannotAcquireLockException("verrou"))).isFalse();
        assertThat(ClassLogSync.ownFault(new org.springframework.ldap.CommunicationException(
                new javax.naming.CommunicationException("annuaire injoignable")))).isFalse();
        assertThat(ClassLogSync.ownFault(new IllegalStateException("descripteur en quarantaine"))).isFalse();
    }

    @Test
    void aPoisonEntryIsDeadLetteredWithItsErrorWithoutBlockingTheOthersAndReplaysOnceFixed() throws Exception {
        String audience = plannedClass(1);
        String tag = "Poison" + System.nanoTime();
        send("PUT", "/sandbox/neo/essonne/diary/_control", "{\"refuseTitle\":\"" + tag + "\"}");
        send("POST", "/sandbox/neo/paris/diary/session", session(audience, tag + " refusée", "<p>x</p>"));
        List<String> behind = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            behind.add("Derrière " + tag.substring(6) + " " + i);
            send("POST", "/sandbox/neo/paris/diary/session", session(audience, behind.get(i), "<p>y</p>"));
        }
        // the entries behind it are delivered while the poison one waits for its next attempt
        for (String title : behind) {
            await("essonne", s -> title.equals(s.path("title").asText()));
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonNode letters = json.readTree(admin("GET", "/api/classlog/dead-letters?tool=" + ESSONNE, null).body());
        while (Instant.now().isBefore(deadline) && letters.isEmpty()) {
            Thread.sleep(200);
            letters = json.readTree(admin("GET", "/api/classlog/dead-letters?tool=" + ESSONNE, null).body());
        }
        assertThat(letters).hasSize(1);
        JsonNode letter = letters.get(0);
        assertThat(letter.path("error").asText()).contains("HTTP 400").contains("titre refusé par le module");
        assertThat(letter.path("attempts").asInt()).isEqualTo(3);
        assertThat(letter.path("audience").asText()).isEqualTo(audience);
        assertThat(count("essonne", s -> s.path("title").asText().startsWith(tag))).isZero();
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(tag))).isEqualTo(1);

        // fixed in the tool, then replayed: delivered, and the dead-letter queue is empty
        send("PUT", "/sandbox/neo/essonne/diary/_control", "{}");
        assertThat(admin("POST", "/api/classlog/dead-letters/" + letter.path("id").asText() + "/replay", null).statusCode())
                .isEqualTo(202);
        await("essonne", s -> (tag + " refusée").equals(s.path("title").asText()));
        assertThat(json.readTree(admin("GET", "/api/classlog/dead-letters?tool=" + ESSONNE, null).body())).isEmpty();
        assertThat(admin("POST", "/api/classlog/dead-letters/" + letter.path("id").asText() + "/replay", null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aToolUnreachableForAWhileResumesWhereItStoppedWithoutReadingAnythingTwice() throws Exception {
        assertThat(send("PUT", "/sandbox/neo/paris/diary/_control", "{\"down\":true}").statusCode()).isEqualTo(200);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        JsonNode paris = null;
        while (Instant.now().isBefore(deadline) && (paris == null || !paris.path("pollError").asText().contains("503"))) {
            Thread.sleep(200);
            for (JsonNode c : json.readTree(admin("GET", "/api/classlog/status/" + SCHOOL, null).body())) {
                for (JsonNode t : c.path("tools")) {
                    if (c.path("audience").asText().equals("6A") && t.path("tool").asText().equals(PARIS)) {
                        paris = t;
                    }
                }
            }
        }
        assertThat(paris.path("pollError").asText()).contains("HTTP 503");
        // teachers keep typing in the module meanwhile
        String prefix = "Hors ligne " + System.nanoTime() + " ";
        for (int i = 0; i < 30; i++) {
            tools.typeIn("paris", json.convertValue(json.readTree(session("6A", prefix + i, "<p>" + i + "</p>")),
                    java.util.Map.class));
        }
        Thread.sleep(1000);
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(prefix))).isZero();
        send("PUT", "/sandbox/neo/paris/diary/_control", "{}");
        deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline) && count("ent77", s -> s.path("title").asText().startsWith(prefix)) < 30) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);
        assertThat(count("ent77", s -> s.path("title").asText().startsWith(prefix))).isEqualTo(30);
        // each read once: one version per entry, its source the Paris module
        assertThat(jdbc().queryForObject("SELECT COUNT(*) FROM classlog_history h JOIN classlog_entry e ON e.id = h.entry_id "
                + "WHERE e.document LIKE ?", Integer.class, "%" + prefix + "%")).isEqualTo(30);
    }

    @Test
    void aToolPlannedAsTargetOnlyIsWrittenButNeverRead() throws Exception {
        String audience = plannedClass(0); // Essonne: target only
        String fromParis = "Vers Essonne " + System.nanoTime();
        String typedInEssonne = "Tapée dans Essonne " + System.nanoTime();
        assertThat(send("POST", "/sandbox/neo/essonne/diary/session", session(audience, typedInEssonne, "<p>e</p>"))
                .statusCode()).isEqualTo(201);
        assertThat(send("POST", "/sandbox/neo/paris/diary/session", session(audience, fromParis, "<p>p</p>")).statusCode())
                .isEqualTo(201);
        await("essonne", s -> fromParis.equals(s.path("title").asText()));
        await("ent77", s -> fromParis.equals(s.path("title").asText()));
        Thread.sleep(1500); // several polls
        assertThat(count("paris", s -> typedInEssonne.equals(s.path("title").asText()))).isZero();
        assertThat(count("ent77", s -> typedInEssonne.equals(s.path("title").asText()))).isZero();

        // Essonne is read for another audience of the school (a group), so it is polled: deleting its copy of the
        // class's entry there deletes nothing elsewhere
        String group = directory.structure(SCHOOL).orElseThrow().groups().stream().sorted().findFirst().orElseThrow();
        assertThat(admin("PUT", "/api/classlog/sync/" + SCHOOL + "/" + group, "{\"tools\":[{\"tool\":\"" + PARIS
                + "\"},{\"tool\":\"" + ESSONNE + "\"}]}").statusCode()).isEqualTo(200);
        try {
            String copy = await("essonne", s -> fromParis.equals(s.path("title").asText())).path("id").asText();
            assertThat(send("DELETE", "/sandbox/neo/essonne/diary/session/" + copy, null).statusCode()).isEqualTo(204);
            Thread.sleep(2000);
            assertThat(count("paris", s -> fromParis.equals(s.path("title").asText()) && !s.path("deleted").asBoolean()))
                    .isEqualTo(1);
            assertThat(count("ent77", s -> fromParis.equals(s.path("title").asText()) && !s.path("deleted").asBoolean()))
                    .isEqualTo(1);
        } finally {
            admin("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + group, null);
        }
    }

    @Test
    void entriesTypedBeforeTheirClassIsPlannedAreSyncedOnceItIs() throws Exception {
        String audience = plannedClass(0);
        String group = directory.structure(SCHOOL).orElseThrow().groups().stream().sorted().skip(1).findFirst().orElseThrow();
        admin("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + group, null);
        String before = "Avant le plan " + System.nanoTime();
        assertThat(send("POST", "/sandbox/neo/paris/diary/session", session(group, before, "<p>b</p>")).statusCode())
                .isEqualTo(201);
        // Paris is polled for the school meanwhile (class 'audience' is planned): its watermark moves past the entry
        String marker = "Repère " + System.nanoTime();
        send("POST", "/sandbox/neo/paris/diary/session", session(audience, marker, "<p>m</p>"));
        await("ent77", s -> marker.equals(s.path("title").asText()));
        assertThat(count("ent77", s -> before.equals(s.path("title").asText()))).isZero();
        try {
            assertThat(admin("PUT", "/api/classlog/sync/" + SCHOOL + "/" + group, "{\"tools\":[{\"tool\":\"" + PARIS
                    + "\"},{\"tool\":\"" + ENT77 + "\"}]}").statusCode()).isEqualTo(200);
            await("ent77", s -> before.equals(s.path("title").asText()));
            Thread.sleep(1000);
            assertThat(count("ent77", s -> marker.equals(s.path("title").asText()))).isEqualTo(1);
            assertThat(count("ent77", s -> before.equals(s.path("title").asText()))).isEqualTo(1);
        } finally {
            admin("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + group, null);
        }
    }

    @Test
    void aToolIsReadAgainFromItsStartOnlyAfterThePollUnderWayHasMovedItsWatermark() throws Exception {
        String group = directory.structure(SCHOOL).orElseThrow().groups().stream().sorted().skip(2).findFirst().orElseThrow();
        admin("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + group, null);
        String sql = "SELECT COUNT(*) FROM classlog_watermark WHERE tool = ? AND school = ? "
                + "AND watermark = '9999999999999999'";
        var poll = plan.pollLock(PARIS, SCHOOL);
        java.util.concurrent.CompletableFuture<Integer> put;
        poll.lock(); // a poll of Paris for the school is under way (6A is planned)...
        try {
            put = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return admin("PUT", "/api/classlog/sync/" + SCHOOL + "/" + group, "{\"tools\":[{\"tool\":\""
                            + PARIS + "\"},{\"tool\":\"" + ENT77 + "\"}]}").statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1500);
            // ...and moves its watermark past what it read; the plan's re-read of Paris waits for it
            assertThat(jdbc().update("UPDATE classlog_watermark SET watermark = '9999999999999999' WHERE tool = ? "
                    + "AND school = ?", PARIS, SCHOOL)).isEqualTo(1);
            assertThat(put).isNotDone();
            assertThat(plan.reads(SCHOOL, group, PARIS)).isTrue(); // the plan itself is saved already
        } finally {
            poll.unlock();
        }
        try {
            assertThat(put.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
            // the reset came after the poll's watermark, so Paris is read again from its start
            assertThat(jdbc().queryForObject(sql, Integer.class, PARIS, SCHOOL)).isZero();
        } finally {
            admin("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + group, null);
            // whatever happened, Paris is not left reading from a watermark no lesson will ever pass
            jdbc().update("DELETE FROM classlog_watermark WHERE tool = ? AND school = ? AND watermark = "
                    + "'9999999999999999'", PARIS, SCHOOL);
        }
    }

    @Test
    void aPlanIsCheckedBeforeItIsKept() throws Exception {
        HttpResponse<String> bad = admin("PUT", "/api/classlog/sync/" + SCHOOL + "/ZZZ", "{\"tools\":[{\"tool\":\"" + PARIS
                + "\"},{\"tool\":\"pronote-inconnu\"},{\"tool\":\"moodle-academique\",\"direction\":\"sideways\"}]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("sens 'sideways' inconnu");
        bad = admin("PUT", "/api/classlog/sync/" + SCHOOL + "/ZZZ", "{\"tools\":[{\"tool\":\"" + PARIS
                + "\",\"direction\":\"source\"},{\"tool\":\"pronote-inconnu\",\"direction\":\"source\"}]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("classe ou groupe 'ZZZ' inconnu de l'annuaire")
                .contains("outil 'pronote-inconnu' inconnu").contains("aucun outil n'est écrit");
        assertThat(admin("PUT", "/api/classlog/sync/" + SCHOOL + "/6A", "{\"tools\":[{\"tool\":\"" + PARIS + "\"}]}").body())
                .contains("au moins deux outils par classe");
        assertThat(admin("GET", "/api/classlog/sync/" + SCHOOL, null).body()).contains(ENT77);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base() + "/api/classlog/sync")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }
}
