package fr.relais.sso;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The link between an identity source's subject and a canonical person, kept by Relais. */
@Repository
public class SsoAccounts {

    public record Account(String source, String subject, String personId, boolean unlinked, String lastName,
                          String firstName, List<String> profiles, List<String> schools) {
    }

    private final JdbcTemplate jdbc;

    public SsoAccounts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Account> find(String source, String subject) {
        return jdbc.query("""
                SELECT source_connector, subject, person_id, unlinked, last_name, first_name, profiles, schools
                FROM sso_account WHERE source_connector = ? AND subject = ?""",
                (rs, n) -> new Account(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        rs.getString(5), rs.getString(6), split(rs.getString(7)), split(rs.getString(8))),
                source, subject).stream().findFirst();
    }

    public Optional<Account> findByPerson(String personId) {
        return jdbc.query("""
                SELECT source_connector, subject, person_id, unlinked, last_name, first_name, profiles, schools
                FROM sso_account WHERE person_id = ? ORDER BY last_login_at DESC""",
                (rs, n) -> new Account(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        rs.getString(5), rs.getString(6), split(rs.getString(7)), split(rs.getString(8))),
                personId).stream().findFirst();
    }

    public void save(Account a) {
        Timestamp now = Timestamp.from(Instant.now());
        int updated = jdbc.update("""
                UPDATE sso_account SET person_id = ?, unlinked = ?, last_name = ?, first_name = ?, profiles = ?,
                    schools = ?, last_login_at = ? WHERE source_connector = ? AND subject = ?""",
                a.personId(), a.unlinked(), a.lastName(), a.firstName(), join(a.profiles()), join(a.schools()), now,
                a.source(), a.subject());
        if (updated == 0) {
            jdbc.update("""
                    INSERT INTO sso_account (source_connector, subject, person_id, unlinked, last_name, first_name,
                        profiles, schools, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    a.source(), a.subject(), a.personId(), a.unlinked(), a.lastName(), a.firstName(),
                    join(a.profiles()), join(a.schools()), now, now);
        }
    }

    private static String join(List<String> values) {
        return values == null ? "" : String.join(",", values);
    }

    private static List<String> split(String value) {
        return value == null || value.isBlank() ? List.of() : Arrays.asList(value.split(","));
    }
}
