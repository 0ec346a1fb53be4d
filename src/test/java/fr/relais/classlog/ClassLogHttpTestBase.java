package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import fr.relais.RelaisTestSupport;
import fr.relais.sso.SsoTestBaseAccess;

/** The cahier de textes tests over HTTP: the simulated tools' routes, and the admin API as the administrator. */
abstract class ClassLogHttpTestBase extends SsoTestBaseAccess {

    /** Two of the demo's NEO modules, both planned for class 6A of the first demo school. */
    static final String PARIS = ClassLogSyncTest.PARIS;
    static final String ENT77 = ClassLogSyncTest.ENT77;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A call to the admin API as the administrator, whatever it answers. */
    HttpResponse<String> asAdmin(String method, String path) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Basic " + basic)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET of the admin API, which must answer 200: its JSON. */
    JsonNode admin(String path) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }
}
