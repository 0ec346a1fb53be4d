package fr.relais.sso;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the ENT said about one authentication besides who the user is.
 *
 * @param sourceTicket    the handle its back-channel logout will name (CAS service ticket, OpenID Connect sid),
 *                        kept hashed; null when it has none
 * @param logoutHint      what Relais hands back when it ends the ENT session (OpenID Connect ID token for
 *                        {@code id_token_hint}, SAML SessionIndex); null when the protocol needs none
 * @param authenticatedAt when the ENT last checked the user's credentials (CAS {@code authenticationDate}, SAML
 *                        AuthnInstant, OpenID Connect {@code auth_time}); the answer's arrival when it did not say
 */
public record EntLogin(String sourceTicket, String logoutHint, Instant authenticatedAt) {

    /**
     * How far before Relais sent its request an authentication may date and still count as done for it: clocks
     * of two servers differ by a few seconds, never by the minutes that separate two users of one computer.
     */
    public static final Duration FRESH_SKEW = Duration.ofSeconds(30);

    public static EntLogin of(String sourceTicket) {
        return new EntLogin(sourceTicket, null, Instant.now());
    }

    /**
     * For a login that asked the ENT to authenticate again (CAS {@code renew}, SAML {@code ForceAuthn}, OpenID
     * Connect {@code prompt=login&max_age=0}): empty when it did, else the French reason it did not.
     *
     * @param requestedAt when Relais sent the request to the ENT
     */
    public Optional<String> notFreshFor(Instant requestedAt) {
        if (authenticatedAt == null) {
            return Optional.of("l'ENT n'a pas dit quand il a vérifié le mot de passe, alors qu'une nouvelle "
                    + "authentification était demandée");
        }
        if (authenticatedAt.isBefore(requestedAt.minus(FRESH_SKEW))) {
            return Optional.of("l'ENT n'a pas redemandé le mot de passe : son authentification date de "
                    + authenticatedAt + ", avant la demande de Relais (" + requestedAt + ")");
        }
        return Optional.empty();
    }
}
