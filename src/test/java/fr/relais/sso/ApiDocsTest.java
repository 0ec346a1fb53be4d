package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import fr.relais.RelaisTestSupport;

/**
 * The admin API and the publishers' check API as OpenAPI ({@code /v3/api-docs}) and their browsable page
 * ({@code /admin/api}): for the administrator only, what a client generator or an administrator reads.
 */
class ApiDocsTest extends SsoTestBase {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> docs(String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + "/v3/api-docs"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String admin() {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theDescriptionListsTheAdminAndCheckApisOnlyForTheAdministrator() throws Exception {
        HttpResponse<String> anonymous = docs(null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("Authentification requise").doesNotContain("/api/classlog");
        assertThat(docs("Basic " + Base64.getEncoder().encodeToString("admin:faux".getBytes(StandardCharsets.UTF_8)))
                .statusCode()).isEqualTo(401);

        HttpResponse<String> r = docs(admin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode api = new ObjectMapper().readTree(r.body());
        assertThat(api.path("info").path("title").asText()).startsWith("Relais – API d'administration");
        List<String> paths = new ArrayList<>();
        api.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).contains("/api/connectors", "/api/connectors/{id}/test", "/api/directory/imports",
                "/api/classlog/parked", "/api/classlog/dead-letters/{id}/replay", "/api/classlog/tools/{tool}/reread",
                "/api/licences/assignments", "/api/audit/verify", "/gar/entitlements");
        // the protocols, the GAR XML API and the simulators are not part of it
        assertThat(paths).noneMatch(p -> p.startsWith("/cas") || p.startsWith("/saml") || p.startsWith("/sso")
                || p.startsWith("/sandbox") || p.startsWith("/gar/abonnement") || p.startsWith("/admin"));
        // the admin API needs the administrator; the check API says what it takes and answers
        JsonNode parked = api.path("paths").path("/api/classlog/parked").path("get");
        assertThat(parked.path("security").toString()).contains("administrateur");
        assertThat(parked.path("tags").toString()).contains("Cahier de textes");
        JsonNode check = api.path("paths").path("/gar/entitlements").path("get");
        List<String> parameters = new ArrayList<>();
        check.path("parameters").forEach(p -> parameters.add(p.path("name").asText() + ":" + p.path("in").asText()
                + ":" + p.path("required").asBoolean()));
        assertThat(parameters).containsExactlyInAnyOrder("ido:query:true", "idRessource:query:true", "uai:query:true");
        assertThat(check.path("security").isMissingNode()).isTrue();
        assertThat(check.path("responses").path("200").toString()).contains("Check");
        assertThat(api.path("components").path("schemas").path("Check").path("properties").has("motif")).isTrue();
    }

    @Test
    void theBrowsablePageOpensInTheConsoleSession() throws Exception {
        Browser b = new Browser(BASE);
        assertThat(b.get("/admin/api").statusCode()).as("sans session : vers le formulaire de connexion")
                .isEqualTo(302);
        HttpResponse<String> form = b.get("/login");
        String csrf = form.body().replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
        b.follow(b.post("/login", Map.of("username", "admin", "password", RelaisTestSupport.ADMIN_PASSWORD,
                "_csrf", csrf)));
        HttpResponse<String> page = b.follow(b.get("/admin/api"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/admin/swagger-ui/index.html");
        assertThat(page.body()).contains("swagger-ui");
        // what the page reads, with the console's session cookie and no password
        HttpResponse<String> config = b.get("/v3/api-docs/swagger-config");
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
        assertThat(config.body()).contains("/v3/api-docs");
        HttpResponse<String> docs = b.get("/v3/api-docs");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("/api/classlog/parked");
    }
}
