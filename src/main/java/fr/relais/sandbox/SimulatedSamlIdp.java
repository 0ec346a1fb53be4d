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
 *
 * <p>Like a real IdP it keeps its own session (a cookie under its path): a second AuthnRequest in the same browser
 * is answered without the password, with the AuthnInstant of the session, unless it says {@code ForceAuthn}. Its
 * SingleLogoutService (HTTP-Redirect) checks the signature of Relais' LogoutRequest against the key of Relais' SP
 * metadata, ends the session and answers with a signed LogoutResponse; {@code GET /logout} is the user logging
 * out at the ENT, which sends a signed LogoutRequest through the browser to Relais. Tests make one ENT ignore
 * ForceAuthn ({@link #ignoreForceAuthn}) and age its sessions ({@link #backdate}).
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/ent/{ent}/saml")
public class SimulatedSamlIdp {

    private final String baseUrl;
    private final Map<String, SigningKeys> keys = new ConcurrentHashMap<>();

    private final java.util.Set<String> encrypting;

    /** The IdP's own session, behind its cookie. */
    private record Session(String ent, String user, Instant authnInstant, String sessionIndex) {
    }

    private static final String COOKIE = "SIM_SAML_SESSION";
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** ENTs that answer from their session even when ForceAuthn is asked (tests turn it on). */
    public final java.util.Set<String> ignoreForceAuthn = ConcurrentHashMap.newKeySet();
    /** Logout answers and requests received on the SingleLogoutService, newest last (tests read them). */
    public final List<String> logoutMessages = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Makes every open session of this ENT look authenticated {@code age} earlier (tests use it). */
    public void backdate(String ent, java.time.Duration age) {
        sessions.replaceAll((k, v) -> v.ent().equals(ent)
                ? new Session(v.ent(), v.user(), v.authnInstant().minus(age), v.sessionIndex()) : v);
    }

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
                        + "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + entityId(ent) + "/slo\"/>"
                        + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + entityId(ent) + "/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>");
    }

    @GetMapping("/sso")
    public String form(@PathVariable String ent, @RequestParam("SAMLRequest") String samlRequest,
                       @RequestParam(name = "RelayState", required = false) String relayState,
                       @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie,
                       Model model) throws OpenSaml.SamlException {
        XMLObject parsed = OpenSaml.parse(OpenSaml.inflate(samlRequest));
        AuthnRequest request = (AuthnRequest) parsed;
        Session session = cookie == null ? null : sessions.get(cookie);
        boolean forced = Boolean.TRUE.equals(request.isForceAuthn()) && !ignoreForceAuthn.contains(ent);
        if (session != null && session.ent().equals(ent) && !forced) {
            return post(model, ent, session, request.getID(), request.getAssertionConsumerServiceURL(),
                    request.getIssuer().getValue(), relayState);
        }
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
        String cookie = "_s" + java.util.UUID.randomUUID().toString().replace("-", "");
        Session session = new Session(ent, username, Instant.now(), "_i" + java.util.UUID.randomUUID().toString().replace("-", ""));
        sessions.put(cookie, session);
        http.addHeader("Set-Cookie", COOKIE + "=" + cookie + "; Path=/sandbox/ent/" + ent + "/saml; HttpOnly");
        return post(model, ent, session, requestId, acs, sp, relayState);
    }

    private String post(Model model, String ent, Session session, String requestId, String acs, String sp,
                        String relayState) {
        model.addAttribute("action", acs);
        model.addAttribute("samlResponse", OpenSaml.base64(response(ent, session.user(), requestId, acs, sp, Instant.now(),
                encrypting.contains(ent) ? spEncryptionCertificate() : null, session.authnInstant(), session.sessionIndex())));
        model.addAttribute("relayState", relayState);
        model.addAttribute("publisher", "Relais");
        return "saml-post";
    }

    /**
     * The SingleLogoutService, HTTP-Redirect: Relais' LogoutRequest (signature checked against Relais' SP
     * metadata; the session of its NameID and SessionIndex ends, a signed LogoutResponse goes back), or Relais'
     * LogoutResponse to a logout started here.
     */
    @GetMapping("/slo")
    public ResponseEntity<String> slo(@PathVariable String ent, jakarta.servlet.http.HttpServletRequest http,
            @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie)
            throws Exception {
        Map<String, String> raw = new LinkedHashMap<>();
        for (String pair : http.getQueryString() == null ? new String[0] : http.getQueryString().split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                raw.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        String kind = raw.containsKey("SAMLRequest") ? "SAMLRequest" : "SAMLResponse";
        if (!raw.containsKey(kind) || !raw.containsKey("Signature") || !raw.containsKey("SigAlg")) {
            return html(400, "Demande de déconnexion refusée : message non signé.");
        }
        String signed = kind + "=" + raw.get(kind) + (raw.containsKey("RelayState") ? "&RelayState=" + raw.get("RelayState") : "")
                + "&SigAlg=" + raw.get("SigAlg");
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initVerify(spCertificate());
        rsa.update(signed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256".equals(decode(raw.get("SigAlg")))
                || !rsa.verify(Base64.getMimeDecoder().decode(decode(raw.get("Signature"))))) {
            return html(400, "Demande de déconnexion refusée : signature invalide.");
        }
        XMLObject message = OpenSaml.parse(OpenSaml.inflate(decode(raw.get(kind))));
        logoutMessages.add(OpenSaml.toXml(message));
        if (!(message instanceof org.opensaml.saml.saml2.core.LogoutRequest request)) {
            return html(200, "Vous êtes déconnecté de l'ENT simulé " + ent + " et de Relais.");
        }
        String user = request.getNameID().getValue().replaceFirst("^sujet-" + java.util.regex.Pattern.quote(ent) + "-", "");
        java.util.Set<String> indexes = new java.util.HashSet<>();
        request.getSessionIndexes().forEach(i -> indexes.add(i.getValue()));
        sessions.values().removeIf(s -> s.ent().equals(ent) && s.user().equals(user)
                && (indexes.isEmpty() || indexes.contains(s.sessionIndex())));
        org.opensaml.saml.saml2.core.LogoutResponse answer = OpenSaml.build(
                org.opensaml.saml.saml2.core.LogoutResponse.DEFAULT_ELEMENT_NAME);
        answer.setID("_r" + Long.toHexString(System.nanoTime()));
        answer.setVersion(SAMLVersion.VERSION_20);
        answer.setIssueInstant(Instant.now());
        answer.setInResponseTo(request.getID());
        answer.setDestination(spSloUrl());
        answer.setIssuer(SamlResponses.issuer(entityId(ent)));
        org.opensaml.saml.saml2.core.Status status = OpenSaml.build(org.opensaml.saml.saml2.core.Status.DEFAULT_ELEMENT_NAME);
        org.opensaml.saml.saml2.core.StatusCode code = OpenSaml.build(org.opensaml.saml.saml2.core.StatusCode.DEFAULT_ELEMENT_NAME);
        code.setValue(org.opensaml.saml.saml2.core.StatusCode.SUCCESS);
        status.setStatusCode(code);
        answer.setStatus(status);
        return ResponseEntity.status(302).header("Location", redirect(ent, spSloUrl(), "SAMLResponse",
                OpenSaml.toXml(answer), raw.containsKey("RelayState") ? decode(raw.get("RelayState")) : null))
                .header("Set-Cookie", COOKIE + "=; Path=/sandbox/ent/" + ent + "/saml; Max-Age=0").build();
    }

    /** The user logs out at the ENT, in the browser: its session ends and a signed LogoutRequest goes to Relais. */
    @GetMapping("/logout")
    public ResponseEntity<String> browserLogout(@PathVariable String ent,
            @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie) {
        Session session = cookie == null ? null : sessions.remove(cookie);
        if (session == null) {
            return html(200, "Aucune session ouverte sur l'ENT simulé " + ent + ".");
        }
        org.opensaml.saml.saml2.core.LogoutRequest request = OpenSaml.build(org.opensaml.saml.saml2.core.LogoutRequest.DEFAULT_ELEMENT_NAME);
        request.setID("_l" + Long.toHexString(System.nanoTime()));
        request.setVersion(SAMLVersion.VERSION_20);
        request.setIssueInstant(Instant.now());
        request.setDestination(spSloUrl());
        request.setIssuer(SamlResponses.issuer(entityId(ent)));
        NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        name.setFormat(NameID.PERSISTENT);
        name.setValue("sujet-" + ent + "-" + session.user());
        request.setNameID(name);
        org.opensaml.saml.saml2.core.SessionIndex index = OpenSaml.build(org.opensaml.saml.saml2.core.SessionIndex.DEFAULT_ELEMENT_NAME);
        index.setValue(session.sessionIndex());
        request.getSessionIndexes().add(index);
        return ResponseEntity.status(302).header("Location", redirect(ent, spSloUrl(), "SAMLRequest",
                OpenSaml.toXml(request), null))
                .header("Set-Cookie", COOKIE + "=; Path=/sandbox/ent/" + ent + "/saml; Max-Age=0").build();
    }

    /** HTTP-Redirect binding: deflated, base64, and the query signed with RSA-SHA256 by this ENT's key. */
    private String redirect(String ent, String endpoint, String kind, String xml, String relayState) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (var d = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(
                    java.util.zip.Deflater.DEFLATED, true))) {
                d.write(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String query = kind + "=" + encode(Base64.getEncoder().encodeToString(out.toByteArray()))
                    + (relayState == null ? "" : "&RelayState=" + encode(relayState))
                    + "&SigAlg=" + encode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
            java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
            rsa.initSign(keys(ent).privateKey());
            rsa.update(query.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return endpoint + "?" + query + "&Signature=" + encode(Base64.getEncoder().encodeToString(rsa.sign()));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static ResponseEntity<String> html(int status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.TEXT_HTML).body("<!DOCTYPE html><html lang=\"fr\">"
                + "<body><h1>ENT simulé</h1><p>" + message + "</p></body></html>");
    }

    /** Relais' SP metadata, over HTTP as a real IdP reads it. */
    private String spMetadata() {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(baseUrl + "/saml/sp/metadata")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("SP metadata of Relais unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String spSloUrl() {
        String md = spMetadata();
        if (!md.contains("<md:SingleLogoutService ")) {
            throw new IllegalStateException("les métadonnées SP de Relais ne publient pas de SingleLogoutService");
        }
        return md.replaceAll("(?s).*<md:SingleLogoutService [^>]*Location=\"([^\"]+)\".*", "$1");
    }

    /** The certificate of Relais' SP metadata (it signs its logout requests with the key it publishes). */
    private java.security.cert.X509Certificate spCertificate() throws java.security.cert.CertificateException {
        String b64 = spMetadata().replaceAll("(?s).*?<ds:X509Certificate>([^<]+)</ds:X509Certificate>.*", "$1");
        return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(Base64.getMimeDecoder().decode(b64)));
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
        return response(ent, user, inResponseTo, acs, audience, now, encryptFor, now, null);
    }

    /**
     * @param authnInstant when this IdP checked the password (its session's, for an answer from the session)
     * @param sessionIndex its session's index, named again by its logout
     */
    public String response(String ent, String user, String inResponseTo, String acs, String audience, Instant now,
                           java.security.cert.X509Certificate encryptFor, Instant authnInstant, String sessionIndex) {
        NameID nameId = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        nameId.setFormat(NameID.PERSISTENT);
        nameId.setValue("sujet-" + ent + "-" + user);
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        attributes.put("ENTPersonJointure", List.of(user));
        attributes.put("FrEduCtRefId", List.of("{AAF}0690000|DEMO|" + user));
        Assertion assertion = SamlResponses.bearerAssertion(entityId(ent), nameId, audience, acs, inResponseTo,
                now, now.minusSeconds(5), now.plusSeconds(300), attributes);
        assertion.getAuthnStatements().get(0).setAuthnInstant(authnInstant);
        assertion.getAuthnStatements().get(0).setSessionIndex(sessionIndex);
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
