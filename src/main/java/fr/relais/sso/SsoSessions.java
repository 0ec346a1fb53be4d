package fr.relais.sso;

import fr.relais.platform.Tokens;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.ResponseCookie;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * SSO sessions: a random token in an HttpOnly, SameSite=Lax cookie ({@value #COOKIE}), its SHA-256 and the
 * session's state in the database, so any node can serve any request. Idle and absolute lifetimes apply.
 */
@Component
public class SsoSessions {

    public static final String COOKIE = "RELAIS_TGC";

    /** @param authenticatedAt when the ENT last checked the user's credentials for this session */
    public record SsoSession(String id, String personId, String sourceConnector, String subject, boolean renewed,
                             Instant createdAt, Instant lastSeenAt, Instant authenticatedAt) {
    }

    private final JdbcTemplate jdbc;
    private final SsoProperties properties;

    public SsoSessions(JdbcTemplate jdbc, SsoProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /** Starts a session for the person and sets its cookie on the response. */
    public SsoSession start(SsoPerson person, Identity identity, boolean renewed, HttpServletResponse response) {
        return start(person, identity, renewed, EntLogin.of(null), response);
    }

    /**
     * @param ent what the ENT said about the authentication: its ticket or sid (kept hashed, so that its logout
     *            finds the session), what its own logout needs, and when it checked the credentials
     */
    public SsoSession start(SsoPerson person, Identity identity, boolean renewed, EntLogin ent,
                            HttpServletResponse response) {
        String token = Tokens.random("TGC-");
        String id = Tokens.sha256(token);
        Instant now = Instant.now();
        Instant authenticated = ent.authenticatedAt() == null ? now : ent.authenticatedAt();
        jdbc.update("""
                INSERT INTO sso_session (id, person_id, source_connector, subject, renewed, created_at, last_seen_at,
                    source_ticket, authenticated_at, ent_logout_hint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                id, person.id(), identity.sourceConnector(), identity.subject(), renewed, Timestamp.from(now),
                Timestamp.from(now), ent.sourceTicket() == null ? null : Tokens.sha256(ent.sourceTicket()),
                Timestamp.from(authenticated), ent.logoutHint());
        response.addHeader("Set-Cookie", ResponseCookie.from(COOKIE, token).httpOnly(true)
                .secure(properties.secureCookies()).sameSite("Lax").path("/").build().toString());
        return new SsoSession(id, person.id(), identity.sourceConnector(), identity.subject(), renewed, now, now,
                authenticated);
    }

    /** The live session of this browser, if any; using it keeps it alive. */
    public Optional<SsoSession> current(HttpServletRequest request) {
        String token = token(request);
        if (token == null) {
            return Optional.empty();
        }
        Instant now = Instant.now();
        List<SsoSession> found = jdbc.query("""
                SELECT id, person_id, source_connector, subject, renewed, created_at, last_seen_at,
                    COALESCE(authenticated_at, created_at) FROM sso_session WHERE id = ? AND ended_at IS NULL""",
                (rs, n) -> new SsoSession(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBoolean(5), rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(),
                        rs.getTimestamp(8).toInstant()),
                Tokens.sha256(token));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        SsoSession s = found.get(0);
        if (s.lastSeenAt().plus(properties.sessionIdle()).isBefore(now)
                || s.createdAt().plus(properties.sessionMaxAge()).isBefore(now)) {
            end(s.id());
            return Optional.empty();
        }
        jdbc.update("UPDATE sso_session SET last_seen_at = ? WHERE id = ?", Timestamp.from(now), s.id());
        return Optional.of(s);
    }

    /** The person of a session still open (for ticket validation, which carries no cookie). */
    public Optional<String> personOf(String sessionId) {
        return jdbc.query("SELECT person_id FROM sso_session WHERE id = ? AND ended_at IS NULL",
                (rs, n) -> rs.getString(1), sessionId).stream().findFirst();
    }

    /** The open sessions started with this identity source's ticket. */
    public List<String> bySourceTicket(String sourceConnector, String sourceTicket) {
        return jdbc.query("SELECT id FROM sso_session WHERE source_connector = ? AND source_ticket = ? AND ended_at IS NULL",
                (rs, n) -> rs.getString(1), sourceConnector, Tokens.sha256(sourceTicket));
    }

    /** The open sessions of this subject at this identity source. */
    public List<String> bySubject(String sourceConnector, String subject) {
        return jdbc.query("SELECT id FROM sso_session WHERE source_connector = ? AND subject = ? AND ended_at IS NULL",
                (rs, n) -> rs.getString(1), sourceConnector, subject);
    }

    /** What the session's ENT needs to end its own session (ID token, SessionIndex), if it gave one. */
    public Optional<String> entLogoutHint(String sessionId) {
        return jdbc.query("SELECT ent_logout_hint FROM sso_session WHERE id = ?", (rs, n) -> rs.getString(1), sessionId)
                .stream().filter(java.util.Objects::nonNull).findFirst();
    }

    public void end(String sessionId) {
        jdbc.update("UPDATE sso_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                Timestamp.from(Instant.now()), sessionId);
    }

    public void clearCookie(HttpServletResponse response) {
        response.addHeader("Set-Cookie", ResponseCookie.from(COOKIE, "").httpOnly(true)
                .secure(properties.secureCookies()).sameSite("Lax").path("/").maxAge(0).build().toString());
    }

    private static String token(HttpServletRequest request) {
        if (request.getCookies() == null) {
            return null;
        }
        for (Cookie c : request.getCookies()) {
            if (COOKIE.equals(c.getName()) && c.getValue() != null && c.getValue().startsWith("TGC-")) {
                return c.getValue();
            }
        }
        return null;
    }
}
