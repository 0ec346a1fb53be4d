package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.apereo.cas.client.validation.Assertion;
import org.junit.jupiter.api.Test;

import fr.relais.directory.aaf.Uai;
import fr.relais.sandbox.SimulatedSamlPublisher;
import fr.relais.sso.peers.Keycloak;

/** A real Keycloak as an ENT of the oidc family: authorization code with PKCE, its ID token, its SDET claims. */
class KeycloakOidcEntTest extends KeycloakTestBase {

    @Test
    void aPupilSignsInAtKeycloakThenOpensPronoteAndAPublisher() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> login = toKeycloak(b, "keycloak-oidc");
        assertThat(login.uri().toString()).startsWith(KEYCLOAK.realmUrl() + "/protocol/openid-connect/auth?")
                .contains("code_challenge_method=S256");

        String ticket = pronoteTicket(b, signIn(b, login, Keycloak.PUPIL));
        Assertion pronote = validateAsPronote(ticket);
        // Keycloak vouched for jointure 2000001: Pronote gets the directory's pupil, with only what it may receive
        assertThat(pronote.getPrincipal().getName()).isEqualTo("2000001");
        assertThat(pronote.getPrincipal().getAttributes()).containsEntry("categories", "National_1")
                .containsKeys("nom", "prenom", "dateNaissance");

        SimulatedSamlPublisher.Received cns = launchCns(b).orElseThrow();
        assertThat(cns.nameId()).matches("[0-9a-f]{128}");
        assertThat(cns.attributes().get("PRO")).containsExactly("National_elv");
        assertThat(cns.attributes().get("UAI")).containsExactly(Uai.of(690_100));
        assertThat(cns.attributes()).doesNotContainKeys("nom", "prenom", "dateNaissance");
    }

    @Test
    void aWrongPasswordAtKeycloakLeavesRelaisWithoutSession() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> login = toKeycloak(b, "keycloak-oidc");
        String action = attribute(login.body(), "form id=\"kc-form-login\"[^>]*?action=\"([^\"]+)\"");
        HttpResponse<String> again = b.post(action, java.util.Map.of("username", Keycloak.PUPIL, "password", "faux",
                "credentialId", ""));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("kc-form-login");
        HttpResponse<String> relais = b.get("/cas/login?service=" + java.net.URLEncoder.encode(PRONOTE, "UTF-8"));
        assertThat(Browser.location(relais)).doesNotStartWith(PRONOTE);
    }
}
