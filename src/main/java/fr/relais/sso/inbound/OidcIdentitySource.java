package fr.relais.sso.inbound;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.sso.EntLogin;
import fr.relais.sso.Identity;
import fr.relais.sso.SsoProperties;
import fr.relais.platform.Tokens;

/**
 * Relais as an OpenID Connect relying party of the {@code oidc} identity sources (Keycloak-based ENTs):
 * authorization code flow with PKCE (S256), {@code state} and {@code nonce}, the ID token checked against the
 * provider's JWKS (RS256 only, issuer, audience, expiry, nonce).
 */
@Component
public class OidcIdentitySource {

    /** The provider or its answer was refused; the message says why, in French. */
    public static class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** @param endSession the provider's end_session_endpoint (RP-Initiated Logout 1.0), null when it has none */
    record Discovery(String issuer, String authorization, String token, String endSession,
                             JWKSource<SecurityContext> keys, Instant until) {
    }

    private static final Duration SKEW = Duration.ofSeconds(60);
    private final Map<String, Discovery> discovered = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final JdbcTemplate jdbc;
    private final SsoProperties properties;

    public OidcIdentitySource(JdbcTemplate jdbc, SsoProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    public String callback(Connector provider) {
        return properties.baseUrl() + "/sso/oidc/callback/" + provider.id();
    }

    public String authorizationUrl(Connector provider, String loginRequestId) throws Refused {
        return authorizationUrl(provider, loginRequestId, false);
    }

    /**
     * @param renew the user must type their password again, whatever session the provider holds:
     *              {@code prompt=login} and {@code max_age=0}, whose {@code auth_time} the ID token must then carry
     */
    public String authorizationUrl(Connector provider, String loginRequestId, boolean renew) throws Refused {
        Discovery d = discover(provider);
        String state = Tokens.random("");
        String nonce = Tokens.random("");
        String verifier = Tokens.random("") + Tokens.random("").substring(0, 20);
        jdbc.update("""
                INSERT INTO oidc_request (state, connector_id, login_request_id, nonce, code_verifier, created_at)
                VALUES (?, ?, ?, ?, ?, ?)""", state, provider.id(), loginRequestId, nonce, verifier,
                Timestamp.from(Instant.now()));
        JsonNode oidc = provider.descriptor().path("sso").path("oidc");
        List<String> scopes = new ArrayList<>();
        oidc.path("scopes").forEach(s -> scopes.add(s.asText()));
        if (!scopes.contains("openid")) {
            scopes.add(0, "openid");
        }
        return d.authorization() + (d.authorization().contains("?") ? "&" : "?") + "response_type=code"
                + "&client_id=" + enc(oidc.path("clientId").asText()) + "&redirect_uri=" + enc(callback(provider))
                + "&scope=" + enc(String.join(" ", scopes)) + "&state=" + enc(state) + "&nonce=" + enc(nonce)
                + "&code_challenge=" + enc(challenge(verifier)) + "&code_challenge_method=S256"
                + (renew ? "&prompt=login&max_age=0" : "");
    }

    /**
     * The identity the provider vouches for, the login it answers, and what the provider said about the
     * authentication: its session (sid), the ID token (the hint for its logout) and {@code auth_time}.
     *
     * @param requestedAt when Relais sent the authorization request
     */
    public record Answer(Identity identity, String loginRequestId, EntLogin login, Instant requestedAt) {
    }

    public Answer complete(Connector provider, String state, String code) throws Refused {
        List<String[]> rows = state == null ? List.of() : jdbc.query("""
                SELECT login_request_id, nonce, code_verifier, created_at FROM oidc_request
                WHERE state = ? AND connector_id = ? AND consumed_at IS NULL AND created_at > ?""",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant().toString()}, state, provider.id(),
                Timestamp.from(Instant.now().minus(Duration.ofMinutes(15))));
        if (rows.isEmpty() || jdbc.update("UPDATE oidc_request SET consumed_at = ? WHERE state = ? AND consumed_at IS NULL",
                Timestamp.from(Instant.now()), state) != 1) {
            throw new Refused("paramètre state inconnu, expiré ou déjà utilisé");
        }
        if (code == null || code.isBlank()) {
            throw new Refused("aucun code d'autorisation reçu");
        }
        String[] pending = rows.get(0);
        Discovery d = discover(provider);
        JsonNode oidc = provider.descriptor().path("sso").path("oidc");
        String clientId = oidc.path("clientId").asText();
        String form = "grant_type=authorization_code&code=" + enc(code) + "&redirect_uri=" + enc(callback(provider))
                + "&code_verifier=" + enc(pending[2]) + "&client_id=" + enc(clientId);
        HttpRequest.Builder token = HttpRequest.newBuilder(URI.create(d.token())).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json");
        String secret = oidc.path("clientSecret").asText("");
        if (!secret.isBlank()) {
            token.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (enc(clientId) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8)));
        }
        String idToken;
        try {
            HttpResponse<String> r = http.send(token.POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new Refused("le fournisseur a refusé le code (HTTP " + r.statusCode() + ")");
            }
            idToken = json.readTree(r.body()).path("id_token").asText("");
        } catch (java.io.IOException e) {
            throw new Refused("fournisseur injoignable : " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrompu");
        }
        JWTClaimsSet claims = verify(idToken, d, clientId, pending[1]);
        Identity identity = new Identity(provider.id(), claims.getSubject(), Identity.attributesOf(claims.getClaims()));
        java.util.Date authTime;
        try {
            authTime = claims.getDateClaim("auth_time");
        } catch (java.text.ParseException e) {
            throw new Refused("jeton d'identité : auth_time n'est pas une date");
        }
        return new Answer(identity, pending[0], new EntLogin(identity.first("sid"), idToken,
                authTime == null ? null : authTime.toInstant()), Instant.parse(pending[3]));
    }

    private static JWTClaimsSet verify(String idToken, Discovery d, String clientId, String nonce) throws Refused {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
                JWSAlgorithm.RS512, JWSAlgorithm.PS256), d.keys()));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(clientId,
                new JWTClaimsSet.Builder().issuer(d.issuer()).claim("nonce", nonce).build(),
                Set.of("sub", "exp", "iat"));
        verifier.setMaxClockSkew((int) SKEW.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
        try {
            return processor.process(idToken, null);
        } catch (java.text.ParseException e) {
            throw new Refused("jeton d'identité illisible");
        } catch (com.nimbusds.jose.proc.BadJOSEException e) {
            throw new Refused("jeton d'identité refusé : " + e.getMessage());
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new Refused("jeton d'identité invérifiable : " + e.getMessage());
        }
    }

    /** The provider's configuration read again now (a connection test), kept for the logins that follow. */
    Discovery rediscover(Connector provider) throws Refused {
        discovered.remove(provider.id());
        return discover(provider);
    }

    private Discovery discover(Connector provider) throws Refused {
        Discovery d = discovered.get(provider.id());
        if (d != null && d.until().isAfter(Instant.now())) {
            return d;
        }
        String issuer = provider.descriptor().path("sso").path("oidc").path("issuer").asText().replaceAll("/+$", "");
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(issuer
                    + "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new Refused("configuration OpenID de " + provider.name() + " indisponible (HTTP " + r.statusCode() + ")");
            }
            JsonNode doc = json.readTree(r.body());
            if (!issuer.equals(doc.path("issuer").asText().replaceAll("/+$", ""))) {
                throw new Refused("la configuration OpenID annonce l'émetteur " + doc.path("issuer").asText()
                        + " au lieu de " + issuer);
            }
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(URI.create(doc.path("jwks_uri").asText()).toURL())
                    .retrying(true).build();
            String endSession = doc.path("end_session_endpoint").asText("");
            d = new Discovery(doc.path("issuer").asText(), doc.path("authorization_endpoint").asText(),
                    doc.path("token_endpoint").asText(), endSession.isBlank() ? null : endSession, keys,
                    Instant.now().plus(Duration.ofHours(1)));
            discovered.put(provider.id(), d);
            return d;
        } catch (MalformedURLException e) {
            throw new Refused("jwks_uri invalide dans la configuration de " + provider.name());
        } catch (java.io.IOException e) {
            throw new Refused(provider.name() + " injoignable : " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrompu");
        }
    }

    /**
     * Where to send the browser so that the provider ends its own session (RP-Initiated Logout 1.0): its
     * end_session_endpoint with the ID token of the login as {@code id_token_hint}; empty when the provider
     * publishes no such endpoint.
     *
     * @param back  where the provider sends the browser afterwards; registered at the provider as a
     *              post-logout redirect URI of Relais' client
     * @param state handed back unchanged to {@code back}
     */
    public java.util.Optional<String> endSessionUrl(Connector provider, String idToken, String back, String state)
            throws Refused {
        Discovery d = discover(provider);
        if (d.endSession() == null) {
            return java.util.Optional.empty();
        }
        StringBuilder url = new StringBuilder(d.endSession()).append(d.endSession().contains("?") ? "&" : "?")
                .append("client_id=").append(enc(provider.descriptor().path("sso").path("oidc").path("clientId").asText()))
                .append("&post_logout_redirect_uri=").append(enc(back));
        if (idToken != null) {
            url.append("&id_token_hint=").append(enc(idToken));
        }
        if (state != null) {
            url.append("&state=").append(enc(state));
        }
        return java.util.Optional.of(url.toString());
    }

    /** A back-channel logout token: who (sub) or which session (sid) the provider ended. */
    public record Logout(String subject, String sid) {
    }

    /**
     * Checks a logout token (OpenID Connect Back-Channel Logout 1.0) against the provider's JWKS; its {@code jti},
     * required, is accepted once per provider, whichever node receives it.
     */
    public Logout verifyLogout(Connector provider, String token) throws Refused {
        Discovery d = discover(provider);
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
                JWSAlgorithm.RS512, JWSAlgorithm.PS256), d.keys()));
        processor.setJWSTypeVerifier((type, context) -> { });
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                provider.descriptor().path("sso").path("oidc").path("clientId").asText(),
                new JWTClaimsSet.Builder().issuer(d.issuer()).build(), Set.of("iat", "events", "jti"));
        verifier.setMaxClockSkew((int) SKEW.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
        try {
            JWTClaimsSet claims = processor.process(token, null);
            Object events = claims.getClaim("events");
            if (!(events instanceof Map<?, ?> map) || !map.containsKey("http://schemas.openid.net/event/backchannel-logout")) {
                throw new Refused("jeton de déconnexion sans l'événement backchannel-logout");
            }
            if (claims.getClaim("nonce") != null) {
                throw new Refused("un jeton de déconnexion ne porte pas de nonce");
            }
            String sid = claims.getStringClaim("sid");
            if (claims.getSubject() == null && sid == null) {
                throw new Refused("jeton de déconnexion sans sub ni sid");
            }
            if (claims.getJWTID().length() > 256) {
                throw new Refused("jeton de déconnexion : jti de plus de 256 caractères");
            }
            try {
                // the database's key decides, so that a token replayed to another node ends nothing more either
                jdbc.update("INSERT INTO oidc_logout_token_seen (connector_id, jti, received_at) VALUES (?, ?, ?)",
                        provider.id(), claims.getJWTID(), Timestamp.from(Instant.now()));
            } catch (org.springframework.dao.DuplicateKeyException replayed) {
                throw new Refused("jeton de déconnexion déjà reçu (jti " + claims.getJWTID() + ")");
            }
            return new Logout(claims.getSubject(), sid);
        } catch (java.text.ParseException e) {
            throw new Refused("jeton de déconnexion illisible");
        } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
            throw new Refused("jeton de déconnexion refusé : " + e.getMessage());
        }
    }

    static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

}
