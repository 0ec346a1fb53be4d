package fr.relais.sandbox;

import java.security.cert.CertificateEncodingException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpServletResponse;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.saml.common.SAMLVersion;
import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.AuthnRequest;
import org.opensaml.saml.saml2.core.NameID;
import org.opensaml.saml.saml2.core.Response;
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

import fr.relais.sso.saml.OpenSaml;
import fr.relais.sso.saml.SamlResponses;
import fr.relais.sso.saml.SigningKeys;

/**
 * A simulated identity source of the SAML family (NEO/Edifice ENTs, Shibboleth IdPs, ÉduConnect), for the
 * demo and the tests: metadata with its own signing key, an SSO endpoint taking HTTP-Redirect AuthnRequests,
 * and Responses whose assertion is signed with RSA-SHA256, posted back to the requester. Accounts: any AAF
 * jointure with the password {@code demo}; it asserts {@code ENTPersonJointure} and ÉduConnect's
 * {@code FrEduCtRefId}.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/ent/{ent}/saml")
public class SimulatedSamlIdp {

    private final String baseUrl;
    private final Map<String, SigningKeys> keys = new ConcurrentHashMap<>();

    private final java.util.Set<String> encrypting;

    public SimulatedSamlIdp(@Value("${relais.sso.base-url}") String baseUrl,
                            @Value("${relais.sandbox.encrypting-ents:toutatice,educonnect}") java.util.Set<String> encrypting) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.encrypting = encrypting;
    }

    /** Relais' encryption certificate, from its SP metadata over HTTP, as a real IdP would take it. */
    public java.security.cert.X509Certificate spEncryptionCertificate() {
        try {
            String md = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(baseUrl + "/saml/sp/metadata")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            String b64 = md.replaceAll("(?s).*use=\"encryption\">.*?<ds:X509Certificate>([^<]+)</ds:X509Certificate>.*", "$1");
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(Base64.getMimeDecoder().decode(b64)));
        } catch (Exception e) {
            throw new IllegalStateException("SP metadata of Relais unreadable: " + e.getMessage(), e);
        }
    }

    public String entityId(String ent) {
        return baseUrl + "/sandbox/ent/" + ent + "/saml";
    }

    /** The simulator's key for one ENT (tests use it to forge documents the ENT could have sent). */
    public SigningKeys keys(String ent) {
        return keys.computeIfAbsent(ent, e -> SigningKeys.generate("ENT simulé " + e));
    }

    @GetMapping("/metadata")
    public ResponseEntity<String> metadata(@PathVariable String ent) throws CertificateEncodingException {
        String cert = Base64.getEncoder().encodeToString(keys(ent).certificate().getEncoded());
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body(
                "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                        + "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + entityId(ent) + "\">"
                        + "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                        + "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + cert
                        + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
                        + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + entityId(ent) + "/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>");
    }

    @GetMapping("/sso")
    public String form(@PathVariable String ent, @RequestParam("SAMLRequest") String samlRequest,
                       @RequestParam(name = "RelayState", required = false) String relayState, Model model)
            throws OpenSaml.SamlException {
        XMLObject parsed = OpenSaml.parse(OpenSaml.inflate(samlRequest));
        AuthnRequest request = (AuthnRequest) parsed;
        return page(model, ent, request.getID(), request.getAssertionConsumerServiceURL(), request.getIssuer().getValue(),
                relayState, null);
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
        model.addAttribute("samlResponse", OpenSaml.base64(response(ent, username, requestId, acs, sp, Instant.now(),
                encrypting.contains(ent) ? spEncryptionCertificate() : null)));
        model.addAttribute("relayState", relayState);
        model.addAttribute("publisher", "Relais");
        return "saml-post";
    }

    /** The user logs out of this ENT: it POSTs a signed LogoutRequest to Relais ({@code unsigned} forges one without). */
    @PostMapping("/logout")
    @org.springframework.web.bind.annotation.ResponseBody
    public String logout(@PathVariable String ent, @RequestParam String username,
                         @RequestParam(defaultValue = "false") boolean unsigned) throws Exception {
        org.opensaml.saml.saml2.core.LogoutRequest request = OpenSaml.build(org.opensaml.saml.saml2.core.LogoutRequest.DEFAULT_ELEMENT_NAME);
        request.setID("_l" + Long.toHexString(System.nanoTime()));
        request.setVersion(SAMLVersion.VERSION_20);
        request.setIssueInstant(Instant.now());
        request.setDestination(baseUrl + "/saml/sp/slo");
        request.setIssuer(SamlResponses.issuer(entityId(ent)));
        NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        name.setFormat(NameID.PERSISTENT);
        name.setValue("sujet-" + ent + "-" + username);
        request.setNameID(name);
        if (!unsigned) {
            OpenSaml.sign(request, keys(ent));
        }
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(baseUrl + "/saml/sp/slo")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("SAMLRequest=" + java.net.URLEncoder.encode(
                        OpenSaml.base64(OpenSaml.toXml(request)), java.nio.charset.StandardCharsets.UTF_8))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
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
                           java.security.cert.X509Certificate encryptFor) {
        NameID nameId = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        nameId.setFormat(NameID.PERSISTENT);
        nameId.setValue("sujet-" + ent + "-" + user);
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        attributes.put("ENTPersonJointure", List.of(user));
        attributes.put("FrEduCtRefId", List.of("{AAF}0690000|DEMO|" + user));
        Assertion assertion = SamlResponses.bearerAssertion(entityId(ent), nameId, audience, acs, inResponseTo,
                now, now.minusSeconds(5), now.plusSeconds(300), attributes);
        OpenSaml.sign(assertion, keys(ent));

        Response response = SamlResponses.successResponse(entityId(ent), acs, inResponseTo, now);
        if (encryptFor == null) {
            response.getAssertions().add(assertion);
        } else {
            org.opensaml.xmlsec.encryption.support.DataEncryptionParameters content =
                    new org.opensaml.xmlsec.encryption.support.DataEncryptionParameters();
            content.setAlgorithm(org.opensaml.xmlsec.encryption.support.EncryptionConstants.ALGO_ID_BLOCKCIPHER_AES256_GCM);
            org.opensaml.xmlsec.encryption.support.KeyEncryptionParameters key =
                    new org.opensaml.xmlsec.encryption.support.KeyEncryptionParameters();
            key.setEncryptionCredential(new org.opensaml.security.x509.BasicX509Credential(encryptFor));
            key.setAlgorithm(org.opensaml.xmlsec.encryption.support.EncryptionConstants.ALGO_ID_KEYTRANSPORT_RSAOAEP);
            org.opensaml.saml.saml2.encryption.Encrypter encrypter = new org.opensaml.saml.saml2.encryption.Encrypter(content, key);
            encrypter.setKeyPlacement(org.opensaml.saml.saml2.encryption.Encrypter.KeyPlacement.INLINE);
            try {
                response.getEncryptedAssertions().add(encrypter.encrypt(assertion));
            } catch (org.opensaml.xmlsec.encryption.support.EncryptionException e) {
                throw new IllegalStateException(e);
            }
        }
        return OpenSaml.toXml(response);
    }
}
