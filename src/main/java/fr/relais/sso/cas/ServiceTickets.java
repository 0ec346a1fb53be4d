package fr.relais.sso.cas;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.sso.SsoProperties;
import fr.relais.platform.Tokens;

/**
 * CAS service tickets: 256 random bits, single use (any validation attempt consumes the ticket, as the CAS
 * specification requires), valid {@code relais.sso.service-ticket-lifetime} (10 s by default).
 */
@Component
public class ServiceTickets {

    /** The outcome of a validation. */
    public sealed interface Validation permits Valid, Invalid {
    }

    /** @param proxiedBy for a proxy ticket, the callback URL of the proxy that obtained it; null for a service ticket */
    public record Valid(String sessionId, String connectorId, String personId, String proxiedBy) implements Validation {
    }

    /** @param code one of the CAS 3.0 error codes */
    public record Invalid(String code, String description) implements Validation {
    }

    private final JdbcTemplate jdbc;
    private final SsoProperties properties;

    public ServiceTickets(JdbcTemplate jdbc, SsoProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    public String issue(String sessionId, String service, String connectorId, boolean fromRenew) {
        String id = Tokens.random("ST-");
        Instant now = Instant.now();
        jdbc.update("""
                INSERT INTO cas_service_ticket (id, session_id, service, connector_id, from_renew, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""", id, sessionId, service, connectorId, fromRenew,
                Timestamp.from(now), Timestamp.from(now.plus(properties.serviceTicketLifetime())));
        return id;
    }

    private record Row(String sessionId, String service, String connectorId, boolean fromRenew, Instant expiresAt,
                       String personId, String proxiedBy) {
    }

    public Validation validate(String ticket, String service, boolean renew) {
        return validate(ticket, service, renew, false);
    }

    /** @param proxiesAccepted proxyValidate accepts proxy tickets (PT-...); serviceValidate does not */
    public Validation validate(String ticket, String service, boolean renew, boolean proxiesAccepted) {
        if (ticket == null || ticket.isBlank() || service == null || service.isBlank()) {
            return new Invalid("INVALID_REQUEST", "les paramètres 'service' et 'ticket' sont obligatoires");
        }
        boolean proxy = ticket.startsWith("PT-");
        if ((!ticket.startsWith("ST-") && !(proxy && proxiesAccepted)) || ticket.length() > 128) {
            return new Invalid("INVALID_TICKET_SPEC", "'" + abbreviate(ticket) + "' n'est pas un ticket "
                    + (proxiesAccepted ? "de service ou de proxy (ST-..., PT-...)" : "de service (ST-...)"));
        }
        int consumed = jdbc.update("UPDATE cas_service_ticket SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL",
                Timestamp.from(Instant.now()), ticket);
        if (consumed != 1) {
            return new Invalid("INVALID_TICKET", "ticket '" + abbreviate(ticket) + "' inconnu ou déjà utilisé");
        }
        List<Row> rows = jdbc.query("""
                SELECT t.session_id, t.service, t.connector_id, t.from_renew, t.expires_at, s.person_id, t.proxied_by
                FROM cas_service_ticket t JOIN sso_session s ON s.id = t.session_id
                WHERE t.id = ? AND s.ended_at IS NULL""",
                (rs, n) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7)), ticket);
        if (rows.isEmpty()) {
            return new Invalid("INVALID_TICKET", "ticket '" + abbreviate(ticket) + "' : la session SSO est terminée");
        }
        Row row = rows.get(0);
        if (row.expiresAt().isBefore(Instant.now())) {
            return new Invalid("INVALID_TICKET", "ticket '" + abbreviate(ticket) + "' expiré");
        }
        if (!row.service().equals(service)) {
            return new Invalid("INVALID_SERVICE", "ticket '" + abbreviate(ticket) + "' délivré pour un autre service");
        }
        if (renew && !row.fromRenew()) {
            return new Invalid("INVALID_TICKET", "ticket '" + abbreviate(ticket)
                    + "' non issu d'une authentification renouvelée (renew=true)");
        }
        return new Valid(row.sessionId(), row.connectorId(), row.personId(), row.proxiedBy());
    }

    /** A proxy ticket for {@code service}, obtained by the proxy whose callback is {@code pgtUrl}. */
    public String issueProxy(String sessionId, String service, String connectorId, String pgtUrl) {
        String id = Tokens.random("PT-");
        Instant now = Instant.now();
        jdbc.update("""
                INSERT INTO cas_service_ticket (id, session_id, service, connector_id, from_renew, created_at, expires_at,
                    proxied_by) VALUES (?, ?, ?, ?, FALSE, ?, ?, ?)""", id, sessionId, service, connectorId,
                Timestamp.from(now), Timestamp.from(now.plus(properties.serviceTicketLifetime())), pgtUrl);
        return id;
    }

    /** Services that got a ticket in this session, for single logout: service URL and the ticket it got. */
    public List<String[]> issuedIn(String sessionId) {
        return jdbc.query("SELECT service, id FROM cas_service_ticket WHERE session_id = ? ORDER BY created_at",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2)}, sessionId);
    }

    private static String abbreviate(String ticket) {
        return ticket.length() > 40 ? ticket.substring(0, 40) + "…" : ticket;
    }
}
