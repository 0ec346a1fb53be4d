package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import fr.relais.RelaisTestSupport;

/**
 * {@code POST /api/connectors/{id}/test} against the sandbox's systems: what an administrator reads after pressing
 * "Tester" (the console's button is issue 16's), for each family that offers the test.
 */
class ConnectionTestApiTest extends SsoTestBase {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> test(String id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(BASE + "/api/connectors/" + id + "/test"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:"
                        + RelaisTestSupport.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode report(String id) throws Exception {
        HttpResponse<String> r = test(id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private static List<String> lines(JsonNode report) {
        List<String> out = new java.util.ArrayList<>();
        report.path("checks").forEach(c -> out.add(c.path("status").asText() + " " + c.path("name").asText() + " : "
                + c.path("detail").asText()));
        return out;
    }

    @Test
    void aCasEntsLoginPageAndValidationEndpointAreReached() throws Exception {
        JsonNode report = report("agora06");
        assertThat(report.path("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.path("name").asText()).isEqualTo("Agora 06");
        assertThat(lines(report)).hasSize(2);
        assertThat(lines(report).get(0)).startsWith("OK page de connexion : HTTP 200 en ")
                .endsWith("(" + BASE + "/sandbox/ent/agora06/cas/login)");
        assertThat(lines(report).get(1)).isEqualTo("OK validation des tickets : répond en CAS : ticket de test refusé "
                + "(INVALID_TICKET) sur " + BASE + "/sandbox/ent/agora06/cas/p3/serviceValidate");
    }

    @Test
    void aSamlEntsMetadataAndSigningCertificatesAreChecked() throws Exception {
        JsonNode report = report("ent77");
        assertThat(report.path("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(lines(report).get(0)).startsWith("OK métadonnées : entité " + BASE + "/sandbox/ent/ent77/saml, "
                + "connexion (HTTP-Redirect) ");
        assertThat(lines(report).subList(1, lines(report).size())).isNotEmpty()
                .allMatch(l -> l.matches("OK certificat de signature « .* » : valide jusqu'au \\d{1,2} \\p{L}+ \\d{4}"));
    }

    @Test
    void anOpenIdProvidersConfigurationAndKeysAreFetched() throws Exception {
        JsonNode report = report("monlycee");
        assertThat(report.path("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(lines(report).get(0)).startsWith("OK configuration OpenID : émetteur ");
        assertThat(lines(report).get(1)).matches("OK clés de signature : \\d+ clé\\(s\\) publiée\\(s\\) : RSA.*");
    }

    @Test
    void aClassLogToolsFeedIsReadWithoutMovingAnything() throws Exception {
        java.util.Map<String, Object> before = jdbc.queryForList("SELECT school, watermark FROM classlog_watermark "
                + "WHERE tool = 'neo-cahier-de-textes' ORDER BY school").stream().findFirst().orElse(null);
        JsonNode report = report("neo-cahier-de-textes");
        assertThat(report.path("ok").asBoolean()).as(report.toString()).isTrue();
        // the demo's plan syncs the NEO module for a school: the test reads its feed, from where Relais stands
        assertThat(before).as("the demo plan's watermark of neo-cahier-de-textes").isNotNull();
        assertThat(lines(report)).singleElement().asString().matches("OK lecture du cahier de textes : "
                + "établissement " + before.get("school") + " : \\d+ changement\\(s\\) depuis la dernière relève, "
                + "lus en \\d+ ms");
        assertThat(jdbc.queryForObject("SELECT watermark FROM classlog_watermark WHERE tool = 'neo-cahier-de-textes' "
                + "AND school = ?", String.class, before.get("school"))).isEqualTo(before.get("watermark"));
    }

    @Test
    void aConnectorWithoutTheTestAndAnUnknownIdAreAnsweredPlainly() throws Exception {
        JsonNode report = report("cns");
        assertThat(report.path("ok").asBoolean()).isFalse();
        assertThat(lines(report)).containsExactly("ECHEC descripteur : la capacité « test » n'est pas déclarée (capabilities)");
        HttpResponse<String> unknown = test("inconnu");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("Aucun connecteur 'inconnu'");
    }
}
