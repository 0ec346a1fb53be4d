package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.Uai;
import fr.relais.sandbox.SimulatedSamlPublisher;

/** The publishers' check API by pseudonymous id, and the médiacentre's resource list. */
class GarAccessTest extends SsoTestBase {

    static final String SCHOOL = Uai.of(690_100);
    static final String MATHS = "ark:/86527/manuel-maths";

    @Autowired
    SimulatedSamlPublisher publisher;
    final ObjectMapper json = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path, String apiKey, boolean admin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(BASE + path));
        if (apiKey != null) {
            b.header("X-Relais-Api-Key", apiKey);
        }
        if (admin) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:"
                    + RelaisTestSupport.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String idoAfterLaunch(String user) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/sso/login?ent=ent-auvergnerhonealpes");
        CasSsoTest.loginAt(b, Browser.location(b.get(Browser.location(r))), user);
        HttpResponse<String> form = b.follow(b.get("/launch/cns?resource=" + URLEncoder.encode(MATHS, "UTF-8") + "&uai=" + SCHOOL));
        String response = form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1");
        b.post(BASE + "/sandbox/publishers/cns/acs", java.util.Map.of("SAMLResponse", response));
        return publisher.received.get(publisher.received.size() - 1).nameId();
    }

    private String check(String ido, String resource) {
        return "/gar/entitlements?ido=" + ido + "&idRessource=" + URLEncoder.encode(resource, StandardCharsets.UTF_8)
                + "&uai=" + SCHOOL;
    }

    @Test
    void aPublisherChecksByThePseudonymItReceivedAndNoOther() throws Exception {
        String ido = idoAfterLaunch("2000003");
        JsonNode ok = json.readTree(get(check(ido, MATHS), "demo-cle-cns", false).body());
        assertThat(ok.path("decision").asText()).isEqualTo("autorise");
        assertThat(ok.path("ido").asText()).isEqualTo(ido);
        JsonNode other = json.readTree(get(check(ido, "ark:/86527/pas-achete"), "demo-cle-cns", false).body());
        assertThat(other.path("decision").asText()).isEqualTo("refuse");
        assertThat(other.path("motif").asText()).isEqualTo("NO_SUBSCRIPTION");
        HttpResponse<String> foreign = get(check(ido, MATHS), "demo-cle-kne", false);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreign.body()).contains("identifiant IDO inconnu pour ce distributeur");
        assertThat(get(check("0".repeat(128), MATHS), "demo-cle-cns", false).statusCode()).isEqualTo(404);
        assertThat(get(check(ido, MATHS), null, false).statusCode()).isEqualTo(401);
        HttpResponse<String> incomplete = get("/gar/entitlements?ido=" + ido + "&idRessource=x", "demo-cle-cns", false);
        assertThat(incomplete.statusCode()).isEqualTo(400);
        assertThat(incomplete.body()).contains("paramètre obligatoire absent : uai");
    }

    @Test
    void theMediacentreListsWhatThePersonHolds() throws Exception {
        HttpResponse<String> pupil = get("/gar/ressources/agora06/" + SCHOOL + "/2000001", null, true);
        assertThat(pupil.statusCode()).isEqualTo(200);
        JsonNode list = json.readTree(pupil.body()).at("/listeRessources/ressource");
        assertThat(list).anySatisfy(r -> {
            assertThat(r.path("idRessource").asText()).isEqualTo(MATHS);
            assertThat(r.path("idEditeur").asText()).isEqualTo("cns");
            assertThat(r.path("urlAccesRessource").asText()).isEqualTo(BASE + "/launch/cns?resource="
                    + URLEncoder.encode(MATHS, StandardCharsets.UTF_8) + "&uai=" + SCHOOL);
        });
        JsonNode parent = json.readTree(get("/gar/ressources/agora06/" + SCHOOL + "/3000001", null, true).body());
        assertThat(parent.at("/listeRessources/ressource")).isEmpty();
        assertThat(get("/gar/ressources/agora06/" + SCHOOL + "/2000001", null, false).statusCode()).isEqualTo(401);
    }

    @Autowired
    fr.relais.licence.LicenceReports reports;
    @Autowired
    org.springframework.jms.core.JmsTemplate jms;

    @Test
    void eachPublisherGetsTheUseOfItsOwnSubscriptionsAsGarCsv() throws Exception {
        HttpResponse<String> cns = get("/gar/abonnement/comptages.csv", "demo-cle-cns", false);
        assertThat(cns.statusCode()).isEqualTo(200);
        assertThat(cns.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(cns.body()).startsWith("UAI;idAbonnement;codeProjetRessource;idRessource;cumulAffectationEleve;"
                + "cumulAffectationEnseignant;cumulAffectationDocumentaliste;cumulAffectationAutrePersonnel\n")
                .contains(SCHOOL + ";ABO-SSO-cns;;" + MATHS + ";0;0;0;0");
        assertThat(get("/gar/abonnement/comptages.csv", "demo-cle-kne", false).body()).doesNotContain("ABO-SSO-cns")
                .contains("ABO-SSO-kne-educadhoc");
        assertThat(get("/gar/abonnement/comptages.csv", null, false).statusCode()).isEqualTo(401);
    }

    @Test
    void subscriptionsEndingSoonAreAnnouncedOnceOnTheBroker() throws Exception {
        subscriptions.create(new fr.relais.licence.Subscription("cns", "ABO-FIN", "D", "ark:/86527/fin", "ark", "Fin", null,
                java.time.Instant.now().minusSeconds(86400), java.time.Instant.now().plusSeconds(86400 * 10), null, null,
                true, fr.relais.licence.Subscription.AssignmentType.ETABL, null, null, null, null, null, null,
                java.util.List.of(SCHOOL), java.util.List.of("ELEVE")));
        assertThat(reports.announceExpiring()).isGreaterThanOrEqualTo(1);
        jms.setReceiveTimeout(5000);
        String event = null;
        for (Object m = jms.receiveAndConvert(fr.relais.licence.LicenceReports.EXPIRING_QUEUE); m != null;
             m = jms.receiveAndConvert(fr.relais.licence.LicenceReports.EXPIRING_QUEUE)) {
            if (String.valueOf(m).contains("ABO-FIN")) {
                event = String.valueOf(m);
                break;
            }
        }
        assertThat(event).contains("\"idAbonnement\":\"ABO-FIN\"").contains("\"editeur\":\"cns\"");
        assertThat(reports.announceExpiring()).isZero();
        assertThat(get("/api/licences/expiring", null, true).body()).contains("ABO-FIN");
    }

    @Test
    void territoryAggregatesNeverNameAPublisher() throws Exception {
        idoAfterLaunch("2000004");
        JsonNode launches = json.readTree(get("/api/licences/launches", null, true).body());
        assertThat(launches.path("parEtablissement")).anySatisfy(s -> {
            assertThat(s.path("uai").asText()).isEqualTo(SCHOOL);
            assertThat(s.path("lancements").asLong()).isPositive();
        });
        assertThat(launches.path("parTypeDeRessource").path("ark").asLong()).isPositive();
        assertThat(launches.toString()).doesNotContain("cns").doesNotContain("kne");
    }
}
