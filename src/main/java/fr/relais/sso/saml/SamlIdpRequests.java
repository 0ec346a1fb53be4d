package fr.relais.sso.saml;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.platform.Tokens;

/**
 * Publishers' requests waiting for the user's login: used once, for 15 minutes. Each AuthnRequest ID is accepted
 * once per publisher, whichever node receives it.
 */
@Component
public class SamlIdpRequests {

    /**
     * @param forceAuthn the publisher asked for ForceAuthn: only a session the ENT opened after {@code createdAt}
     *                   may answer it
     */
    public record Pending(String id, String publisherId, String acsUrl, String inResponseTo, String relayState,
                          String resourceId, String uai, boolean forceAuthn, Instant createdAt) {
    }

    private final JdbcTemplate jdbc;

    public SamlIdpRequests(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The longest AuthnRequest ID kept (the column's size); a longer one is refused as malformed. */
    public static final int MAX_REQUEST_ID = 256;

    /**
     * Records that the publisher sent the AuthnRequest {@code requestId}: true the first time, false when any node
     * already received it (a replayed request). The database's key decides, so two nodes receiving it at once
     * cannot both accept it.
     */
    public boolean firstReceipt(String publisherId, String requestId) {
        try {
            jdbc.update("INSERT INTO saml_idp_request_seen (publisher_id, request_id, received_at) VALUES (?, ?, ?)",
                    publisherId, requestId, Timestamp.from(Instant.now()));
            return true;
        } catch (DuplicateKeyException replayed) {
            return false;
        }
    }

    public Pending create(String publisherId, String acsUrl, String inResponseTo, String relayState, String resourceId,
                          String uai) {
        return create(publisherId, acsUrl, inResponseTo, relayState, resourceId, uai, false);
    }

    public Pending create(String publisherId, String acsUrl, String inResponseTo, String relayState, String resourceId,
                          String uai, boolean forceAuthn) {
        String id = Tokens.random("IR-");
        Instant now = Instant.now();
        jdbc.update("""
                INSERT INTO saml_idp_request (id, publisher_id, acs_url, in_response_to, relay_state, resource_id, uai,
                    created_at, force_authn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", id, publisherId, acsUrl, inResponseTo,
                relayState, resourceId, uai, Timestamp.from(now), forceAuthn);
        return new Pending(id, publisherId, acsUrl, inResponseTo, relayState, resourceId, uai, forceAuthn, now);
    }

    /** The pending request, still unused and recent, without taking it out. */
    public Optional<Pending> peek(String id) {
        return id == null ? Optional.empty() : jdbc.query("""
                SELECT id, publisher_id, acs_url, in_response_to, relay_state, resource_id, uai, force_authn, created_at
                FROM saml_idp_request WHERE id = ? AND consumed_at IS NULL AND created_at > ?""",
                (rs, n) -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getBoolean(8),
                        rs.getTimestamp(9).toInstant()), id,
                Timestamp.from(Instant.now().minus(Duration.ofMinutes(15)))).stream().findFirst();
    }

    /** Takes the pending request out: empty when unknown, already used or older than 15 minutes. */
    public Optional<Pending> consume(String id) {
        if (id == null || jdbc.update("UPDATE saml_idp_request SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL "
                + "AND created_at > ?", Timestamp.from(Instant.now()), id,
                Timestamp.from(Instant.now().minus(Duration.ofMinutes(15)))) != 1) {
            return Optional.empty();
        }
        return jdbc.query("""
                SELECT id, publisher_id, acs_url, in_response_to, relay_state, resource_id, uai, force_authn, created_at
                FROM saml_idp_request WHERE id = ?""",
                (rs, n) -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getBoolean(8),
                        rs.getTimestamp(9).toInstant()), id).stream().findFirst();
    }

    public void recordIssued(String assertionId, String sessionId, Pending p) {
        jdbc.update("""
                INSERT INTO saml_assertion_issued (id, session_id, publisher_id, resource_id, uai, issued_at)
                VALUES (?, ?, ?, ?, ?, ?)""", assertionId, sessionId, p.publisherId(), p.resourceId(), p.uai(),
                Timestamp.from(Instant.now()));
    }
}
