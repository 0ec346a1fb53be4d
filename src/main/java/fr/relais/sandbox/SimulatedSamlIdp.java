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

    private static final String PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

    private final String baseUrl;
    private final Map<String, SandboxSaml.Keys> keys = new ConcurrentHashMap<>();
    private final Set<String> encrypting;
    private final HttpClient http = HttpClient.newHttpClient();

    /** The IdP's own session, behind its cookie. */
    private record Session(String ent, String user, Instant authnInstant, String sessionIndex) {
    }

    private static final String COOKIE = "SIM_SAML_SESSION";
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** ENTs that answer from their session even when ForceAuthn is asked (tests turn it on). */
    public final Set<String> ignoreForceAuthn = ConcurrentHashMap.newKeySet();
    /** Logout answers and requests received on the SingleLogoutService, newest last (tests read them). */
    public final java.util.List<String> logoutMessages = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Makes every open session of this ENT look authenticated {@code age} earlier (tests use it). */
    public void backdate(String ent, java.time.Duration age) {
        sessions.replaceAll((k, v) -> v.ent().equals(ent)
                ? new Session(v.ent(), v.user(), v.authnInstant().minus(age), v.sessionIndex()) : v);
    }

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
                        + "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + SandboxSaml.escape(entityId(ent)) + "/slo\"/>"
                        + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                        + "Location=\"" + SandboxSaml.escape(entityId(ent)) + "/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>");
    }

    @GetMapping("/sso")
    public String form(@PathVariable String ent, @RequestParam("SAMLRequest") String samlRequest,
                       @RequestParam(name = "RelayState", required = false) String relayState,
                       @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie,
                       Model model) {
        Element request = SandboxSaml.parse(SandboxSaml.inflate(samlRequest)).getDocumentElement();
        if (!SandboxSaml.PROTOCOL_NS.equals(request.getNamespaceURI()) || !"AuthnRequest".equals(request.getLocalName())) {
            throw new IllegalArgumentException("une AuthnRequest était attendue, reçu " + request.getLocalName());
        }
        Element issuer = SandboxSaml.child(request, SandboxSaml.ASSERTION_NS, "Issuer");
        String sp = issuer == null ? "" : issuer.getTextContent().trim();
        String acs = request.getAttribute("AssertionConsumerServiceURL");
        Session session = cookie == null ? null : sessions.get(cookie);
        boolean forced = ("true".equals(request.getAttribute("ForceAuthn")) || "1".equals(request.getAttribute("ForceAuthn")))
                && !ignoreForceAuthn.contains(ent);
        if (session != null && session.ent().equals(ent) && !forced) {
            return post(model, ent, session, request.getAttribute("ID"), acs, sp, relayState);
        }
        return page(model, ent, request.getAttribute("ID"), acs, sp, relayState, null);
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
        String cookie = SandboxSaml.newId();
        Session session = new Session(ent, username, Instant.now(), SandboxSaml.newId());
        sessions.put(cookie, session);
        http.addHeader("Set-Cookie", COOKIE + "=" + cookie + "; Path=/sandbox/ent/" + ent + "/saml; HttpOnly");
        return post(model, ent, session, requestId, acs, sp, relayState);
    }

    private String post(Model model, String ent, Session session, String requestId, String acs, String sp,
                        String relayState) {
        model.addAttribute("action", acs);
        model.addAttribute("samlResponse", SandboxSaml.base64(response(ent, session.user(), requestId, acs, sp,
                Instant.now(), encrypting.contains(ent) ? spEncryptionCertificate() : null, session.authnInstant(),
                session.sessionIndex())));
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
    public ResponseEntity<String> slo(@PathVariable String ent, jakarta.servlet.http.HttpServletRequest request)
            throws Exception {
        Map<String, String> raw = new java.util.LinkedHashMap<>();
        for (String pair : request.getQueryString() == null ? new String[0] : request.getQueryString().split("&")) {
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
        // Relais signs its logout messages with the signing key of its SP metadata, read once for this message
        String metadata = spMetadata();
        rsa.initVerify(SandboxSaml.certificateFromMetadata(metadata, "signing"));
        rsa.update(signed.getBytes(StandardCharsets.UTF_8));
        if (!"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256".equals(decode(raw.get("SigAlg")))
                || !rsa.verify(java.util.Base64.getMimeDecoder().decode(decode(raw.get("Signature"))))) {
            return html(400, "Demande de déconnexion refusée : signature invalide.");
        }
        Element message = SandboxSaml.parse(SandboxSaml.inflate(decode(raw.get(kind)))).getDocumentElement();
        logoutMessages.add(SandboxSaml.toXml(message));
        if (!"LogoutRequest".equals(message.getLocalName())) {
            return html(200, "Vous êtes déconnecté de l'ENT simulé " + ent + " et de Relais.");
        }
        Element nameId = SandboxSaml.child(message, SandboxSaml.ASSERTION_NS, "NameID");
        String user = (nameId == null ? "" : nameId.getTextContent().trim())
                .replaceFirst("^sujet-" + java.util.regex.Pattern.quote(ent) + "-", "");
        Set<String> indexes = new java.util.HashSet<>();
        SandboxSaml.children(message, SandboxSaml.PROTOCOL_NS, "SessionIndex").forEach(i -> indexes.add(i.getTextContent().trim()));
        sessions.values().removeIf(s -> s.ent().equals(ent) && s.user().equals(user)
                && (indexes.isEmpty() || indexes.contains(s.sessionIndex())));
        String slo = spSloUrl(metadata);
        String answer = "<saml2p:LogoutResponse xmlns:saml2p=\"" + SandboxSaml.PROTOCOL_NS + "\" xmlns:saml2=\""
                + SandboxSaml.ASSERTION_NS + "\" ID=\"" + SandboxSaml.newId() + "\" Version=\"2.0\" IssueInstant=\""
                + SandboxSaml.instant(Instant.now()) + "\" Destination=\"" + SandboxSaml.escape(slo) + "\" InResponseTo=\""
                + SandboxSaml.escape(message.getAttribute("ID")) + "\"><saml2:Issuer>" + SandboxSaml.escape(entityId(ent))
                + "</saml2:Issuer><saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>"
                + "</saml2p:Status></saml2p:LogoutResponse>";
        return ResponseEntity.status(302).header("Location", redirect(ent, slo, "SAMLResponse", answer,
                raw.containsKey("RelayState") ? decode(raw.get("RelayState")) : null))
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
        String slo = spSloUrl(spMetadata());
        String request = "<saml2p:LogoutRequest xmlns:saml2p=\"" + SandboxSaml.PROTOCOL_NS + "\" xmlns:saml2=\""
                + SandboxSaml.ASSERTION_NS + "\" ID=\"" + SandboxSaml.newId() + "\" Version=\"2.0\" IssueInstant=\""
                + SandboxSaml.instant(Instant.now()) + "\" Destination=\"" + SandboxSaml.escape(slo) + "\"><saml2:Issuer>"
                + SandboxSaml.escape(entityId(ent)) + "</saml2:Issuer><saml2:NameID Format=\"" + PERSISTENT + "\">"
                + SandboxSaml.escape(subject(ent, session.user())) + "</saml2:NameID><saml2p:SessionIndex>"
                + SandboxSaml.escape(session.sessionIndex()) + "</saml2p:SessionIndex></saml2p:LogoutRequest>";
        return ResponseEntity.status(302).header("Location", redirect(ent, slo, "SAMLRequest", request, null))
                .header("Set-Cookie", COOKIE + "=; Path=/sandbox/ent/" + ent + "/saml; Max-Age=0").build();
    }

    /** HTTP-Redirect binding: deflated, base64, and the query signed with RSA-SHA256 by this ENT's key. */
    private String redirect(String ent, String endpoint, String kind, String xml, String relayState) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (var d = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(
                    java.util.zip.Deflater.DEFLATED, true))) {
                d.write(xml.getBytes(StandardCharsets.UTF_8));
            }
            String query = kind + "=" + encode(java.util.Base64.getEncoder().encodeToString(out.toByteArray()))
                    + (relayState == null ? "" : "&RelayState=" + encode(relayState))
                    + "&SigAlg=" + encode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
            java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
            rsa.initSign(keys(ent).privateKey());
            rsa.update(query.getBytes(StandardCharsets.UTF_8));
            return endpoint + "?" + query + "&Signature=" + encode(java.util.Base64.getEncoder().encodeToString(rsa.sign()));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static ResponseEntity<String> html(int status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.TEXT_HTML).body("<!DOCTYPE html><html lang=\"fr\">"
                + "<body><h1>ENT simulé</h1><p>" + message + "</p></body></html>");
    }

    /** Relais' SP metadata, over HTTP as a real IdP reads it. */
    private String spMetadata() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/saml/sp/metadata")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("métadonnées SP de Relais injoignables : " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String spSloUrl(String md) {
        if (!md.contains("<md:SingleLogoutService ")) {
            throw new IllegalStateException("les métadonnées SP de Relais ne publient pas de SingleLogoutService");
        }
        return md.replaceAll("(?s).*<md:SingleLogoutService [^>]*Location=\"([^\"]+)\".*", "$1");
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
        return response(ent, user, inResponseTo, acs, audience, now, encryptFor, now, null);
    }

    /**
     * @param authnInstant when this IdP checked the password (its session's, for an answer from the session)
     * @param sessionIndex its session's index, named again by its logout
     */
    public String response(String ent, String user, String inResponseTo, String acs, String audience, Instant now,
                           X509Certificate encryptFor, Instant authnInstant, String sessionIndex) {
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
                + "<saml2:AuthnStatement AuthnInstant=\"" + SandboxSaml.instant(authnInstant) + "\""
                + (sessionIndex == null ? "" : " SessionIndex=\"" + SandboxSaml.escape(sessionIndex) + "\"")
                + "><saml2:AuthnContext>"
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
