package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.apereo.cas.client.validation.Assertion;
import org.junit.jupiter.api.Test;

import fr.relais.directory.aaf.Uai;
import fr.relais.sandbox.SimulatedSamlPublisher;
import fr.relais.sso.peers.Keycloak;

/**
 * A real Keycloak as an ENT of the saml2 family, with Relais' SP metadata imported with Keycloak's defaults (which
 * require signed AuthnRequests) and assertion encryption turned on.
 */
class KeycloakSamlEntTest extends KeycloakTestBase {

    @Test
    void keycloaksImportOfRelaisMetadataWantsSignedRequestsAndEncrypts() {
        var attributes = KEYCLOAK.client(BASE + "/saml/sp").path("attributes");
        assertThat(attributes.path("saml.client.signature").asText()).isEqualTo("true");
        assertThat(attributes.path("saml.encrypt").asText()).isEqualTo("true");
    }

    @Test
    void aPupilSignsInAtKeycloakThenOpensPronoteAndAPublisher() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> login = toKeycloak(b, "keycloak-saml");
        HttpResponse<String> autoPost = signIn(b, login, Keycloak.PUPIL);
        assertThat(autoPost.statusCode()).as(autoPost.body()).isEqualTo(200);
        String acs = attribute(autoPost.body(), "<form[^>]*action=\"([^\"]+)\"");
        String samlResponse = attribute(autoPost.body(), "name=\"SAMLResponse\" value=\"([^\"]+)\"");
        assertThat(acs).isEqualTo(BASE + "/saml/sp/acs");
        // the assertion travels encrypted for Relais' key: the browser cannot read the jointure
        String xml = new String(Base64.getMimeDecoder().decode(samlResponse), StandardCharsets.UTF_8);
        assertThat(xml).contains("EncryptedAssertion").doesNotContain("2000001");

        String ticket = pronoteTicket(b, b.post(acs, Map.of("SAMLResponse", samlResponse)));
        Assertion pronote = validateAsPronote(ticket);
        assertThat(pronote.getPrincipal().getName()).isEqualTo("2000001");
        assertThat(pronote.getPrincipal().getAttributes()).containsEntry("categories", "National_1");

        SimulatedSamlPublisher.Received cns = launchCns(b).orElseThrow();
        assertThat(cns.nameId()).matches("[0-9a-f]{128}");
        assertThat(cns.attributes().get("PRO")).containsExactly("National_elv");
        assertThat(cns.attributes().get("UAI")).containsExactly(Uai.of(690_100));
    }

    /** What Relais did before it signed: Keycloak refuses the request before any login form. */
    @Test
    void anUnsignedRequestIsRefusedByKeycloakAsInvalidRequester() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = toKeycloak(b, "keycloak-saml-unsigned");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Invalid requester").doesNotContain("kc-form-login");
    }
}
