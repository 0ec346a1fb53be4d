package fr.relais.licence;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.stereotype.Component;

/**
 * Licence use for publishers (GAR's CSV, their own subscriptions only), expiry warnings (one event on the
 * broker per subscription ending soon, and the admin list), and launch aggregates for territories that never
 * break figures down by publisher.
 */
@Component("licenceReports")
public class LicenceReports {

    public static final String EXPIRING_QUEUE = "relais.licence.expiring";
    private static final Logger log = LoggerFactory.getLogger(LicenceReports.class);

    public record Expiring(String publisher, String subscription, String resource, Instant validUntil) {
    }

    private final JdbcTemplate jdbc;
    private final JmsTemplate jms;
    private final int warningDays;

    public LicenceReports(JdbcTemplate jdbc, JmsTemplate jms, @Value("${relais.licence.expiry-warning-days:30}") int warningDays) {
        this.jdbc = jdbc;
        this.jms = jms;
        this.warningDays = warningDays;
    }

    /** {@code UAI;idAbonnement;codeProjetRessource;idRessource;cumulAffectationEleve;...} for one publisher. */
    public String usageCsv(String publisherId) {
        StringBuilder csv = new StringBuilder("UAI;idAbonnement;codeProjetRessource;idRessource;cumulAffectationEleve;"
                + "cumulAffectationEnseignant;cumulAffectationDocumentaliste;cumulAffectationAutrePersonnel\n");
        jdbc.query("""
                SELECT sc.uai, s.id, s.project_code, s.resource_id,
                    (SELECT COUNT(*) FROM licence_grant g WHERE g.publisher_id = s.publisher_id AND g.subscription_id = s.id AND g.uai = sc.uai AND g.audience = 'ELEVE'),
                    (SELECT COUNT(*) FROM licence_grant g WHERE g.publisher_id = s.publisher_id AND g.subscription_id = s.id AND g.uai = sc.uai AND g.audience = 'ENSEIGNANT'),
                    (SELECT COUNT(*) FROM licence_grant g WHERE g.publisher_id = s.publisher_id AND g.subscription_id = s.id AND g.uai = sc.uai AND g.audience = 'DOCUMENTALISTE'),
                    (SELECT COUNT(*) FROM licence_grant g WHERE g.publisher_id = s.publisher_id AND g.subscription_id = s.id AND g.uai = sc.uai AND g.audience = 'AUTRE PERSONNEL')
                FROM licence_subscription s JOIN licence_subscription_school sc
                    ON sc.publisher_id = s.publisher_id AND sc.subscription_id = s.id
                WHERE s.publisher_id = ? ORDER BY sc.uai, s.id""", rs -> {
            csv.append(rs.getString(1)).append(';').append(rs.getString(2)).append(';')
                    .append(rs.getString(3) == null ? "" : rs.getString(3)).append(';').append(rs.getString(4));
            for (int i = 5; i <= 8; i++) {
                csv.append(';').append(rs.getLong(i));
            }
            csv.append('\n');
        }, publisherId);
        return csv.toString();
    }

    /** Subscriptions ending within the warning window; each is announced once on the broker. */
    public List<Expiring> expiring(Instant now) {
        List<Expiring> soon = jdbc.query("""
                SELECT publisher_id, id, resource_id, valid_until FROM licence_subscription
                WHERE valid_until IS NOT NULL AND valid_until > ? AND valid_until <= ? ORDER BY valid_until""",
                (rs, n) -> new Expiring(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant()),
                Timestamp.from(now), Timestamp.from(now.plus(Duration.ofDays(warningDays))));
        return soon;
    }

    /** Called by the licence-expiry route: announce what was not announced yet; answers how many. */
    public int announceExpiring() {
        int announced = 0;
        for (Expiring e : expiring(Instant.now())) {
            try {
                jdbc.update("INSERT INTO licence_expiry_warning (publisher_id, subscription_id, valid_until, warned_at) "
                        + "VALUES (?, ?, ?, ?)", e.publisher(), e.subscription(), Timestamp.from(e.validUntil()),
                        Timestamp.from(Instant.now()));
            } catch (DuplicateKeyException already) {
                continue;
            }
            jms.convertAndSend(EXPIRING_QUEUE, "{\"editeur\":\"" + e.publisher() + "\",\"idAbonnement\":\""
                    + e.subscription() + "\",\"idRessource\":\"" + e.resource() + "\",\"finValidite\":\""
                    + e.validUntil() + "\"}");
            announced++;
        }
        if (announced > 0) {
            log.info("{} abonnement(s) arrivant à échéance annoncé(s) sur {}", announced, EXPIRING_QUEUE);
        }
        return announced;
    }

    /** Launches per school and per resource type, all publishers together. */
    public Map<String, Object> launches() {
        List<Map<String, Object>> bySchool = new ArrayList<>();
        jdbc.query("SELECT uai, COUNT(*) FROM saml_assertion_issued GROUP BY uai ORDER BY uai",
                rs -> { bySchool.add(Map.of("uai", String.valueOf(rs.getString(1)), "lancements", rs.getLong(2))); });
        Map<String, Long> byType = new LinkedHashMap<>();
        jdbc.query("""
                SELECT COALESCE(s.resource_id_type, 'inconnu'), COUNT(*) FROM saml_assertion_issued a
                LEFT JOIN licence_subscription s ON s.publisher_id = a.publisher_id AND s.resource_id = a.resource_id
                GROUP BY COALESCE(s.resource_id_type, 'inconnu') ORDER BY 1""",
                rs -> { byType.put(rs.getString(1), rs.getLong(2)); });
        return Map.of("parEtablissement", bySchool, "parTypeDeRessource", byType);
    }
}
