package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;


/**
 * The demo restarted on Relais' kept data: the simulated NEO modules forget their sessions and start their ids and
 * change sequence over, below Relais' watermarks. Relais sees their feeds went backwards, reads them again, writes
 * back what they lost, and syncs the lessons written since, each once, over HTTP as in the demo.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClassLogFeedResetTest extends ClassLogHttpTestBase {

    @Autowired
    ClassLogSync sync;

    /** Each lesson title of class 6A of the school in a module, with how many times it is there. */
    private Map<String, Integer> lessons(String instance) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode s : json.readTree(send("GET", "/sandbox/neo/" + instance + "/diary/sessions", null).body())) {
            if (!s.path("deleted").asBoolean(false) && ClassLogSyncTest.SCHOOL.equals(s.path("structure_id").asText())
                    && "6A".equals(s.path("audience_id").asText())) {
                out.merge(s.path("title").asText(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** Every live lesson of class 6A in the canonical log, by title. */
    private Map<String, Integer> canonical() {
        Map<String, Integer> out = new HashMap<>();
        jdbc().query("SELECT document FROM classlog_entry WHERE school = ? AND audience = '6A' AND NOT deleted",
                rs -> {
                    out.merge(sync.store().read(rs.getString(1)).title(), 1, Integer::sum);
                }, ClassLogSyncTest.SCHOOL);
        return out;
    }

    private boolean converged() throws Exception {
        Map<String, Integer> all = canonical();
        return all.values().stream().allMatch(n -> n == 1) && lessons("paris").equals(all) && lessons("ent77").equals(all);
    }

    private void awaitConverged(int seconds) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(seconds));
        while (!converged() && Instant.now().isBefore(deadline)) {
            Thread.sleep(300);
        }
    }

    @Test
    void modulesRestartedEmptyAreReadAgainGetBackTheirLessonsAndSyncTheNewOnesOnce(CapturedOutput output)
            throws Exception {
        Duration check = sync.resetCheck;
        sync.resetCheck = Duration.ofSeconds(1); // an idle module's feed is checked every second here (PT10M by default)
        try {
            String before = "Avant le redémarrage " + System.nanoTime();
            assertThat(send("POST", "/sandbox/neo/paris/diary/session", ClassLogSyncTest.session("6A", before,
                    "<p>Cours</p>")).statusCode()).isEqualTo(201);
            awaitConverged(60);
            assertThat(lessons("ent77")).containsEntry(before, 1);

            // the demo starts again: the modules are empty, their ids and sequence start over (1001, 1...)
            assertThat(send("PUT", "/sandbox/neo/paris/diary/_control", "{\"restart\":true}").statusCode())
                    .isEqualTo(200);
            assertThat(lessons("paris")).isEmpty();
            String after = "Après le redémarrage " + System.nanoTime();
            assertThat(send("POST", "/sandbox/neo/ent77/diary/session", ClassLogSyncTest.session("6A", after,
                    "<p>Nouveau</p>")).statusCode()).isEqualTo(201);

            awaitConverged(120);
            Map<String, Integer> all = canonical();
            assertThat(all).containsEntry(before, 1).containsEntry(after, 1);
            assertThat(all.values()).allMatch(n -> n == 1);
            assertThat(lessons("paris")).as("le module parisien récupère tout, une fois").isEqualTo(all);
            assertThat(lessons("ent77")).as("le module de l'ENT77 récupère tout, une fois").isEqualTo(all);

            // the re-reads end (a module restarted with the whole school's lessons of the other tests is written
            // 1,000 lessons back, and a feed check made meanwhile may start one more re-read)
            JsonNode tools = null;
            Instant until = Instant.now().plus(Duration.ofSeconds(60));
            do {
                if (tools != null) {
                    Thread.sleep(500);
                }
                for (JsonNode c : admin("/api/classlog/status/" + ClassLogSyncTest.SCHOOL)) {
                    if ("6A".equals(c.path("audience").asText())) {
                        tools = c.path("tools");
                    }
                }
                assertThat(tools).isNotNull();
            } while (java.util.stream.StreamSupport.stream(tools.spliterator(), false)
                    .anyMatch(t -> t.path("rereading").asBoolean()) && Instant.now().isBefore(until));
            for (JsonNode t : tools) {
                assertThat(t.path("lastResetReason").asText()).as(t.path("tool").asText()).isNotBlank()
                        .doesNotContain("Exception");
                assertThat(t.path("rereading").asBoolean()).isFalse();
            }
            assertThat(output.getOut()).contains("est reparti en arrière");
        } finally {
            sync.resetCheck = check;
        }
    }
}
