package fr.relais.platform;

import java.time.Duration;
import java.util.Optional;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * The administrator's password check behind {@link LoginThrottle}: a locked account or address is refused before
 * the password is even looked at, a wrong password is counted.
 */
class ThrottledAuthentication implements AuthenticationProvider {

    /** Refused because of earlier failures, whatever the password; says for how long. */
    static final class LoginLockedException extends LockedException {
        private final transient Duration retryAfter;

        LoginLockedException(Duration retryAfter) {
            super("Trop d'échecs de connexion pour ce compte ou cette adresse : réessayez dans "
                    + LoginThrottle.seconds(retryAfter) + " s.");
            this.retryAfter = retryAfter;
        }

        Duration retryAfter() {
            return retryAfter;
        }
    }

    private final AuthenticationProvider passwords;
    private final LoginThrottle throttle;

    ThrottledAuthentication(AuthenticationProvider passwords, LoginThrottle throttle) {
        this.passwords = passwords;
        this.throttle = throttle;
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        String account = authentication.getName();
        String address = authentication.getDetails() instanceof WebAuthenticationDetails web
                ? web.getRemoteAddress() : "inconnue";
        Optional<Duration> locked = throttle.lockedFor(account, address);
        if (locked.isPresent()) {
            throttle.refusedWhileLocked(account, address, locked.get());
            throw new LoginLockedException(locked.get());
        }
        try {
            Authentication done = passwords.authenticate(authentication);
            throttle.succeeded(account);
            return done;
        } catch (BadCredentialsException e) {
            throttle.failed(account, address);
            throw e;
        }
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return passwords.supports(authentication);
    }
}
