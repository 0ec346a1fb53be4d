package fr.relais.sso;

import fr.relais.platform.Tokens;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A login waiting for the identity source: what to resume afterwards (the CAS service, renew). Kept in the
 * database so that the ENT's answer may reach any node; usable once, for 15 minutes.
 */
@Component
public class LoginRequests {

    static final Duration LIFETIME = Duration.ofMinutes(15);

    /**
     * @param browser   hash of the secret of the browser the login was started in
     * @param createdAt when the login started: an ENT asked to authenticate again must have done it after
     */
    public record LoginRequest(String id, String service, boolean renew, String connectorId, String browser,
                               Instant createdAt) {
    }

    private final JdbcTemplate jdbc;

    public LoginRequests(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public LoginRequest create(String service, boolean renew, String browser) {
        String id = Tokens.random("LR-");
        Instant now = Instant.now();
        jdbc.update("INSERT INTO sso_login_request (id, service, renew, created_at, browser) VALUES (?, ?, ?, ?, ?)",
                id, service, renew, Timestamp.from(now), browser);
        return new LoginRequest(id, service, renew, null, browser, now);
    }

    /** The pending request, if it exists, is not consumed and not too old. */
    public Optional<LoginRequest> pending(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return jdbc.query("""
                SELECT id, service, renew, connector_id, browser, created_at FROM sso_login_request
                WHERE id = ? AND consumed_at IS NULL AND created_at > ?""",
                (rs, n) -> new LoginRequest(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant()),
                id, Timestamp.from(Instant.now().minus(LIFETIME))).stream().findFirst();
    }

    public void choose(String id, String connectorId) {
        jdbc.update("UPDATE sso_login_request SET connector_id = ? WHERE id = ?", connectorId, id);
    }

    /** Marks it used; false when it was already (a replayed callback). */
    public boolean consume(String id) {
        return jdbc.update("UPDATE sso_login_request SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL",
                Timestamp.from(Instant.now()), id) == 1;
    }
}
