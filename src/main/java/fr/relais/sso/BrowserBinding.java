package fr.relais.sso;

import java.util.Optional;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

import fr.relais.platform.Tokens;

/**
 * A random secret per browser ({@value #COOKIE}), whose hash every login request keeps: an identity source's
 * answer, or a login step, is accepted only in the browser that started the login, so nobody can log a victim
 * into the attacker's account (login CSRF). Over https the cookie is {@code SameSite=None; Secure}, so that the
 * SAML identity sources' cross-site POST carries it.
 */
@Component
public class BrowserBinding {

    static final String COOKIE = "RELAIS_BROWSER";
    private final SsoProperties properties;

    public BrowserBinding(SsoProperties properties) {
        this.properties = properties;
    }

    /** The hash of this browser's secret, creating and setting the secret when the browser has none. */
    public String bind(HttpServletRequest request, HttpServletResponse response) {
        Optional<String> secret = secret(request);
        if (secret.isPresent()) {
            return Tokens.sha256(secret.get());
        }
        String fresh = Tokens.random("B-");
        response.addHeader("Set-Cookie", ResponseCookie.from(COOKIE, fresh).path("/").httpOnly(true)
                .secure(properties.secureCookies()).sameSite(properties.secureCookies() ? "None" : "Lax")
                .build().toString());
        return Tokens.sha256(fresh);
    }

    public boolean matches(HttpServletRequest request, String hash) {
        return hash != null && secret(request).map(Tokens::sha256).filter(hash::equals).isPresent();
    }

    private static Optional<String> secret(HttpServletRequest request) {
        if (request.getCookies() == null) {
            return Optional.empty();
        }
        for (Cookie c : request.getCookies()) {
            if (COOKIE.equals(c.getName()) && c.getValue() != null && c.getValue().startsWith("B-")) {
                return Optional.of(c.getValue());
            }
        }
        return Optional.empty();
    }
}
