package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;

import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import fr.relais.directory.aaf.Uai;
import fr.relais.licence.Subscription;

/** A publisher that prefers CAS: the same decision as a SAML launch, and only its pseudonym for the person. */
class CasPublisherTest extends SsoTestBase {

    static final String PUBLISHER = BASE + "/sandbox/tools/bibliomanuels/";

    @BeforeEach
    void subscribed() {
        if (subscriptions.find("bibliomanuels", "ABO-BIBLIO").isEmpty()) {
            subscriptions.create(new Subscription("bibliomanuels", "ABO-BIBLIO", "BIBLIO_DISTRIBUTEUR", "ark:/1/biblio",
                    "ark", "Biblio", null, java.time.Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true,
                    Subscription.AssignmentType.ETABL, null, null, null, null, null, null,
                    java.util.List.of(Uai.of(690_100)), java.util.List.of("ELEVE")));
        }
    }

    private static HttpResponse<String> open(String user) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/cas/login?service=" + URLEncoder.encode(PUBLISHER, "UTF-8") + "&ent=ent-auvergnerhonealpes");
        String entLogin = CasSsoTest.toEntLogin(b, Browser.location(r));
        return CasSsoTest.loginAt(b, entLogin, user);
    }

    @Test
    void theCasPublisherKnowsThePupilOnlyByItsPseudonym() throws Exception {
        HttpResponse<String> page = open("2000001");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).containsPattern("Connecté : [0-9a-f]{128}").contains("<th>PRO</th><td>National_elv</td>")
                .doesNotContain("2000001").doesNotContain("<th>nom</th>");
    }

    @Test
    void aParentIsRefusedBeforeAnyTicket() throws Exception {
        HttpResponse<String> page = open("3000001");
        assertThat(page.statusCode()).isEqualTo(403);
        assertThat(page.body()).contains("Accès refusé").contains("ne couvre pas votre profil");
    }

    @Test
    void theApereoClientSeesThePseudonymAsTheUser() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/cas/login?service=" + URLEncoder.encode(PUBLISHER, "UTF-8") + "&ent=ent-auvergnerhonealpes");
        HttpResponse<String> back = b.post("/sandbox/ent/ent-auvergnerhonealpes/cas/login", java.util.Map.of("username", "2000002",
                "password", "demo", "service", Browser.query(CasSsoTest.toEntLogin(b, Browser.location(r)), "service")));
        HttpResponse<String> toPublisher = b.get(Browser.location(b.get(Browser.location(back))));
        String ticket = Browser.query(Browser.location(toPublisher), "ticket");
        Assertion assertion = new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, PUBLISHER);
        assertThat(assertion.getPrincipal().getName()).matches("[0-9a-f]{128}");
        assertThat(assertion.getPrincipal().getAttributes()).containsEntry("IDO", assertion.getPrincipal().getName())
                .doesNotContainKeys("nom", "prenom", "dateNaissance");
    }
}
