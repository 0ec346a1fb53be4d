package fr.relais.classlog.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.classlog.ToolClient;
import fr.relais.connector.Connector;
import fr.relais.sandbox.SimulatedEcoleDirecte;

/** The EcoleDirecte client against the simulated EcoleDirecte v3 API (login.awp, X-Token, body codes) of the demo. */
class EcoleDirecteClientTest extends ClassLogToolContract {

    static final String API = "/sandbox/ecoledirecte/v3";

    @Autowired
    EcoleDirecteClient client;
    @Autowired
    SimulatedEcoleDirecte simulator;

    @Override
    ToolClient client() {
        return client;
    }

    @Override
    String toolId() {
        return "ecoledirecte";
    }

    @Override
    String controlUrl() {
        return base() + API + "/_control";
    }

    JsonNode seance(String id) throws Exception {
        return first(getJson(base() + API + "/_all").path("seances"), s -> id.equals(s.path("id").asText())).orElseThrow();
    }

    @Override
    List<String> toolHomeworkIds(String toolEntryId) throws Exception {
        List<String> ids = new ArrayList<>();
        seance(toolEntryId).path("aFaire").forEach(w -> ids.add(w.path("idDevoir").asText()));
        return ids;
    }

    @Override
    int sessionsOpened() {
        return simulator.logins();
    }

    @Override
    Connector withWrongCredentials(Connector c) {
        ObjectNode descriptor = c.descriptor().deepCopy();
        ((ObjectNode) descriptor.path("classlog")).put("password", "pas-le-bon-mot-de-passe");
        return new Connector(c.id(), c.name(), c.kind(), c.family(), c.protocol(), c.platform(), c.territory(),
                c.capabilities(), c.status(), c.errors(), c.source(), descriptor);
    }

    @Override
    String credentialField() {
        return "classlog.password";
    }

    @Override
    String refusalReason(String word) {
        return "contient « " + word + " »";
    }

    JsonNode post(String path, String token, String data) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + API + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("data=" + URLEncoder.encode(data, StandardCharsets.UTF_8)));
        if (token != null) {
            b.header("X-Token", token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    String login() throws Exception {
        JsonNode classlog = tool().descriptor().path("classlog");
        JsonNode answer = post("/login.awp", null, JSON.writeValueAsString(java.util.Map.of(
                "identifiant", classlog.path("login").asText(), "motdepasse", classlog.path("password").asText())));
        assertThat(answer.path("code").asInt()).isEqualTo(200);
        return answer.path("token").asText();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    String storeLessonWithInvalidDates(String title) throws Exception {
        JsonNode answer = post("/etablissements/" + SCHOOL + "/cahierdetexte.awp?verbe=post", login(), """
                {"date": "2026-02-30", "heureDebut": "8h", "entityCode": "6A", "titre": "%s", "publie": true,
                 "contenuDeSeance": {"contenu": "%s", "documents": []},
                 "aFaire": [{"donneLe": "2026-11-23", "pourLe": "2026-13-01", "contenu": "%s", "documents": []}]}"""
                .formatted(title, b64("<p>x</p>"), b64("Exercice 1")));
        assertThat(answer.path("code").asInt()).isEqualTo(200);
        return answer.at("/data/id").asText();
    }

    @Test
    void contentsTravelInBase64AsInEcoleDirecte() throws Exception {
        ToolClient.Written w = client.write(tool(), null, entry("Base64 " + System.nanoTime()));

        JsonNode s = seance(w.toolEntryId());
        assertThat(s.at("/contenuDeSeance/contenu").asText())
                .isEqualTo(b64("<p>Théorème de <strong>Pythagore</strong> : démonstration</p>"));
        assertThat(s.at("/aFaire/0/contenu").asText()).isEqualTo(b64("<p>Exercices 12 et 13 p. 154</p>"));
        assertThat(s.at("/aFaire/0/pourLe").asText()).isEqualTo("2026-11-30");
        assertThat(s.at("/aFaire/1/interrogation").asBoolean()).isTrue();
        assertThat(s.at("/heureDebut").asText()).isEqualTo("08:00");
        assertThat(s.at("/numModif").asLong()).isEqualTo(Long.parseLong(w.toolVersion()));
    }

    @Test
    void errorsComeAsHttp200WithACodeInTheBody() throws Exception {
        JsonNode badLogin = post("/login.awp", null, "{\"identifiant\": \"x\", \"motdepasse\": \"y\"}");
        JsonNode noToken = post("/etablissements/" + SCHOOL + "/cahierdetexte.awp?verbe=get&depuis=0", "inconnu", "{}");

        assertThat(badLogin.path("code").asInt()).isEqualTo(505);
        assertThat(noToken.path("code").asInt()).isEqualTo(520);
        assertThat(noToken.path("message").asText()).isEqualTo("Token invalide !");
    }

    @Test
    void pupilsSeeTheWorkToDoByDueDate() throws Exception {
        ToolClient.Written w = client.write(tool(), null, entry("Élèves " + System.nanoTime()));
        String id = toolHomeworkIds(w.toolEntryId()).get(0);

        JsonNode toDo = post("/etablissements/" + SCHOOL + "/cahierdetexte.awp?verbe=get", login(), "{}");

        assertThat(toDo.path("code").asInt()).isEqualTo(200);
        assertThat(first(toDo.at("/data/2026-11-30"), d -> id.equals(d.path("idDevoir").asText()))).hasValueSatisfying(d -> {
            assertThat(d.path("donneLe").asText()).isEqualTo("2026-11-23");
            assertThat(d.path("documentsAFaire").asBoolean()).isTrue();
        });
    }
}
