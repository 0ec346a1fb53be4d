package fr.relais.licence;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import fr.relais.platform.ReadThroughCache;

/**
 * The pseudonymous ids each publisher received (recorded by single sign-on when it issues an assertion). An id
 * once handed out never changes nor goes away, so the ones already resolved are kept in memory (an unknown id
 * is asked again every time: it may be handed out by then). After a start, the most recent ones are loaded in
 * the background, so the check API does not go to the database for each pupil at the first launches.
 */
@Repository
public class Pseudonyms {

    private record Key(String publisherId, String ido) {
    }

    private final JdbcTemplate jdbc;
    private final ReadThroughCache<Key, Optional<String>> resolved;
    private final int maxCached;

    public Pseudonyms(JdbcTemplate jdbc, @Value("${relais.licence.pseudonyms.max-cached:1000000}") int maxCached) {
        this.jdbc = jdbc;
        this.maxCached = maxCached;
        this.resolved = new ReadThroughCache<>(maxCached, ChronoUnit.FOREVER.getDuration());
    }

    @org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
    void warmInBackground() {
        Thread loader = new Thread(() -> {
            try {
                int n = warm();
                org.slf4j.LoggerFactory.getLogger(Pseudonyms.class).info("Pseudonymes : {} identifiants en mémoire", n);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Pseudonyms.class).warn("Pseudonymes non préchargés : {}", e.toString());
            }
        }, "pseudonyms-warm");
        loader.setDaemon(true);
        loader.start();
    }

    /** Loads the most recently handed out ids (at most {@code max-cached}, less a margin); how many were loaded. */
    public int warm() {
        JdbcTemplate streaming = new JdbcTemplate(jdbc.getDataSource());
        streaming.setFetchSize(10_000);
        int[] n = {0};
        streaming.query("SELECT publisher_id, ido, person_id FROM licence_pseudonym ORDER BY first_seen DESC LIMIT ?",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> {
                    resolved.put(new Key(rs.getString(1), rs.getString(2)), Optional.of(rs.getString(3)));
                    n[0]++;
                }, Math.max(0, maxCached - maxCached / 10));
        return n[0];
    }

    public void remember(String publisherId, String ido, String personId) {
        try {
            jdbc.update("INSERT INTO licence_pseudonym (publisher_id, ido, person_id, first_seen) VALUES (?, ?, ?, ?)",
                    publisherId, ido, personId, Timestamp.from(Instant.now()));
            // the publisher that receives it may check it at once (the check API): resolvable from memory
            resolved.put(new Key(publisherId, ido), Optional.of(personId));
        } catch (DuplicateKeyException known) {
            // already handed out: pseudonyms are stable
        }
    }

    public Optional<String> person(String publisherId, String ido) {
        return resolved.get(new Key(publisherId, ido), k -> jdbc.queryForList("SELECT person_id FROM licence_pseudonym "
                + "WHERE publisher_id = ? AND ido = ?", String.class, publisherId, ido).stream().findFirst(),
                Optional::isPresent);
    }
}
