package fr.relais.platform;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;

import fr.relais.audit.AuditTrail;

/**
 * Slows password guessing on the administrator's logins (API and console): after {@code accountFailures} failures
 * of one account, or {@code addressFailures} from one address, within {@code window}, that account or address is
 * locked for {@code lock}, doubled at each further failure up to {@code maxLock}. While locked, even the right
 * password is refused. Every failure is one log line and an audit event. The counts live in this node's memory:
 * behind a load balancer, each node counts its own.
 */
public class LoginThrottle {

    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);

    /**
     * @param accountFailures failures of one account that lock it
     * @param addressFailures failures from one address that lock it
     * @param window          how far back failures count
     * @param lock            the first lock; each further failure doubles it
     * @param maxLock         the longest lock
     */
    @ConfigurationProperties("relais.login")
    public record Settings(Integer accountFailures, Integer addressFailures, Duration window, Duration lock,
                           Duration maxLock) {
        public Settings {
            accountFailures = accountFailures == null ? 5 : accountFailures;
            addressFailures = addressFailures == null ? 20 : addressFailures;
            window = window == null ? Duration.ofMinutes(15) : window;
            lock = lock == null ? Duration.ofMinutes(1) : lock;
            maxLock = maxLock == null ? Duration.ofHours(1) : maxLock;
        }
    }

    /** Failures of one account or address since {@code since}, and until when it is locked. */
    private record Failures(Instant since, int count, Instant lockedUntil) {
    }

    private final Settings settings;
    private final AuditTrail audit;
    private final Clock clock;
    /** Bounded, so that guessing with ever new names or addresses cannot fill the memory. */
    private final Cache<String, Failures> failures;

    public LoginThrottle(Settings settings, AuditTrail audit, Clock clock) {
        this.settings = settings;
        this.audit = audit;
        this.clock = clock;
        this.failures = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(settings.window().plus(settings.maxLock()))
                .build();
    }

    /** How long {@code account} or {@code address} stays locked, when it is. */
    public Optional<Duration> lockedFor(String account, String address) {
        Instant now = clock.instant();
        Duration longest = Duration.ZERO;
        for (String key : new String[] {accountKey(account), addressKey(address)}) {
            Failures f = failures.getIfPresent(key);
            if (f != null && f.lockedUntil() != null && f.lockedUntil().isAfter(now)) {
                Duration left = Duration.between(now, f.lockedUntil());
                longest = left.compareTo(longest) > 0 ? left : longest;
            }
        }
        return longest.isZero() ? Optional.empty() : Optional.of(longest);
    }

    /** A wrong password (or an unknown account): counted, logged, audited. */
    public void failed(String account, String address) {
        Failures byAccount = count(accountKey(account), settings.accountFailures());
        count(addressKey(address), settings.addressFailures());
        log.warn("Connexion administrateur refusée : compte « {} », adresse {} : identifiant ou mot de passe incorrect "
                + "({} échec(s) de ce compte en {} min)", account, address, byAccount.count(),
                settings.window().toMinutes());
        audit.recordSoon("admin.login", account, null, null, null, AuditTrail.Outcome.REFUSED,
                "adresse " + address + " : identifiant ou mot de passe incorrect");
    }

    /** An attempt refused because the account or the address is locked: logged and audited, not counted. */
    public void refusedWhileLocked(String account, String address, Duration left) {
        log.warn("Connexion administrateur refusée : compte « {} », adresse {} : bloqué encore {} s après trop "
                + "d'échecs", account, address, seconds(left));
        audit.recordSoon("admin.login", account, null, null, null, AuditTrail.Outcome.REFUSED,
                "adresse " + address + " : bloqué encore " + seconds(left) + " s après trop d'échecs");
    }

    /** A good password: the account's count starts again (the address keeps its own). */
    public void succeeded(String account) {
        failures.invalidate(accountKey(account));
    }

    public static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    private Failures count(String key, int threshold) {
        Instant now = clock.instant();
        return failures.asMap().compute(key, (k, f) -> {
            boolean fresh = f == null || (f.since().plus(settings.window()).isBefore(now)
                    && (f.lockedUntil() == null || !f.lockedUntil().isAfter(now)));
            int count = fresh ? 1 : f.count() + 1;
            Instant since = fresh ? now : f.since();
            Instant lockedUntil = fresh ? null : f.lockedUntil();
            if (count >= threshold) {
                lockedUntil = now.plus(lockFor(count - threshold));
            }
            return new Failures(since, count, lockedUntil);
        });
    }

    private Duration lockFor(int beyond) {
        Duration lock = settings.lock().multipliedBy(1L << Math.min(beyond, 20));
        return lock.compareTo(settings.maxLock()) > 0 ? settings.maxLock() : lock;
    }

    private static String accountKey(String account) {
        return "account:" + (account == null ? "" : account.toLowerCase(java.util.Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }
}
