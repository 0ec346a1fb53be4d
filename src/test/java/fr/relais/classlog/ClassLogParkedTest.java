package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import fr.relais.directory.aaf.AafFiles;
import fr.relais.directory.aaf.Uai;

/**
 * Lessons typed in a tool before the AAF feed brings their school or class wait for the directory (parked), and
 * reach the class's other tools once an import brings it, with no action of anyone; the poll status of a tool
 * that was down and came back. Through the simulated NEO modules over HTTP, the admin API and a real AAF import.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClassLogParkedTest extends ClassLogHttpTestBase {

    @Autowired
    SyncPlan plan;
    @Autowired
    ParkedEntries parked;

    @AfterEach
    void toolsBackUp() throws Exception {
        send("PUT", "/sandbox/neo/paris/diary/_control", "{}");
    }

    private long count(String instance, String title) throws Exception {
        long n = 0;
        for (JsonNode s : json.readTree(send("GET", "/sandbox/neo/" + instance + "/diary/sessions", null).body())) {
            n += title.equals(s.path("title").asText()) ? 1 : 0;
        }
        return n;
    }

    private static <T> T await(Callable<T> read, Predicate<T> done, int seconds) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(seconds));
        T value = read.call();
        while (!done.test(value) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            value = read.call();
        }
        return value;
    }

    private static JsonNode find(JsonNode list, String field, String value) {
        for (JsonNode n : list) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        return null;
    }

    static String session(String school, String title, String end) {
        return ClassLogSyncTest.session("6A", title, "<p>Séance</p>").replace(ClassLogSyncTest.SCHOOL, school)
                .replace("\"end_time\":\"09:00\"", "\"end_time\":\"" + end + "\"");
    }

    /** The class of a school the directory does not know, planned straight in the database (as at the rentrée). */
    private void planned(String school, String audience) {
        for (String tool : List.of(PARIS, ENT77)) {
            jdbc().update("INSERT INTO classlog_sync (school, audience, tool, direction, updated_at) VALUES (?, ?, ?, "
                    + "'BOTH', CURRENT_TIMESTAMP)", school, audience, tool);
        }
        plan.reloadForTests();
    }

    @Test
    void aLessonTypedBeforeTheImportBringsItsSchoolWaitsThenReachesTheOtherToolWithNoActionOfAnyone(
            CapturedOutput output, @TempDir Path dir) throws Exception {
        String school = Uai.of(699_771);
        String title = "Rentrée " + System.nanoTime();
        String backwards = "À l'envers " + System.nanoTime();
        planned(school, "6A");
        try {
            HttpResponse<String> typed = send("POST", "/sandbox/neo/paris/diary/session", session(school, title, "09:00"));
            assertThat(typed.statusCode()).isEqualTo(201);
            String id = json.readTree(typed.body()).path("id").asText();
            HttpResponse<String> bad = send("POST", "/sandbox/neo/paris/diary/session", session(school, backwards, "07:00"));
            String badId = json.readTree(bad.body()).path("id").asText();

            // parked with its French reason, not refused; the entry with a fault of its own is refused, not parked
            JsonNode waiting = await(() -> find(admin("/api/classlog/parked?school=" + school), "toolEntryId", id),
                    p -> p != null, 20);
            assertThat(waiting).as("parked").isNotNull();
            assertThat(waiting.path("tool").asText()).isEqualTo(PARIS);
            assertThat(waiting.path("audience").asText()).isEqualTo("6A");
            assertThat(waiting.path("title").asText()).isEqualTo(title);
            assertThat(waiting.path("date").asText()).isEqualTo("2026-11-23");
            assertThat(waiting.path("reason").asText())
                    .isEqualTo("classe ou groupe '6A' inconnu de l'annuaire pour l'établissement " + school);
            assertThat(waiting.path("overdue").asBoolean()).isFalse();
            JsonNode refused = await(() -> find(admin("/api/classlog/rejections?tool=" + PARIS), "tool_entry_id", badId),
                    r -> r != null, 20);
            assertThat(refused).as("refused").isNotNull();
            assertThat(refused.path("reason").asText()).contains("la séance finit (07:00) avant de commencer (08:00)");
            assertThat(find(admin("/api/classlog/rejections?tool=" + PARIS), "tool_entry_id", id)).isNull();
            assertThat(find(admin("/api/classlog/parked"), "toolEntryId", badId)).isNull();
            assertThat(output.getAll().lines().filter(l -> l.contains(" INFO ")
                    && l.contains("changement " + id + " de " + PARIS + " en attente de l'annuaire"))).hasSize(1);

            // waiting for longer than parked-alert (24 h): overdue in the API and the status, one warning in the log
            jdbc().update("UPDATE classlog_parked SET first_parked_at = ? WHERE tool = ? AND tool_entry_id = ?",
                    java.sql.Timestamp.from(Instant.now().minus(Duration.ofHours(50))), PARIS, id);
            waiting = find(admin("/api/classlog/parked?school=" + school + "&tool=" + PARIS), "toolEntryId", id);
            assertThat(waiting.path("overdue").asBoolean()).isTrue();
            assertThat(waiting.path("age").asText()).isEqualTo("2 j 2 h");
            assertThat(waiting.path("ageSeconds").asLong()).isGreaterThanOrEqualTo(50 * 3600);
            JsonNode status = admin("/api/classlog/status/" + school).get(0);
            assertThat(status.path("parked").asLong()).isEqualTo(1);
            assertThat(status.path("parkedOverdue").asLong()).isEqualTo(1);
            parked.tick();
            parked.tick();
            assertThat(output.getAll().lines().filter(l -> l.contains(" WARN ")
                    && l.contains("changement " + id + " de " + PARIS + " attend l'annuaire depuis le") && l.contains("vérifiez que l'import AAF amène "
                    + "l'établissement " + school))).hasSize(1);
            Thread.sleep(1000);
            assertThat(count("ent77", title)).isZero();

            // the AAF feed brings the school and its class: the lesson reaches the other module, nothing waits
            importer.importFile(AafFiles.write(dir, "rentree.xml", AafFiles.HEAD + AafFiles.school("7977", school,
                    "19699771000000", "COLLÈGE DE LA RENTRÉE", "6A") + AafFiles.TAIL), "rentree.xml", "api");
            assertThat(await(() -> count("ent77", title), n -> n > 0, 20)).isEqualTo(1);
            assertThat(admin("/api/classlog/parked?school=" + school)).isEmpty();
            assertThat(admin("/api/classlog/status/" + school).get(0).path("parked").asLong()).isZero();
            Thread.sleep(1500); // several polls of both modules: no second copy, no echo
            assertThat(count("ent77", title)).isEqualTo(1);
            assertThat(count("paris", title)).isEqualTo(1);
            assertThat(count("ent77", backwards)).isZero();
        } finally {
            jdbc().update("DELETE FROM classlog_sync WHERE school = ?", school);
            plan.reloadForTests();
        }
    }

    @Test
    void aPollErrorIsShownInFrenchWhileTheToolIsDownAndClearedOnceItAnswersAgain(CapturedOutput output)
            throws Exception {
        Callable<JsonNode> paris = () -> find(find(admin("/api/classlog/status/" + ClassLogSyncTest.SCHOOL),
                "audience", "6A").path("tools"), "tool", PARIS);
        assertThat(send("PUT", "/sandbox/neo/paris/diary/_control", "{\"down\":true}").statusCode()).isEqualTo(200);
        JsonNode down = await(paris, t -> t.path("pollError").isTextual(), 15); // (the tool listed, with an error)
        assertThat(down.path("pollError").asText()).isEqualTo(PARIS + " indisponible : HTTP 503");
        assertThat(down.path("pollErrorAt").isNull()).isFalse();

        send("PUT", "/sandbox/neo/paris/diary/_control", "{}");
        JsonNode back = await(paris, t -> t.path("pollError").isNull(), 15);
        assertThat(back.path("pollError").isNull()).as(back.toString()).isTrue();
        assertThat(back.path("pollErrorAt").isNull()).isTrue();
        assertThat(Instant.parse(back.path("lastPoll").asText())).isAfter(Instant.parse(down.path("pollErrorAt").asText()));

        List<String> lines = output.getAll().lines().filter(l -> l.contains("relève de " + PARIS)).toList();
        assertThat(lines).anyMatch(l -> l.contains("relève de " + PARIS + " pour " + ClassLogSyncTest.SCHOOL
                + " impossible (" + PARIS + " indisponible : HTTP 503), reprise au prochain passage"));
        assertThat(lines).allSatisfy(l -> assertThat(l).contains(" WARN ").doesNotContain("Exception"));
        assertThat(output.getAll().lines().filter(l -> l.startsWith("\tat ") && l.contains("ClassLogSync"))).isEmpty();
    }

    @Test
    void aPollFailureIsToldInFrenchWithoutJavaClassNames() {
        assertThat(ClassLogSync.french(new org.springframework.dao.DataAccessResourceFailureException("échec JDBC",
                new java.sql.SQLTransientConnectionException("Connection to db.example:5432 refused"))))
                .isEqualTo("base de données indisponible : Connection to db.example:5432 refused");
        assertThat(ClassLogSync.french(ToolException.unavailable(PARIS + " indisponible : HTTP 503", null)))
                .isEqualTo(PARIS + " indisponible : HTTP 503");
        assertThat(ClassLogSync.french(new IllegalStateException("outil de cahier de textes inconnu ou en quarantaine : x")))
                .isEqualTo("outil de cahier de textes inconnu ou en quarantaine : x");
        assertThat(fr.relais.classlog.tools.ToolHttp.unreachable(new java.net.ConnectException()))
                .isEqualTo("connexion refusée");
        assertThat(fr.relais.classlog.tools.ToolHttp.unreachable(new java.net.http.HttpTimeoutException("request timed out")))
                .isEqualTo("délai de réponse dépassé");
        // a bug keeps its stack trace in the log; the status says where to look
        assertThat(ClassLogSync.french(new NullPointerException())).isEqualTo("erreur interne de Relais "
                + "(NullPointerException), voir le journal");
    }

    @Test
    void anOperatorWhoReinstalledOrRestoredAToolHasItReadAgainFromItsStart() throws Exception {
        HttpResponse<String> unknown = asAdmin("POST", "/api/classlog/tools/" + PARIS + "/reread?school=0999999Z");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("n'est pas lu pour l'établissement 0999999Z");

        String school = ClassLogSyncTest.SCHOOL;
        assertThat(await(() -> jdbc().queryForObject("SELECT COUNT(*) FROM classlog_watermark WHERE tool = ? AND "
                + "school = ?", Integer.class, PARIS, school), n -> n > 0, 30)).as("relevé au moins une fois").isPositive();
        HttpResponse<String> asked = asAdmin("POST", "/api/classlog/tools/" + PARIS + "/reread?school=" + school);
        assertThat(asked.statusCode()).isEqualTo(202);
        assertThat(json.readTree(asked.body()).path("requested").asBoolean()).isTrue();
        // the next poll reads the tool again from its start: the status says when and why
        JsonNode tool = await(() -> find(find(admin("/api/classlog/status/" + school), "audience", "6A").path("tools"),
                        "tool", PARIS),
                t -> t != null && t.path("lastResetReason").asText().contains("demandée par un administrateur"), 30);
        assertThat(tool.path("lastResetReason").asText())
                .isEqualTo("relecture demandée par un administrateur (outil réinstallé ou restauré)");
        assertThat(tool.path("lastReset").isNull()).isFalse();
    }
}
