package fr.relais.licence;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The pseudonymous ids each publisher received (recorded by single sign-on when it issues an assertion). */
@Repository
public class Pseudonyms {

    private final JdbcTemplate jdbc;

    public Pseudonyms(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void remember(String publisherId, String ido, String personId) {
        try {
            jdbc.update("INSERT INTO licence_pseudonym (publisher_id, ido, person_id, first_seen) VALUES (?, ?, ?, ?)",
                    publisherId, ido, personId, Timestamp.from(Instant.now()));
        } catch (DuplicateKeyException known) {
            // already handed out: pseudonyms are stable
        }
    }

    public Optional<String> person(String publisherId, String ido) {
        return jdbc.queryForList("SELECT person_id FROM licence_pseudonym WHERE publisher_id = ? AND ido = ?",
                String.class, publisherId, ido).stream().findFirst();
    }
}
