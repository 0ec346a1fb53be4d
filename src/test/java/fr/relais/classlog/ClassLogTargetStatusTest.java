package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the class-log status shows of a target tool ({@code classlog_target}: last delivery, last delivery error) when
 * two nodes (or two delivery consumers of one node) record the tool's very first outcome at the same moment: both
 * find no row, both insert it. The one that inserts second must record its outcome on the row the other made, not
 * fail: its delivery succeeded, and the status must not show a database error as the tool's delivery error.
 */
class ClassLogTargetStatusTest {

    static final String TOOL = "neo-cahier-de-textes-77";

    JdbcConnectionPool pool;
    ClassLogSync sync;
    JdbcTemplate jdbc;

    @BeforeEach
    void database() {
        pool = JdbcConnectionPool.create("jdbc:h2:mem:relais-target-" + java.util.UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        jdbc = new JdbcTemplate(pool);
        // this node's statements; the other node's first outcome commits right after this node's UPDATE found no row
        JdbcTemplate racing = new JdbcTemplate(pool) {
            boolean raced;

            @Override
            public int update(String sql, Object... args) {
                int n = super.update(sql, args);
                if (!raced && sql.startsWith("UPDATE classlog_target")) {
                    raced = true;
                    jdbc.update("INSERT INTO classlog_target (tool, last_success) VALUES (?, ?)", TOOL,
                            Timestamp.valueOf("2026-11-23 08:00:00"));
                }
                return n;
            }
        };
        ClassLogSettings settings = new ClassLogSettings(List.of(), List.of(TOOL), 5, Duration.ofSeconds(2),
                Duration.ofMinutes(1), Duration.ofSeconds(10), 1000, false);
        jakarta.jms.ConnectionFactory noBroker = (jakarta.jms.ConnectionFactory) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {jakarta.jms.ConnectionFactory.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException("pas de broker : seul le statut de l'outil est enregistré");
                });
        sync = new ClassLogSync(settings, null, null, null, noBroker, racing, null, null);
        sync.millis = () -> Timestamp.valueOf("2026-11-23 08:00:01").getTime();
    }

    @AfterEach
    void close() {
        pool.dispose();
    }

    @Test
    void aFirstDeliveryRecordedByTwoNodesAtOnceShowsTheSuccessAndNoError() {
        sync.target(TOOL, null);

        Map<String, Object> row = jdbc.queryForMap("SELECT last_success, last_error FROM classlog_target WHERE tool = ?",
                TOOL);
        assertThat(row.get("last_error")).isNull();
        assertThat(((java.time.OffsetDateTime) row.get("last_success")).toInstant())
                .isEqualTo(Timestamp.valueOf("2026-11-23 08:00:01").toInstant());
    }

    @Test
    void aFirstFailureRecordedWhileAnotherNodeRecordsItsSuccessIsShown() {
        sync.target(TOOL, "outil injoignable (connexion refusée)");

        Map<String, Object> row = jdbc.queryForMap("SELECT last_success, last_error FROM classlog_target WHERE tool = ?",
                TOOL);
        assertThat(row.get("last_error")).isEqualTo("outil injoignable (connexion refusée)");
        assertThat(row.get("last_success")).isNotNull(); // the other node's
    }
}
