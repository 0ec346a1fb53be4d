package fr.relais.classlog.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.classlog.ToolClient;
import fr.relais.connector.Connector;
import fr.relais.sandbox.SimulatedSkolengo;

/** The Skolengo client against the simulated Skolengo JSON:API (OIDC bearer tokens) of the demo. */
class SkolengoClientTest extends ClassLogToolContract {

    static final String API = "/sandbox/skolengo/api/v1/bff-sko-app";

    @Autowired
    SkolengoClient client;
    @Autowired
    SimulatedSkolengo simulator;

    @Override
    ToolClient client() {
        return client;
    }

    @Override
    String toolId() {
        return "skolengo-cahier-de-textes";
    }

    @Override
    String controlUrl() {
        return base() + API + "/_control";
    }

    @Override
    List<String> toolHomeworkIds(String toolEntryId) throws Exception {
        JsonNode lesson = first(getJson(base() + API + "/_all").path("lessons"),
                l -> toolEntryId.equals(l.path("id").asText())).orElseThrow();
        List<String> ids = new ArrayList<>();
        lesson.path("homework").forEach(h -> ids.add(h.asText()));
        return ids;
    }

    @Override
    int sessionsOpened() {
        return simulator.tokensIssued();
    }

    @Override
    Connector withWrongCredentials(Connector c) {
        ObjectNode descriptor = c.descriptor().deepCopy();
        ((ObjectNode) descriptor.path("classlog")).put("clientSecret", "pas-le-bon-secret");
        return new Connector(c.id(), c.name(), c.kind(), c.family(), c.protocol(), c.platform(), c.territory(),
                c.capabilities(), c.status(), c.errors(), c.source(), descriptor);
    }

    @Override
    String credentialField() {
        return "classlog.clientSecret";
    }

    @Override
    String refusalReason(String word) {
        return "mot refusé : " + word;
    }

    String token() throws Exception {
        JsonNode classlog = tool().descriptor().path("classlog");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(classlog.path("tokenUrl").asText()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id="
                        + classlog.path("clientId").asText() + "&client_secret=" + classlog.path("clientSecret").asText()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).path("access_token").asText();
    }

    HttpResponse<String> post(String path, String bearer, String document) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + API + path))
                .header("Content-Type", "application/vnd.api+json").header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(document)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    String storeLessonWithInvalidDates(String title) throws Exception {
        String bearer = token();
        HttpResponse<String> lesson = post("/agendas", bearer, """
                {"data": {"type": "lesson", "attributes": {"title": "%s", "date": "2026-02-30",
                  "startDateTime": "2026-02-30T08:00:00+01:00", "endDateTime": null, "content": "<p>x</p>",
                  "published": true},
                  "relationships": {"school": {"data": {"type": "school", "id": "%s"}},
                    "audience": {"data": {"type": "audience", "id": "6A"}}}}}""".formatted(title, SCHOOL));
        assertThat(lesson.statusCode()).isEqualTo(201);
        String id = JSON.readTree(lesson.body()).path("data").path("id").asText();
        HttpResponse<String> homework = post("/homework-assignments", bearer, """
                {"data": {"type": "homework", "attributes": {"title": "%s", "html": "Exercice 1",
                  "givenOn": "2026-11-23", "dueDateTime": "2026-13-01T00:00:00+01:00"},
                  "relationships": {"lesson": {"data": {"type": "lesson", "id": "%s"}}}}}""".formatted(title, id));
        assertThat(homework.statusCode()).isEqualTo(201);
        return id;
    }

    @Test
    void theToolHoldsJsonApiResourcesInParisTime() throws Exception {
        ToolClient.Written w = client.write(tool(), null, entry("Forme " + System.nanoTime()));

        JsonNode all = getJson(base() + API + "/_all");
        JsonNode lesson = first(all.path("lessons"), l -> w.toolEntryId().equals(l.path("id").asText())).orElseThrow();
        assertThat(lesson.at("/attributes/startDateTime").asText()).isEqualTo("2026-11-23T08:00:00+01:00");
        assertThat(lesson.at("/attributes/endDateTime").asText()).isEqualTo("2026-11-23T08:55:00+01:00");
        assertThat(lesson.at("/relationships/school/data/id").asText()).isEqualTo(SCHOOL);
        assertThat(lesson.at("/relationships/audience/data/id").asText()).isEqualTo("6A");
        assertThat(lesson.at("/attributes/published").asBoolean()).isFalse();
        JsonNode homework = first(all.path("homework"), h -> h.path("id").asText()
                .equals(lesson.path("homework").get(0).asText())).orElseThrow();
        assertThat(homework.at("/attributes/dueDateTime").asText()).isEqualTo("2026-11-30T00:00:00+01:00");
        assertThat(homework.at("/attributes/givenOn").asText()).isEqualTo("2026-11-23");
        assertThat(homework.at("/attributes/attachments/0/mimeType").asText()).isEqualTo("application/pdf");
    }

    @Test
    void aDeletedLessonTakesItsHomeworkWithIt() throws Exception {
        ToolClient.Written w = client.write(tool(), null, entry("Suppression " + System.nanoTime()));
        List<String> homework = toolHomeworkIds(w.toolEntryId());

        client.delete(tool(), SCHOOL, w.toolEntryId());

        assertThat(getJson(base() + API + "/_all").path("homework")).extracting(h -> h.path("id").asText())
                .doesNotContainAnyElementsOf(homework);
    }

    @Test
    void callsWithoutAValidBearerAreRefusedWithJsonApiErrors() throws Exception {
        HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(URI.create(base() + API
                + "/agendas?filter%5Bschool%5D=" + SCHOOL)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> forged = post("/agendas", "forged-token", "{\"data\": {\"type\": \"lesson\"}}");

        for (HttpResponse<String> r : List.of(none, forged)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                    .startsWith("application/vnd.api+json"));
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(t -> assertThat(t)
                    .contains("invalid_token"));
            assertThat(JSON.readTree(r.body()).at("/errors/0/status").asText()).isEqualTo("401");
        }
        assertThat(JSON.readTree(none.body()).at("/errors/0/detail").asText()).isEqualTo("jeton d'accès absent");
        assertThat(JSON.readTree(forged.body()).at("/errors/0/detail").asText()).isEqualTo("jeton d'accès inconnu ou révoqué");
    }

    @Test
    void pollingFollowsTheNextLinksOfALongFeed() throws Exception {
        String since = latest();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 105; i++) {
            ids.add(client.write(tool(), null, new fr.relais.classlog.ClassLogEntry(SCHOOL, "6B", null, null,
                    java.time.LocalDate.of(2026, 11, 24), null, null, "Séance " + i, "", List.of(), List.of(), true, null))
                    .toolEntryId());
        }

        assertThat(client.poll(tool(), SCHOOL, since)).extracting(p -> p.change().toolEntryId()).containsExactlyElementsOf(ids);
    }
}
