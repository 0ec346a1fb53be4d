package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import fr.relais.RelaisTestSupport;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * A tool that refuses an entry and a tool that is down are expected outcomes of the cahier de textes sync: each is
 * one French line with its reason in the log, never an ERROR and never a stack trace (those are for bugs).
 */
@ExtendWith(OutputCaptureExtension.class)
class ClassLogExpectedOutcomesLogTest extends SsoTestBaseAccess {

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void toolBackUp() throws Exception {
        send("PUT", "/sandbox/neo/ent77/diary/_control", "{}", false);
    }

    private HttpResponse<String> send(String method, String path, String body, boolean admin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (admin) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    ("admin:" + RelaisTestSupport.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean inEnt77(String title) throws Exception {
        for (JsonNode s : json.readTree(send("GET", "/sandbox/neo/ent77/diary/sessions", null, false).body())) {
            if (title.equals(s.path("title").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aRefusingToolAndAToolDownAreOneFrenchWarningEachWithoutErrorOrStackTrace(CapturedOutput output)
            throws Exception {
        String tag = "Refus" + System.nanoTime();
        send("PUT", "/sandbox/neo/ent77/diary/_control", "{\"refuseTitle\":\"" + tag + "\"}", false);
        assertThat(send("POST", "/sandbox/neo/paris/diary/session", ClassLogSyncTest.session("6A", tag, "<p>x</p>"), false)
                .statusCode()).isEqualTo(201);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode letters = json.readTree(send("GET", "/api/classlog/dead-letters?tool=neo-cahier-de-textes-77", null, true).body());
        while (Instant.now().isBefore(deadline) && letters.isEmpty()) {
            Thread.sleep(250);
            letters = json.readTree(send("GET", "/api/classlog/dead-letters?tool=neo-cahier-de-textes-77", null, true).body());
        }
        assertThat(letters).hasSize(1);

        String down = "Panne" + System.nanoTime();
        send("PUT", "/sandbox/neo/ent77/diary/_control", "{\"down\":true}", false);
        send("POST", "/sandbox/neo/paris/diary/session", ClassLogSyncTest.session("6A", down, "<p>y</p>"), false);
        Thread.sleep(5_000); // several attempts, the circuit opens, a probe
        send("PUT", "/sandbox/neo/ent77/diary/_control", "{}", false);
        deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline) && !inEnt77(down)) {
            Thread.sleep(250);
        }
        assertThat(inEnt77(down)).isTrue();

        String log = output.getAll();
        assertThat(log.lines().filter(l -> l.contains(" ERROR "))).isEmpty();
        assertThat(log.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by"))).isEmpty();
        assertThat(log.lines().filter(l -> l.contains(" WARN ") && l.contains("neo-cahier-de-textes-77")
                && l.contains("refus") && l.contains("titre refusé par le module"))).isNotEmpty();
        assertThat(log.lines().filter(l -> l.contains(" WARN ") && l.contains("neo-cahier-de-textes-77")
                && l.contains("HTTP 503"))).isNotEmpty();
    }
}
