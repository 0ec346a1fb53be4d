package fr.relais.sandbox;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpServletResponse;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

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

/**
 * A simulated OpenID Connect provider (the Keycloak-based ENTs), for the demo and the tests: discovery, JWKS,
 * an authorization endpoint with a login form, and a token endpoint that checks the PKCE verifier and returns
 * an RS256-signed ID token. Accounts: any AAF jointure with the password {@code demo}.
 *
 * <p>Like Keycloak it keeps its own session (a cookie under its path): a second authorization request in the same
 * browser gets a code without the password, unless it says {@code prompt=login} or a {@code max_age} the session
 * is older than; the ID token's {@code auth_time} says when the password was typed. Its end_session_endpoint
 * (RP-Initiated Logout 1.0) checks the {@code id_token_hint} and the registered post-logout redirect URI, ends
 * the session and goes back with {@code state}. Tests make one provider ignore {@code prompt=login}
 * ({@link #ignorePromptLogin}) and age its sessions ({@link #backdate}).
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/oidc/{ent}")
public class SimulatedOidcProvider {

    /** Ways the tests make the provider misbehave. */
    public enum Tamper { NONE, WRONG_NONCE, OTHER_KEY, ALG_NONE, EXPIRED, WRONG_AUDIENCE }

    private record Code(String ent, String user, String clientId, String redirectUri, String nonce, String challenge,
                        Tamper tamper, Instant authTime, String sid) {
    }

    /** The provider's own session, behind its cookie. */
    private record Session(String ent, String user, Instant authTime, String sid) {
    }

    private static final String COOKIE = "SIM_OIDC_SESSION";
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Providers that answer from their session even when prompt=login / max_age=0 is asked (tests turn it on). */
    public final java.util.Set<String> ignorePromptLogin = ConcurrentHashMap.newKeySet();

    /** Makes every open session of this provider look authenticated {@code age} earlier (tests use it). */
    public void backdate(String ent, java.time.Duration age) {
        sessions.replaceAll((k, v) -> v.ent().equals(ent) ? new Session(v.ent(), v.user(), v.authTime().minus(age), v.sid()) : v);
    }

    /** The post-logout redirect URI registered for Relais' client. */
    private String postLogoutRedirect() {
        return baseUrl + "/sso/deconnexion";
    }

    private final String baseUrl;
    private final Map<String, RSAKey> keys = new ConcurrentHashMap<>();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public SimulatedOidcProvider(@Value("${relais.sso.base-url}") String baseUrl) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
    }

    private String issuer(String ent) {
        return baseUrl + "/sandbox/oidc/" + ent;
    }

    private RSAKey key(String ent) {
        return keys.computeIfAbsent(ent, e -> {
            try {
                return new RSAKeyGenerator(2048).keyID(e + "-" + UUID.randomUUID()).generate();
            } catch (JOSEException ex) {
                throw new IllegalStateException(ex);
            }
        });
    }

    @GetMapping(value = "/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    public Map<String, Object> discovery(@PathVariable String ent) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer(ent));
        doc.put("authorization_endpoint", issuer(ent) + "/authorize");
        doc.put("token_endpoint", issuer(ent) + "/token");
        doc.put("jwks_uri", issuer(ent) + "/jwks");
        doc.put("end_session_endpoint", issuer(ent) + "/logout");
        doc.put("backchannel_logout_supported", true);
        doc.put("backchannel_logout_session_supported", true);
        doc.put("response_types_supported", new String[] {"code"});
        doc.put("id_token_signing_alg_values_supported", new String[] {"RS256"});
        doc.put("code_challenge_methods_supported", new String[] {"S256"});
        return doc;
    }

    @GetMapping(value = "/jwks", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    public Map<String, Object> jwks(@PathVariable String ent) {
        return new JWKSet(key(ent).toPublicJWK()).toJSONObject();
    }

    @GetMapping("/authorize")
    public String form(@PathVariable String ent, @RequestParam("client_id") String clientId,
                       @RequestParam("redirect_uri") String redirectUri, @RequestParam String state,
                       @RequestParam String nonce, @RequestParam("code_challenge") String challenge,
                       @RequestParam(required = false) String prompt, @RequestParam(name = "max_age", required = false) Long maxAge,
                       @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie,
                       Model model) {
        Session session = cookie == null ? null : sessions.get(cookie);
        boolean forced = !ignorePromptLogin.contains(ent) && ("login".equals(prompt)
                || (session != null && maxAge != null && session.authTime().plusSeconds(maxAge).isBefore(Instant.now())));
        if (session != null && session.ent().equals(ent) && !forced) {
            String code = issueCode(ent, session.user(), clientId, redirectUri, nonce, challenge, Tamper.NONE,
                    session.authTime(), session.sid());
            return "redirect:" + redirectUri + "?code=" + code + "&state=" + java.net.URLEncoder.encode(state,
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        return page(model, ent, clientId, redirectUri, state, nonce, challenge, null);
    }

    private static String page(Model model, String ent, String clientId, String redirectUri, String state, String nonce,
                               String challenge, String error) {
        return SandboxLoginPage.show(model, ent, "Fournisseur OpenID Connect", "/sandbox/oidc/" + ent + "/authorize",
                SandboxLoginPage.fields("client_id", clientId, "redirect_uri", redirectUri, "state", state,
                        "nonce", nonce, "code_challenge", challenge), error, false);
    }

    @PostMapping("/authorize")
    public String login(@PathVariable String ent, @RequestParam String username, @RequestParam String password,
                        @RequestParam("client_id") String clientId, @RequestParam("redirect_uri") String redirectUri,
                        @RequestParam String state, @RequestParam String nonce,
                        @RequestParam("code_challenge") String challenge, Model model, HttpServletResponse http) {
        if (!username.matches("\\d{1,12}") || !SimulatedCasEnt.PASSWORD.equals(password)) {
            http.setStatus(401);
            return page(model, ent, clientId, redirectUri, state, nonce, challenge, "Identifiant ou mot de passe incorrect.");
        }
        Session session = new Session(ent, username, Instant.now(), UUID.randomUUID().toString());
        String cookie = UUID.randomUUID().toString();
        sessions.put(cookie, session);
        sids.put(ent + "/" + username, session.sid());
        http.addHeader("Set-Cookie", COOKIE + "=" + cookie + "; Path=/sandbox/oidc/" + ent + "; HttpOnly");
        String code = issueCode(ent, username, clientId, redirectUri, nonce, challenge, Tamper.NONE, session.authTime(),
                session.sid());
        return "redirect:" + redirectUri + "?code=" + code + "&state=" + state;
    }

    /** The sid of each user's latest session (the back-channel logout names it). */
    private final Map<String, String> sids = new ConcurrentHashMap<>();

    private String sid(String ent, String user) {
        return sids.computeIfAbsent(ent + "/" + user, k -> UUID.randomUUID().toString());
    }

    /**
     * RP-Initiated Logout 1.0: the ID token it gave as {@code id_token_hint} (signed by this provider, for the
     * client), a registered {@code post_logout_redirect_uri}; the session ends, the browser goes back with
     * {@code state}.
     */
    @GetMapping("/logout")
    public ResponseEntity<String> endSession(@PathVariable String ent,
            @RequestParam(name = "id_token_hint", required = false) String hint,
            @RequestParam(name = "post_logout_redirect_uri", required = false) String back,
            @RequestParam(required = false) String state,
            @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie) {
        String refusal = null;
        String user = null;
        try {
            SignedJWT jwt = hint == null ? null : SignedJWT.parse(hint);
            if (jwt == null || !jwt.verify(new com.nimbusds.jose.crypto.RSASSAVerifier(key(ent).toRSAPublicKey()))
                    || !issuer(ent).equals(jwt.getJWTClaimsSet().getIssuer())) {
                refusal = "id_token_hint absent ou non émis par ce fournisseur";
            } else {
                user = jwt.getJWTClaimsSet().getStringClaim("ent_person_jointure");
            }
        } catch (java.text.ParseException | JOSEException e) {
            refusal = "id_token_hint illisible";
        }
        if (refusal == null && back != null && !postLogoutRedirect().equals(back)) {
            refusal = "post_logout_redirect_uri non enregistrée : " + back;
        }
        if (refusal != null) {
            return ResponseEntity.badRequest().contentType(MediaType.TEXT_HTML).body("<!DOCTYPE html><html lang=\"fr\">"
                    + "<body><h1>Déconnexion refusée</h1><p>" + refusal + "</p></body></html>");
        }
        Session session = cookie == null ? null : sessions.remove(cookie);
        String who = user;
        sessions.values().removeIf(s -> s.ent().equals(ent) && s.user().equals(who));
        var answer = back == null ? ResponseEntity.ok() : ResponseEntity.status(302).header("Location", back
                + (state == null ? "" : "?state=" + java.net.URLEncoder.encode(state, java.nio.charset.StandardCharsets.UTF_8)));
        return answer.header("Set-Cookie", COOKIE + "=; Path=/sandbox/oidc/" + ent + "; Max-Age=0")
                .contentType(MediaType.TEXT_HTML).body("<!DOCTYPE html><html lang=\"fr\"><body><h1>Déconnecté"
                        + (session == null ? "" : " : " + session.user()) + "</h1></body></html>");
    }

    /**
     * The user logs out at the provider: it POSTs a signed logout token (Back-Channel Logout 1.0) to Relais.
     * @param forge {@code nonce} adds a nonce (forbidden), {@code key} signs with another key
     */
    @PostMapping("/logout")
    @ResponseBody
    public String logout(@PathVariable String ent, @RequestParam String username,
                         @RequestParam(defaultValue = "") String forge) throws Exception {
        if (forge.isEmpty()) {
            sessions.values().removeIf(s -> s.ent().equals(ent) && s.user().equals(username));
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer(ent)).audience("relais")
                .issueTime(new Date()).jwtID(UUID.randomUUID().toString())
                .claim("sid", sid(ent, username))
                .claim("events", Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of()));
        if ("nonce".equals(forge)) {
            claims.claim("nonce", "x");
        }
        RSAKey signing = "key".equals(forge) ? new RSAKeyGenerator(2048).keyID(key(ent).getKeyID()).generate() : key(ent);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new com.nimbusds.jose.JOSEObjectType(
                "logout+jwt")).keyID(signing.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(signing));
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(baseUrl + "/sso/oidc/backchannel-logout/" + ent))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("logout_token=" + jwt.serialize())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /** A code as the login form would give (tests use it, possibly tampered). */
    public String issueCode(String ent, String user, String clientId, String redirectUri, String nonce, String challenge,
                            Tamper tamper) {
        return issueCode(ent, user, clientId, redirectUri, nonce, challenge, tamper, Instant.now(), sid(ent, user));
    }

    private String issueCode(String ent, String user, String clientId, String redirectUri, String nonce, String challenge,
                             Tamper tamper, Instant authTime, String sid) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        codes.put(code, new Code(ent, user, clientId, redirectUri, nonce, challenge, tamper, authTime, sid));
        return code;
    }

    @PostMapping(value = "/token", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> token(@PathVariable String ent, @RequestParam("grant_type") String grant,
                                                     @RequestParam String code,
                                                     @RequestParam("redirect_uri") String redirectUri,
                                                     @RequestParam("code_verifier") String verifier,
                                                     @RequestParam("client_id") String clientId) throws Exception {
        Code c = codes.remove(code);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        if (c == null || !"authorization_code".equals(grant) || !c.ent().equals(ent) || !c.redirectUri().equals(redirectUri)
                || !c.clientId().equals(clientId) || !c.challenge().equals(challenge)) {
            return ResponseEntity.badRequest().body(Map.of("error", "invalid_grant"));
        }
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer(ent))
                .subject("oidc-" + ent + "-" + c.user())
                .audience(c.tamper() == Tamper.WRONG_AUDIENCE ? "autre-client" : clientId)
                .issueTime(Date.from(c.tamper() == Tamper.EXPIRED ? now.minusSeconds(7200) : now))
                .expirationTime(Date.from(c.tamper() == Tamper.EXPIRED ? now.minusSeconds(3600) : now.plusSeconds(300)))
                .claim("nonce", c.tamper() == Tamper.WRONG_NONCE ? "un-autre-nonce" : c.nonce())
                .claim("ent_person_jointure", c.user())
                .claim("sid", c.sid())
                .claim("auth_time", c.authTime().getEpochSecond())
                .build();
        String idToken;
        if (c.tamper() == Tamper.ALG_NONE) {
            idToken = new PlainJWT(claims).serialize();
        } else {
            RSAKey signing = c.tamper() == Tamper.OTHER_KEY ? new RSAKeyGenerator(2048).keyID(key(ent).getKeyID()).generate()
                    : key(ent);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signing.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(signing));
            idToken = jwt.serialize();
        }
        return ResponseEntity.ok(Map.of("access_token", "sim-" + code, "token_type", "Bearer", "expires_in", 300,
                "id_token", idToken));
    }
}
