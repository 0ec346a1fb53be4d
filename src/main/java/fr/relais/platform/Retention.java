package fr.relais.platform;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Personal data is kept no longer than it serves: a scheduled job ({@code routes/retention.yaml}, one node of the
 * cluster) deletes what single sign-on leaves behind once its retention period is over: logins in flight, tickets,
 * replay records, sessions, and the record of each launch of a publisher's resource (the counts publishers and
 * territories are given). Periods are {@code relais.retention.*} (README, "Data retention"). Deletes go in batches,
 * so that a first run on a large backlog does not hold long locks.
 */
@Component("retention")
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    static final int BATCH = 5_000;

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final Duration loginRequests;
    private final Duration tickets;
    private final Duration replayRecords;
    private final Duration sessions;
    private final Duration launches;

    @Autowired
    public Retention(JdbcTemplate jdbc,
                     @Value("${relais.retention.login-requests:P1D}") Duration loginRequests,
                     @Value("${relais.retention.tickets:P1D}") Duration tickets,
                     @Value("${relais.retention.replay-records:P30D}") Duration replayRecords,
                     @Value("${relais.retention.sessions:P30D}") Duration sessions,
                     @Value("${relais.retention.launches:P400D}") Duration launches) {
        this(jdbc, Clock.systemUTC(), loginRequests, tickets, replayRecords, sessions, launches);
    }

    Retention(JdbcTemplate jdbc, Clock clock, Duration loginRequests, Duration tickets, Duration replayRecords,
              Duration sessions, Duration launches) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.loginRequests = loginRequests;
        this.tickets = tickets;
        this.replayRecords = replayRecords;
        this.sessions = sessions;
        this.launches = launches;
    }

    /** One pass: what each kind of record lost, by its French name (logged when anything went). */
    public Map<String, Integer> purge() {
        Instant now = clock.instant();
        Map<String, Integer> gone = new LinkedHashMap<>();
        gone.put("connexions en cours", delete("sso_login_request", "id", "created_at", now.minus(loginRequests))
                + delete("saml_idp_request", "id", "created_at", now.minus(loginRequests))
                + delete("saml_sp_request", "id", "created_at", now.minus(loginRequests))
                + delete("oidc_request", "state", "created_at", now.minus(loginRequests)));
        gone.put("tickets", delete("cas_service_ticket", "id", "expires_at", now.minus(tickets))
                + delete("cas_proxy_granting_ticket", "id", "expires_at", now.minus(tickets)));
        gone.put("traces anti-rejeu", delete("saml_sp_assertion_seen", "id", "expires_at", now.minus(replayRecords))
                + delete("saml_idp_request_seen", "publisher_id, request_id", "received_at", now.minus(replayRecords))
                + delete("oidc_logout_token_seen", "connector_id, jti", "received_at", now.minus(replayRecords)));
        gone.put("lancements de ressources", delete("saml_assertion_issued", "id", "issued_at", now.minus(launches)));
        // a session goes once over and nothing refers to it any more (a launch is kept longer: its session stays)
        gone.put("sessions", deleteWhere("sso_session", "id", "COALESCE(ended_at, last_seen_at) < ? AND NOT EXISTS ("
                + "SELECT 1 FROM cas_service_ticket t WHERE t.session_id = sso_session.id) AND NOT EXISTS (SELECT 1 FROM "
                + "cas_proxy_granting_ticket g WHERE g.session_id = sso_session.id) AND NOT EXISTS (SELECT 1 FROM "
                + "saml_assertion_issued a WHERE a.session_id = sso_session.id)", now.minus(sessions)));
        gone.values().removeIf(n -> n == 0);
        if (!gone.isEmpty()) {
            log.info("Rétention : supprimés {}", gone.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return gone;
    }

    private int delete(String table, String key, String column, Instant before) {
        return deleteWhere(table, key, column + " < ?", before);
    }

    /**
     * Deletes the rows the condition (one instant parameter) selects, {@value #BATCH} at a time.
     *
     * @param key the table's primary key columns
     */
    private int deleteWhere(String table, String key, String condition, Instant before) {
        int total = 0;
        while (true) {
            int n = jdbc.update("DELETE FROM " + table + " WHERE (" + key + ") IN (SELECT " + key + " FROM " + table
                    + " WHERE " + condition + " FETCH FIRST " + BATCH + " ROWS ONLY)", Timestamp.from(before));
            total += n;
            if (n < BATCH) {
                return total;
            }
        }
    }
}
