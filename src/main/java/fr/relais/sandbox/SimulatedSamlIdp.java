package fr.relais.sandbox;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A simulated identity source of the SAML family (NEO/Edifice ENTs, Shibboleth IdPs, ÉduConnect), for the
 * demo and the tests: metadata with its own signing key, an SSO endpoint taking HTTP-Redirect AuthnRequests,
 * and Responses whose assertion is signed with RSA-SHA256, posted back to the requester; the ENTs listed in
 * {@code relais.sandbox.encrypting-ents} also encrypt it for Relais' published encryption key. Accounts: any
 * AAF jointure with the password {@code demo}; it asserts {@code ENTPersonJointure} and ÉduConnect's
 * {@code FrEduCtRefId}. Everything SAML here goes through {@link SandboxSaml}, never through Relais' code.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/ent/{ent}/saml")
public class SimulatedSamlIdp {

    private static final String PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

    private final String baseUrl;
    private final Map<String, SandboxSaml.Keys> keys = new ConcurrentHashMap<>();
    private final Set<String> encrypting;
    private final HttpClient http = HttpClient.newHttpClient();

    public SimulatedSamlIdp(@Value("${relais.sso.base-url}") String baseUrl,
                            @Value("${relais.sandbox.encrypting-ents:toutatice,educonnect}") Set<String> encrypting) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.encrypting = encrypting;
    }

    /** Relais' encryption certificate, from its SP metadata over HTTP, as a real IdP would take it. */
    public X509Certificate spEncryptionCertificate() {
        try {
            return SandboxSaml.certificateFromMetadata(http.send(HttpRequest.newBuilder(
                    URI.create(baseUrl + "/saml/sp/metadata")).build(), HttpResponse.BodyHandlers.ofString()).body(),
                    "encryption");
        } catch (Exception e) {
            throw new IllegalStateException("métadonnées SP de Relais illisibles : " + e.getMessage(), e);
        }
    }

    public String entityId(String ent) {
        return baseUrl + "/sandbox/ent/" + ent + "/saml";
    }

    /** The simulator's key for one ENT (tests use it to forge documents the ENT could have sent). */
    public SandboxSaml.Keys keys(String ent) {
        return keys.computeIfAbsent(ent, e -> SandboxSaml.Keys.generate("ENT simule " + e));
    }

    @GetMapping("/metadata")
    public ResponseEntity<String> metadata(@PathVariable String ent) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body(
                "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                        + "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + SandboxSaml.escape(entityId(ent)) + "\">"
                        + "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                        + "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
                        + keys(ent).certificateBase64()
                        + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
                        + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + SandboxSaml.escape(entityId(ent)) + "/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>");
    }

    @GetMapping("/sso")
    public String form(@PathVariable String ent, @RequestParam("SAMLRequest") String samlRequest,
                       @RequestParam(name = "RelayState", required = false) String relayState, Model model) {
        Element request = SandboxSaml.parse(SandboxSaml.inflate(samlRequest)).getDocumentElement();
        if (!SandboxSaml.PROTOCOL_NS.equals(request.getNamespaceURI()) || !"AuthnRequest".equals(request.getLocalName())) {
            throw new IllegalArgumentException("une AuthnRequest était attendue, reçu " + request.getLocalName());
        }
        Element issuer = SandboxSaml.child(request, SandboxSaml.ASSERTION_NS, "Issuer");
        return page(model, ent, request.getAttribute("ID"), request.getAttribute("AssertionConsumerServiceURL"),
                issuer == null ? "" : issuer.getTextContent().trim(), relayState, null);
    }

    private static String page(Model model, String ent, String requestId, String acs, String sp, String relayState,
                               String error) {
        return SandboxLoginPage.show(model, ent, "Fournisseur d'identité SAML 2.0", "/sandbox/ent/" + ent + "/saml/sso",
                SandboxLoginPage.fields("requestId", requestId, "acs", acs, "sp", sp, "relayState", relayState), error,
                false);
    }

    @PostMapping("/sso")
    public String login(@PathVariable String ent, @RequestParam String username, @RequestParam String password,
                        @RequestParam String requestId, @RequestParam String acs, @RequestParam String sp,
                        @RequestParam(required = false) String relayState, Model model, HttpServletResponse http) {
        if (!username.matches("\\d{1,12}") || !SimulatedCasEnt.PASSWORD.equals(password)) {
            http.setStatus(401);
            return page(model, ent, requestId, acs, sp, relayState, "Identifiant ou mot de passe incorrect.");
        }
        model.addAttribute("action", acs);
        model.addAttribute("samlResponse", SandboxSaml.base64(response(ent, username, requestId, acs, sp, Instant.now(),
                encrypting.contains(ent) ? spEncryptionCertificate() : null)));
        model.addAttribute("relayState", relayState);
        model.addAttribute("publisher", "Relais");
        return "saml-post";
    }

    /** The user logs out of this ENT: it POSTs a signed LogoutRequest to Relais ({@code unsigned} forges one without). */
    @PostMapping("/logout")
    @ResponseBody
    public String logout(@PathVariable String ent, @RequestParam String username,
                         @RequestParam(defaultValue = "false") boolean unsigned) throws Exception {
        String slo = baseUrl + "/saml/sp/slo";
        Document request = SandboxSaml.parse("<saml2p:LogoutRequest xmlns:saml2p=\"" + SandboxSaml.PROTOCOL_NS
                + "\" xmlns:saml2=\"" + SandboxSaml.ASSERTION_NS + "\" ID=\"" + SandboxSaml.newId()
                + "\" Version=\"2.0\" IssueInstant=\"" + SandboxSaml.instant(Instant.now()) + "\" Destination=\""
                + SandboxSaml.escape(slo) + "\"><saml2:Issuer>" + SandboxSaml.escape(entityId(ent)) + "</saml2:Issuer>"
                + "<saml2:NameID Format=\"" + PERSISTENT + "\">" + SandboxSaml.escape(subject(ent, username))
                + "</saml2:NameID></saml2p:LogoutRequest>");
        if (!unsigned) {
            SandboxSaml.sign(request.getDocumentElement(), keys(ent));
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(slo))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("SAMLRequest=" + URLEncoder.encode(
                        SandboxSaml.base64(SandboxSaml.toXml(request)), StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static String subject(String ent, String user) {
        return "sujet-" + ent + "-" + user;
    }

    /** A Response as this ENT sends it: one assertion, signed. */
    public String response(String ent, String user, String inResponseTo, String acs, String audience) {
        return response(ent, user, inResponseTo, acs, audience, Instant.now());
    }

    /** The same, issued at another instant (tests forge expired or future assertions with it). */
    public String response(String ent, String user, String inResponseTo, String acs, String audience, Instant now) {
        return response(ent, user, inResponseTo, acs, audience, now, null);
    }

    /** @param encryptFor when not null, the assertion is encrypted for this certificate (RSA-OAEP + AES-256-GCM) */
    public String response(String ent, String user, String inResponseTo, String acs, String audience, Instant now,
                           X509Certificate encryptFor) {
        String issuer = "<saml2:Issuer>" + SandboxSaml.escape(entityId(ent)) + "</saml2:Issuer>";
        String inResponse = inResponseTo == null ? "" : " InResponseTo=\"" + SandboxSaml.escape(inResponseTo) + "\"";
        String until = SandboxSaml.instant(now.plusSeconds(300));
        // the assertion declares every namespace it uses, so that it stands alone once encrypted
        String assertion = "<saml2:Assertion xmlns:saml2=\"" + SandboxSaml.ASSERTION_NS + "\" "
                + "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                + "ID=\"" + SandboxSaml.newId() + "\" Version=\"2.0\" IssueInstant=\"" + SandboxSaml.instant(now) + "\">"
                + issuer
                + "<saml2:Subject><saml2:NameID Format=\"" + PERSISTENT + "\">" + SandboxSaml.escape(subject(ent, user))
                + "</saml2:NameID><saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
                + "<saml2:SubjectConfirmationData" + inResponse + " NotOnOrAfter=\"" + until + "\" Recipient=\""
                + SandboxSaml.escape(acs) + "\"/></saml2:SubjectConfirmation></saml2:Subject>"
                + "<saml2:Conditions NotBefore=\"" + SandboxSaml.instant(now.minusSeconds(5)) + "\" NotOnOrAfter=\""
                + until + "\"><saml2:AudienceRestriction><saml2:Audience>" + SandboxSaml.escape(audience)
                + "</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>"
                + "<saml2:AuthnStatement AuthnInstant=\"" + SandboxSaml.instant(now) + "\"><saml2:AuthnContext>"
                + "<saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
                + "</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>"
                + "<saml2:AttributeStatement>" + attribute("ENTPersonJointure", user)
                + attribute("FrEduCtRefId", "{AAF}0690000|DEMO|" + user) + "</saml2:AttributeStatement>"
                + "</saml2:Assertion>";
        Document response = SandboxSaml.parse("<saml2p:Response xmlns:saml2p=\"" + SandboxSaml.PROTOCOL_NS
                + "\" xmlns:saml2=\"" + SandboxSaml.ASSERTION_NS + "\" ID=\"" + SandboxSaml.newId()
                + "\" Version=\"2.0\" IssueInstant=\"" + SandboxSaml.instant(now) + "\" Destination=\""
                + SandboxSaml.escape(acs) + "\"" + inResponse + ">" + issuer
                + "<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>"
                + "</saml2p:Status>" + assertion + "</saml2p:Response>");
        Element signed = SandboxSaml.child(response.getDocumentElement(), SandboxSaml.ASSERTION_NS, "Assertion");
        SandboxSaml.sign(signed, keys(ent));
        if (encryptFor != null) {
            SandboxSaml.encrypt(signed, encryptFor);
        }
        return SandboxSaml.toXml(response);
    }

    private static String attribute(String name, String value) {
        return "<saml2:Attribute Name=\"" + name + "\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\">"
                + "<saml2:AttributeValue xsi:type=\"xs:string\">" + SandboxSaml.escape(value)
                + "</saml2:AttributeValue></saml2:Attribute>";
    }
}
