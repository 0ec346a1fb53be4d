package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.sso.SsoTestBaseAccess;

/**
 * The cahier de textes flow through real Artemis queues between two simulated NEO modules keeping the log of
 * the same class (demo sync settings: 0690100J 6A): both ways, no echo, deletes propagate.
 */
class ClassLogSyncTest extends SsoTestBaseAccess {

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    @Autowired
    ClassLogSync sync;

    private JsonNode sessions(String instance) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/neo/" + instance
                + "/diary/sessions/changes?since=0")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
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
        throw new AssertionError("nothing matching in " + instance + ": " + sessions(instance));
    }

    static String session(String title, String description) {
        return "{\"structure_id\":\"0690100J\",\"audience_id\":\"6A\",\"subject_id\":\"061300\",\"teacher_id\":\"4000002\","
                + "\"date\":\"2026-11-23\",\"start_time\":\"08:00\",\"end_time\":\"09:00\",\"title\":\"" + title + "\","
                + "\"description\":\"" + description + "\",\"is_published\":true,\"homeworks\":[{\"id\":\"h1\","
                + "\"description\":\"Exercices 12 et 13\",\"given_date\":\"2026-11-23\",\"due_date\":\"2026-11-30\","
                + "\"workload\":30,\"type_id\":\"exercice\"}]}";
    }

    @Test
    void anEntryWrittenInOneToolAppearsInTheOtherAndComesBackEditedWithoutEcho() throws Exception {
        String title = "Pythagore " + System.nanoTime();
        HttpResponse<String> created = send("POST", "/sandbox/neo/paris/diary/session",
                session(title, "<p>Cours<script>alert(1)</script></p>"));
        assertThat(created.statusCode()).isEqualTo(201);
        String parisId = json.readTree(created.body()).path("id").asText();

        JsonNode copy = await("ent77", s -> title.equals(s.path("title").asText()));
        assertThat(copy.path("description").asText()).isEqualTo("<p>Cours</p>");
        assertThat(copy.path("homeworks").get(0).path("given_date").asText()).isEqualTo("2026-11-23");
        assertThat(copy.path("homeworks").get(0).path("due_date").asText()).isEqualTo("2026-11-30");
        assertThat(copy.path("is_published").asBoolean()).isTrue();

        // edited in the second tool: back in the first, every field kept
        String ent77Id = copy.path("id").asText();
        assertThat(send("PUT", "/sandbox/neo/ent77/diary/session/" + ent77Id, session(title, "<p>Cours corrigé</p>"))
                .statusCode()).isEqualTo(200);
        JsonNode back = await("paris", s -> s.path("id").asText().equals(parisId)
                && s.path("description").asText().equals("<p>Cours corrigé</p>"));
        assertThat(back.path("homeworks").get(0).path("due_date").asText()).isEqualTo("2026-11-30");
        assertThat(back.path("start_time").asText()).isEqualTo("08:00");

        // no echo: after several polls each tool still holds exactly one copy, and the canonical entry is stable
        Thread.sleep(1500);
        assertThat(sessions("paris")).filteredOn(s -> title.equals(s.path("title").asText())).hasSize(1);
        assertThat(sessions("ent77")).filteredOn(s -> title.equals(s.path("title").asText())).hasSize(1);
        Long versions = jdbc().queryForObject("SELECT MAX(h.version) FROM classlog_history h JOIN classlog_provenance p "
                + "ON p.entry_id = h.entry_id WHERE p.tool = 'neo-cahier-de-textes' AND p.tool_entry_id = ?", Long.class, parisId);
        assertThat(versions).isEqualTo(2);

        // a delete propagates
        assertThat(send("DELETE", "/sandbox/neo/paris/diary/session/" + parisId, null).statusCode()).isEqualTo(204);
        await("ent77", s -> s.path("id").asText().equals(ent77Id) && s.path("deleted").asBoolean());
    }

    @Test
    void aMalformedSessionIsRefusedWithItsReasonAndNotSpread() throws Exception {
        String title = "Mauvaise " + System.nanoTime();
        send("POST", "/sandbox/neo/paris/diary/session", session(title, "x").replace("\"2026-11-30\"", "\"2026-11-01\""));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        Integer refused = 0;
        while (Instant.now().isBefore(deadline) && refused == 0) {
            refused = jdbc().queryForObject("SELECT COUNT(*) FROM classlog_rejection WHERE reason LIKE ?", Integer.class,
                    "%à rendre le 2026-11-01, avant d'être donné le 2026-11-23%");
            Thread.sleep(100);
        }
        assertThat(refused).isPositive();
        assertThat(sessions("ent77")).noneMatch(s -> title.equals(s.path("title").asText()));
    }
}
