package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Test;
import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.Response;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.signature.Signature;
import org.opensaml.xmlsec.signature.support.SignatureConstants;
import org.opensaml.xmlsec.signature.support.Signer;
import org.springframework.beans.factory.annotation.Autowired;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import fr.relais.sandbox.SimulatedSamlIdp;
import fr.relais.sso.saml.OpenSaml;
import fr.relais.sso.saml.SigningKeys;

/**
 * Relais as a SAML service provider of the SAML ENTs and national services, over real HTTP with the sandbox's
 * signing IdP, and every forged Response of the protocol notes refused with its reason.
 */
class SamlSpTest extends SsoTestBase {

    static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
    static final String ACS = BASE + "/saml/sp/acs";
    static final String SP = BASE + "/saml/sp";

    @Autowired
    SimulatedSamlIdp idp;

    /** Up to the simulated IdP's login form; answers its hidden fields. */
    private static Map<String, String> toIdp(Browser b, String ent) throws Exception {
        HttpResponse<String> r = b.get("/sso/login?ent=" + ent);
        r = b.get(Browser.location(b.get(Browser.location(r))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Map.of("requestId", field(r.body(), "requestId"), "acs", field(r.body(), "acs"), "sp", field(r.body(), "sp"));
    }

    private static String field(String html, String name) {
        return html.replaceAll("(?s).*name=\"" + name + "\" value=\"([^\"]*)\".*", "$1");
    }

    private HttpResponse<String> post(Browser b, String xml) throws Exception {
        return b.follow(b.post("/saml/sp/acs", Map.of("SAMLResponse",
                Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8)))));
    }

    private HttpResponse<String> loginThrough(Browser b, String ent, String user) throws Exception {
        Map<String, String> form = toIdp(b, ent);
        HttpResponse<String> auto = b.post("/sandbox/ent/" + ent + "/saml/sso", Map.of("username", user,
                "password", "demo", "requestId", form.get("requestId"), "acs", form.get("acs"), "sp", form.get("sp")));
        String samlResponse = field(auto.body(), "SAMLResponse");
        return b.follow(b.post(field(auto.body().replace("action=", "name=\"action\" value="), "action"),
                Map.of("SAMLResponse", samlResponse)));
    }

    @Test
    void aWrongPasswordAtTheIdpShowsTheFormAgainWithItsRequest() throws Exception {
        Browser b = new Browser(BASE);
        Map<String, String> form = toIdp(b, "ent77");
        HttpResponse<String> page = b.post("/sandbox/ent/ent77/saml/sso", Map.of("username", "2000001",
                "password", "faux", "requestId", form.get("requestId"), "acs", form.get("acs"), "sp", form.get("sp")));
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.body()).contains("Identifiant ou mot de passe incorrect.")
                .doesNotContain("SAMLResponse");
        assertThat(field(page.body(), "requestId")).isEqualTo(form.get("requestId"));
    }

    /** Every SAML identity source of connectors/ (read from the catalogue, see EntCatalogue). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("fr.relais.sso.EntCatalogue#saml")
    void everySamlSourceLogsAKnownPupilIn(String ent) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> portal = loginThrough(b, ent, "2000001");
        assertThat(portal.statusCode()).as(portal.body()).isEqualTo(200);
        assertThat(portal.body()).contains("Mes applications").doesNotContain("pas encore rattaché");
        assertThat(jdbc.queryForObject("SELECT person_id FROM sso_account WHERE source_connector = ? AND subject = ?",
                String.class, ent, "sujet-" + ent + "-2000001")).isEqualTo("2000001");
        assertThat(b.follow(b.get(TOOL)).body()).contains("Connecté : 2000001").contains("<th>categories</th><td>National_1</td>");
        // only the sources serving the pupil's school (Rhône) open its resources: ÉduConnect (national) and the
        // académie's guichet; the other ENTs are of other territories
        if (EntCatalogue.servesRhone(ent)) {
            assertGarPupil(launchPublisher(b).orElseThrow());
        } else {
            assertThat(launchPublisher(b)).isEmpty();
        }
    }

    @Test
    void spMetadataNamesTheAcs() throws Exception {
        assertThat(new Browser(BASE).get("/saml/sp/metadata").body()).contains("entityID=\"" + SP + "\"")
                .contains("Location=\"" + ACS + "\"");
    }

    /** What an IdP that imported Relais' metadata checks: the redirect's signature, with the signing key published. */
    @Test
    void authnRequestsAreSignedWithTheKeyInTheSpMetadata() throws Exception {
        String metadata = new Browser(BASE).get("/saml/sp/metadata").body();
        assertThat(metadata).contains("AuthnRequestsSigned=\"true\"");
        java.security.cert.X509Certificate signing = (java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(
                        Base64.getMimeDecoder().decode(metadata.replaceAll(
                                "(?s).*<md:KeyDescriptor use=\"signing\">.*?<ds:X509Certificate>([^<]+)<.*", "$1"))));

        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/sso/login?ent=ent77");
        String toIdp = Browser.location(b.get(Browser.location(r)));
        assertThat(toIdp).startsWith(BASE + "/sandbox/ent/ent77/saml/sso?SAMLRequest=");
        String query = java.net.URI.create(toIdp).getRawQuery();
        assertThat(query).matches("SAMLRequest=[^&]+&SigAlg=http%3A%2F%2Fwww\\.w3\\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
                + "&Signature=[^&]+");
        String signedOctets = query.substring(0, query.indexOf("&Signature="));
        byte[] signature = Base64.getDecoder().decode(java.net.URLDecoder.decode(
                query.substring(query.indexOf("&Signature=") + 11), StandardCharsets.UTF_8));
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initVerify(signing.getPublicKey());
        rsa.update(signedOctets.getBytes(StandardCharsets.UTF_8));
        assertThat(rsa.verify(signature)).isTrue();
    }

    // ---- forged responses: each refused with its reason, no session cookie ----

    private String legit(Browser b, String ent) throws Exception {
        return idp.response(ent, "2000002", toIdp(b, ent).get("requestId"), ACS, SP);
    }

    private void refused(Browser b, String xml, String reason) throws Exception {
        HttpResponse<String> r = post(b, xml);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.body().replace("&#39;", "'")).contains("Connexion refusée").contains(reason);
        assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("RELAIS_TGC="));
    }

    static Document dom(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static String xml(Node node) throws Exception {
        StringWriter w = new StringWriter();
        var t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty("omit-xml-declaration", "yes");
        t.transform(new DOMSource(node), new StreamResult(w));
        return w.toString();
    }

    static Element assertion(Document d) {
        return (Element) d.getElementsByTagNameNS(SAML, "Assertion").item(0);
    }

    /** An unsigned copy of the signed assertion, claiming to be another pupil. */
    static Element evil(Document d, String id) {
        Element copy = (Element) assertion(d).cloneNode(true);
        copy.setAttribute("ID", id);
        Node signature = copy.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0);
        copy.removeChild(signature);
        copy.getElementsByTagNameNS(SAML, "NameID").item(0).setTextContent("sujet-pirate");
        return copy;
    }

    @Test
    void unsignedResponseIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        Element a = assertion(d);
        a.removeChild(a.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0));
        refused(b, xml(d), "ni la réponse ni l'assertion ne sont signées");
    }

    @Test
    void signatureByAnotherKeyIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Response response = (Response) OpenSaml.parse(legit(b, "ent77").getBytes(StandardCharsets.UTF_8));
        Assertion a = withoutSignature(response);
        OpenSaml.sign(a, SigningKeys.generate("imposteur"));
        response.releaseDOM();
        refused(b, OpenSaml.toXml(response), "signature invalide ou faite par une clé que l'ENT ne publie pas");
    }

    @Test
    void sha1SignatureIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Response response = (Response) OpenSaml.parse(legit(b, "ent77").getBytes(StandardCharsets.UTF_8));
        Assertion a = withoutSignature(response);
        fr.relais.sandbox.SandboxSaml.Keys keys = idp.keys("ent77");
        Signature signature = OpenSaml.build(Signature.DEFAULT_ELEMENT_NAME);
        signature.setSigningCredential(new BasicX509Credential(keys.certificate(), keys.privateKey()));
        signature.setSignatureAlgorithm(SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA1);
        signature.setCanonicalizationAlgorithm(SignatureConstants.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
        a.setSignature(signature);
        OpenSaml.marshall(a);
        Signer.signObject(signature);
        response.releaseDOM();
        refused(b, OpenSaml.toXml(response), "algorithme de signature refusé");
    }

    @Test
    void xswExtraAssertionBeforeTheSignedOne() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        assertion(d).getParentNode().insertBefore(evil(d, "_pirate1"), assertion(d));
        refused(b, xml(d), "exactement une assertion attendue, 2 reçues");
    }

    @Test
    void xswExtraAssertionAfterTheSignedOne() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        assertion(d).getParentNode().appendChild(evil(d, "_pirate2"));
        refused(b, xml(d), "exactement une assertion attendue, 2 reçues");
    }

    @Test
    void xswDuplicatedIdIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        Element signed = assertion(d);
        hideInAdvice(d, signed, evil(d, signed.getAttribute("ID")));
        refused(b, xml(d), "présent deux fois");
    }

    @Test
    void xswSignedAssertionInsideAnUnsignedOneIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        Element signed = assertion(d);
        hideInAdvice(d, signed, evil(d, "_pirate3"));
        refused(b, xml(d), "ni la réponse ni l'assertion ne sont signées");
    }

    @Test
    void xswSignedAssertionMovedIntoExtensionsIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        Element signed = assertion(d);
        Element response = d.getDocumentElement();
        Element extensions = d.createElementNS("urn:oasis:names:tc:SAML:2.0:protocol", "saml2p:Extensions");
        response.insertBefore(extensions, response.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:protocol",
                "Status").item(0));
        Element pirate = evil(d, "_pirate4");
        signed.getParentNode().replaceChild(pirate, signed);
        extensions.appendChild(signed);
        refused(b, xml(d), "ni la réponse ni l'assertion ne sont signées");
    }

    @Test
    void xswSignatureMovedOntoAnotherAssertionIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        Document d = dom(legit(b, "ent77"));
        Element signed = assertion(d);
        Element pirate = evil(d, "_pirate5");
        Node signature = signed.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0);
        signed.removeChild(signature);
        pirate.insertBefore(signature, pirate.getElementsByTagNameNS(SAML, "Subject").item(0));
        signed.getParentNode().replaceChild(pirate, signed);
        refused(b, xml(d), "signature hors profil SAML");
    }

    @Test
    void commentInjectedInNameIdDoesNotShortenTheSubject() throws Exception {
        Browser b = new Browser(BASE);
        String xml = legit(b, "ent77").replace("sujet-ent77-2000002", "sujet-ent77-20<!--x-->00002");
        HttpResponse<String> r = post(b, xml);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sso_account WHERE source_connector = 'ent77' AND subject = ?",
                Integer.class, "sujet-ent77-20")).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sso_account WHERE source_connector = 'ent77' AND subject = ?",
                Integer.class, "sujet-ent77-2000002")).isEqualTo(1);
    }

    @Test
    void wrongIssuerDestinationAudienceAndRecipient() throws Exception {
        Browser b = new Browser(BASE);
        refused(b, legit(b, "ent77").replaceFirst("(<saml2p:Response[^>]*>\\s*<saml2:Issuer[^>]*>)[^<]+", "$1https://evil.example/idp"),
                "Issuer 'https://evil.example/idp'");
        refused(b, legit(b, "ent77").replaceFirst("Destination=\"[^\"]+\"", "Destination=\"https://evil.example/acs\""),
                "Destination 'https://evil.example/acs'");
        refused(b, idp.response("ent77", "2000002", toIdp(b, "ent77").get("requestId"), ACS, "https://other-sp.example"),
                "n'est pas destinée à Relais");
        String wrongRecipient = idp.response("ent77", "2000002", toIdp(b, "ent77").get("requestId"), "https://evil.example/acs", SP)
                .replaceFirst("Destination=\"[^\"]+\"", "Destination=\"" + ACS + "\"");
        refused(b, wrongRecipient, "confirmation du sujet invalide");
    }

    @Test
    void expiredAndNotYetValidAssertionsAreRefused() throws Exception {
        Browser b = new Browser(BASE);
        refused(b, idp.response("ent77", "2000002", toIdp(b, "ent77").get("requestId"), ACS, SP,
                Instant.now().minusSeconds(3600)), "assertion expirée");
        refused(b, idp.response("ent77", "2000002", toIdp(b, "ent77").get("requestId"), ACS, SP,
                Instant.now().plusSeconds(3600)), "assertion pas encore valide");
    }

    @Test
    void unknownOrConsumedInResponseToIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        refused(b, idp.response("ent77", "2000002", "_jamais-envoye", ACS, SP), "InResponseTo '_jamais-envoye'");
        String once = legit(b, "ent77");
        assertThat(post(b, once).statusCode()).isEqualTo(200);
        refused(new Browser(BASE), once, "ne correspond à aucune demande");
    }

    @Test
    void doctypeEntitiesAndOversizedDocumentsAreRefused() throws Exception {
        Browser b = new Browser(BASE);
        refused(b, "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
                + "<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\">&b;</saml2p:Response>",
                "illisible ou interdit");
        refused(b, "<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\">" + "x".repeat(300_000)
                + "</saml2p:Response>", "trop volumineux");
    }

    @Test
    void encryptedAssertionsAreDecryptedWithRelaisKeyAndStillChecked() throws Exception {
        // toutatice and educonnect encrypt (relais.sandbox.encrypting-ents): their logins above went through it
        Browser b = new Browser(BASE);
        String encrypted = idp.response("ent77", "2000002", toIdp(b, "ent77").get("requestId"), ACS, SP, Instant.now(),
                idp.spEncryptionCertificate());
        assertThat(encrypted).contains("EncryptedAssertion").doesNotContain("sujet-ent77-2000002");
        assertThat(post(b, encrypted).statusCode()).isEqualTo(200);

        Browser other = new Browser(BASE);
        String forOtherKey = idp.response("ent77", "2000002", toIdp(other, "ent77").get("requestId"), ACS, SP,
                Instant.now(), SigningKeys.generate("pas Relais").certificate());
        refused(other, forOtherKey, "assertion chiffrée impossible à déchiffrer avec la clé de Relais");
    }

    @Test
    void aLogoutSignalledByTheSamlEntEndsTheSession() throws Exception {
        Browser b = new Browser(BASE);
        loginThrough(b, "moncollege-var", "2000003");
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")))).startsWith(TOOL);
        Browser ent = new Browser(BASE);
        assertThat(ent.post("/sandbox/ent/moncollege-var/saml/logout", Map.of("username", "2000003", "unsigned", "true")).body())
                .isEqualTo("400 demande de déconnexion non signée");
        assertThat(ent.post("/sandbox/ent/moncollege-var/saml/logout", Map.of("username", "2000003")).body())
                .isEqualTo("200 1 session(s) terminée(s)");
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"))))
                .contains("/sso/login?request=");
    }

    /** The signed assertion hidden in the pirate one's Advice, the pirate one in its place. */
    private static void hideInAdvice(Document d, Element signed, Element pirate) {
        Element advice = d.createElementNS(SAML, "saml2:Advice");
        pirate.insertBefore(advice, pirate.getElementsByTagNameNS(SAML, "Conditions").item(0).getNextSibling());
        signed.getParentNode().replaceChild(pirate, signed);
        advice.appendChild(signed);
    }

    /** The response's assertion with its signature removed, ready to be signed again by the test. */
    private static Assertion withoutSignature(Response response) {
        Assertion a = response.getAssertions().get(0);
        a.setSignature(null);
        a.releaseDOM();
        a.releaseChildrenDOM(true);
        return a;
    }
}
