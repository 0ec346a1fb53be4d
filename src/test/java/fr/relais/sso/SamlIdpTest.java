package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.directory.aaf.Uai;
import fr.relais.sandbox.SimulatedSamlPublisher;

/**
 * Relais as a SAML IdP to publishers, over real HTTP, with the sandbox's publisher (an SP that verifies the
 * signature against Relais' published metadata).
 */
class SamlIdpTest extends SsoTestBase {

    static final String SCHOOL = Uai.of(690_100);
    static final String CNS_ENTITY = "https://sp.cns-edu.com/saml";

    @Autowired
    SimulatedSamlPublisher publisher;

    private static Browser loggedIn(String ent, String user) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/sso/login?ent=" + ent);
        String entLogin = Browser.location(b.get(Browser.location(r)));
        CasSsoTest.loginAt(b, entLogin, user);
        return b;
    }

    /** Logs in through a simulated SAML identity source: its login form, then its auto-POST back to Relais. */
    private static Browser loggedInSaml(String ent, String user) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> idp = b.get(Browser.location(b.get(Browser.location(b.get("/sso/login?ent=" + ent)))));
        Map<String, String> form = new java.util.HashMap<>(Map.of("username", user, "password", "demo"));
        for (String field : java.util.List.of("requestId", "acs", "sp")) {
            form.put(field, idp.body().replaceAll("(?s).*name=\"" + field + "\" value=\"([^\"]*)\".*", "$1"));
        }
        HttpResponse<String> auto = b.post("/sandbox/ent/" + ent + "/saml/sso", form);
        b.follow(b.post(BASE + "/saml/sp/acs", Map.of("SAMLResponse",
                auto.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1"))));
        return b;
    }

    /** Follows a launch to the auto-POST form and posts it to the publisher's ACS, as the browser's script would. */
    private static HttpResponse<String> postToPublisher(Browser b, HttpResponse<String> form) throws Exception {
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        String action = form.body().replaceAll("(?s).*<form method=\"post\" action=\"([^\"]+)\".*", "$1");
        String response = form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1");
        String relay = form.body().contains("name=\"RelayState\"")
                ? form.body().replaceAll("(?s).*name=\"RelayState\" value=\"([^\"]*)\".*", "$1") : null;
        Map<String, String> fields = relay == null ? Map.of("SAMLResponse", response)
                : Map.of("SAMLResponse", response, "RelayState", relay.replace("&amp;", "&").replace("&#39;", "'"));
        return b.post(action.replace("&amp;", "&"), fields);
    }

    private static HttpResponse<String> launch(Browser b, String publisherId, String uai) throws Exception {
        return b.follow(b.get("/launch/" + publisherId + "?resource=" + URLEncoder.encode("ark:/86527/manuel-maths", "UTF-8")
                + "&uai=" + uai));
    }

    @Test
    void launchGivesThePublisherASignedAssertionWithAPseudonymAndGarAttributesOnly() throws Exception {
        Browser b = loggedIn("ent-auvergnerhonealpes", "2000001");
        HttpResponse<String> page = postToPublisher(b, launch(b, "cns", SCHOOL));
        assertThat(page.body()).contains("Signature vérifiée").contains("Audience : " + CNS_ENTITY)
                .doesNotContain("Assertion refusée");
        SimulatedSamlPublisher.Received got = publisher.received.get(publisher.received.size() - 1);
        assertThat(got.publisher()).isEqualTo("cns");
        assertThat(got.nameId()).matches("[0-9a-f]{128}");
        assertThat(got.attributes().get("IDO")).containsExactly(got.nameId());
        assertThat(got.attributes().get("UAI")).containsExactly(SCHOOL);
        assertThat(got.attributes().get("PRO")).containsExactly("National_elv");
        assertThat(got.attributes().get("DIV")).containsExactly("6A##6A");
        assertThat(got.attributes()).doesNotContainKeys("nom", "prenom", "dateNaissance", "uid", "mail");
        assertThat(got.relayState()).isEqualTo("ark:/86527/manuel-maths");
        assertThat(page.body()).doesNotContain("MONTROCHER").doesNotContain("2000001");
    }

    @Test
    void thePseudonymIsStableAcrossEntsAndDiffersBetweenPublishers() throws Exception {
        // two identity sources that serve the pupil's school: her ENT (CAS) and the académie's (SAML)
        Browser viaEnt = loggedIn("ent-auvergnerhonealpes", "2000002");
        postToPublisher(viaEnt, launch(viaEnt, "cns", SCHOOL));
        String first = publisher.received.get(publisher.received.size() - 1).nameId();
        Browser viaAcademie = loggedInSaml("fim-ac-demo", "2000002");
        postToPublisher(viaAcademie, launch(viaAcademie, "cns", SCHOOL));
        assertThat(publisher.received.get(publisher.received.size() - 1).nameId()).isEqualTo(first);
        postToPublisher(viaAcademie, launch(viaAcademie, "kne-educadhoc", SCHOOL));
        String other = publisher.received.get(publisher.received.size() - 1).nameId();
        assertThat(other).matches("[0-9a-f]{128}").isNotEqualTo(first);
    }

    @Test
    void aRefusalIsExplainedInFrenchAndNothingIsSent() throws Exception {
        int before = publisher.received.size();
        Browser parent = loggedIn("ent-auvergnerhonealpes", "3000001");
        HttpResponse<String> refused = launch(parent, "cns", SCHOOL);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("Accès refusé").contains("documentaliste").doesNotContain("SAMLResponse");
        Browser pupil = loggedIn("ent-auvergnerhonealpes", "2000004");
        HttpResponse<String> otherSchool = launch(pupil, "cns", Uai.of(690_107));
        assertThat(otherSchool.statusCode()).isEqualTo(403);
        assertThat(otherSchool.body()).contains("pas inscrit dans l&#39;établissement " + Uai.of(690_107));
        assertThat(publisher.received).hasSize(before);
    }

    @Test
    void launchWithoutASessionGoesThroughTheEntOfTheSchool() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/launch/cns?resource=x&uai=0060001A");
        assertThat(Browser.location(r)).contains("/sso/login?request=").endsWith("&uai=0060001A");
        HttpResponse<String> toEnt = b.get(Browser.location(b.get(Browser.location(r))));
        assertThat(Browser.location(toEnt)).contains("/sandbox/ent/agora06/cas/login");
        HttpResponse<String> form = CasSsoTest.loginAt(b, Browser.location(toEnt), "2000001");
        // the pupil is not in 0060001A: refused after login, with the reason
        assertThat(form.statusCode()).isEqualTo(403);
    }

    private static String redirectBinding(String xml) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.DEFLATED, true))) {
            d.write(xml.getBytes(StandardCharsets.UTF_8));
        }
        return URLEncoder.encode(Base64.getEncoder().encodeToString(out.toByteArray()), "UTF-8");
    }

    private static String authnRequest(String issuer, String acs, String id) {
        return "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + id + "\" Version=\"2.0\" "
                + "IssueInstant=\"2026-11-23T10:00:00Z\"" + (acs == null ? "" : " AssertionConsumerServiceURL=\"" + acs + "\"")
                + "><saml:Issuer>" + issuer + "</saml:Issuer></samlp:AuthnRequest>";
    }

    @Test
    void spInitiatedLoginAnswersTheRequestAtTheRegisteredAcs() throws Exception {
        Browser b = loggedIn("ent-auvergnerhonealpes", "4000002");
        HttpResponse<String> form = b.follow(b.get("/saml/idp/sso?SAMLRequest="
                + redirectBinding(authnRequest(CNS_ENTITY, null, "_req42")) + "&RelayState=page-42"));
        assertThat(form.body()).contains("action=\"" + BASE + "/sandbox/publishers/cns/acs\"");
        String xml = new String(Base64.getDecoder().decode(
                form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1")), StandardCharsets.UTF_8);
        assertThat(xml).contains("InResponseTo=\"_req42\"").contains("RSA-SHA256".toLowerCase().replace("-", "-"))
                .contains("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
        HttpResponse<String> page = postToPublisher(b, form);
        assertThat(page.body()).contains("Signature vérifiée");
        assertThat(publisher.received.get(publisher.received.size() - 1).attributes().get("PRO"))
                .containsExactly("National_ens");
        // subjects taught, national codes (P_MAT)
        assertThat(publisher.received.get(publisher.received.size() - 1).attributes().get("P_MAT")).isNotEmpty()
                .allMatch(code -> code.matches("\\d{6}"));
    }

    @Test
    void forceAuthnFromAPublisherMakesTheEntAskForThePasswordAndTheAssertionSaysWhen() throws Exception {
        Browser b = loggedIn("ent-auvergnerhonealpes", "4000002");
        java.time.Instant asked = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String request = authnRequest(CNS_ENTITY, null, "_force7").replace("Version=\"2.0\"",
                "Version=\"2.0\" ForceAuthn=\"true\"");
        // the open session does not answer it: the login goes back to the ENT with renew=true...
        HttpResponse<String> r = b.get("/saml/idp/sso?SAMLRequest=" + redirectBinding(request));
        while (r.statusCode() == 302 && !Browser.location(r).contains("/sandbox/ent/")) {
            r = b.get(Browser.location(r));
        }
        String entLogin = Browser.location(r);
        assertThat(entLogin).contains("/sandbox/ent/ent-auvergnerhonealpes/cas/login").contains("renew=true");
        // ... which asks for the password although its own session is open
        assertThat(b.get(entLogin).body()).contains("name=\"password\"");
        HttpResponse<String> form = CasSsoTest.loginAt(b, entLogin, "4000002");
        String xml = new String(Base64.getDecoder().decode(
                form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1")), StandardCharsets.UTF_8);
        assertThat(xml).contains("InResponseTo=\"_force7\"");
        java.time.Instant authn = java.time.Instant.parse(xml.replaceAll("(?s).*AuthnInstant=\"([^\"]+)\".*", "$1"));
        assertThat(authn).isAfterOrEqualTo(asked);
    }

    @Test
    void badAuthnRequestsAreRefusedWithoutRedirect() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> unknown = b.get("/saml/idp/sso?SAMLRequest="
                + redirectBinding(authnRequest("https://evil.example/sp", null, "_x")));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("Éditeur inconnu");
        HttpResponse<String> otherAcs = b.get("/saml/idp/sso?SAMLRequest="
                + redirectBinding(authnRequest(CNS_ENTITY, "https://evil.example/acs", "_y")));
        assertThat(otherAcs.statusCode()).isEqualTo(400);
        assertThat(otherAcs.headers().firstValue("Location")).isEmpty();
        String doctype = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                + authnRequest(CNS_ENTITY, null, "_z").replace(CNS_ENTITY, "&e;");
        HttpResponse<String> xxe = b.post("/saml/idp/sso", Map.of("SAMLRequest",
                Base64.getEncoder().encodeToString(doctype.getBytes(StandardCharsets.UTF_8))));
        assertThat(xxe.statusCode()).isEqualTo(400);
        assertThat(xxe.body()).contains("illisible ou interdit");
        HttpResponse<String> huge = b.post("/saml/idp/sso", Map.of("SAMLRequest",
                Base64.getEncoder().encodeToString(("<a>" + "x".repeat(300_000) + "</a>").getBytes(StandardCharsets.UTF_8))));
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).contains("trop volumineux");
    }

    @Test
    void metadataPublishesTheSigningCertificateAndEndpoints() throws Exception {
        HttpResponse<String> md = new Browser(BASE).get("/saml/idp/metadata");
        assertThat(md.statusCode()).isEqualTo(200);
        assertThat(md.body()).contains("entityID=\"" + BASE + "/saml/idp\"").contains("<ds:X509Certificate>MII")
                .contains("Location=\"" + BASE + "/saml/idp/sso\"").contains("nameid-format:persistent");
    }

    @Test
    void logoutTellsThePublisherWithItsPseudonymAndTheAssertion() throws Exception {
        Browser b = loggedIn("ent-auvergnerhonealpes", "2000005".substring(0, 7));
        postToPublisher(b, launch(b, "cns", SCHOOL));
        SimulatedSamlPublisher.Received got = publisher.received.get(publisher.received.size() - 1);
        b.get("/cas/logout");
        long deadline = System.currentTimeMillis() + 5000;
        while (publisher.logouts.stream().noneMatch(l -> l.nameId().equals(got.nameId())) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(publisher.logouts).anySatisfy(l -> {
            assertThat(l.publisher()).isEqualTo("cns");
            assertThat(l.nameId()).isEqualTo(got.nameId());
            assertThat(l.sessionIndex()).startsWith("_");
        });
    }
}
