package fr.relais.licence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import fr.relais.platform.ReadThroughCache;
import fr.relais.platform.cluster.ClusterNode;

/**
 * Subscriptions in the database; every call is scoped to one publisher, who never sees another's.
 *
 * <p>Decisions read a school's subscriptions from a cache by (publisher, school); every write here clears the
 * publisher's entries when it commits, so the next decision sees it, on this node and, once announced
 * ({@link ClusterNode}), on the others. Only this class writes the subscription tables.
 */
@Repository
public class Subscriptions {

    private record SchoolKey(String publisherId, String uai) {
    }

    private final JdbcTemplate jdbc;
    private final ReadThroughCache<SchoolKey, List<Subscription>> bySchool;
    private static final String CHANGES = "licence-subscriptions";
    private final ClusterNode cluster;

    public Subscriptions(JdbcTemplate jdbc,
                         @Value("${relais.licence.subscription-cache-max-age:60s}") Duration cacheMaxAge,
                         ClusterNode cluster) {
        this.jdbc = jdbc;
        this.bySchool = new ReadThroughCache<>(100_000, cacheMaxAge);
        this.cluster = cluster;
        // a publisher's subscriptions changed on another node (null: anything may have changed)
        cluster.onChange(CHANGES, publishers -> {
            if (publishers == null) {
                bySchool.invalidateAll();
            } else {
                bySchool.invalidateIf(k -> publishers.contains(k.publisherId()));
            }
        });
    }

    /** After a write: the publisher's schools are read again by the next decision (once committed), on every node. */
    private void changed(String publisherId) {
        bySchool.invalidateAfterCommit(k -> k.publisherId().equals(publisherId));
        cluster.changed(CHANGES, publisherId);
    }

    public Optional<Subscription> find(String publisherId, String id) {
        return query("WHERE publisher_id = ? AND id = ?", publisherId, id).stream().findFirst();
    }

    /** @return false when the publisher already has a subscription with that id */
    @Transactional
    public boolean create(Subscription s) {
        if (find(s.publisherId(), s.id()).isPresent()) {
            return false;
        }
        Timestamp now = Timestamp.from(Instant.now());
        jdbc.update("""
                INSERT INTO licence_subscription (publisher_id, id, distributor_id, resource_id, resource_id_type,
                    resource_label, comment, valid_from, valid_until, school_year_end, uai_nature, transferable,
                    assignment_type, nb_teacher, nb_pupil, nb_librarian, nb_other, nb_global, project_code, created_at,
                    updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                s.publisherId(), s.id(), s.distributorId(), s.resourceId(), s.resourceIdType(), s.resourceLabel(),
                s.comment(), Timestamp.from(s.validFrom()), s.validUntil() == null ? null : Timestamp.from(s.validUntil()),
                s.schoolYearEnd(), s.uaiNature(), s.transferable(), s.assignmentType().name(), s.nbTeacher(),
                s.nbPupil(), s.nbLibrarian(), s.nbOther(), s.nbGlobal(), s.projectCode(), now, now);
        children(s);
        changed(s.publisherId());
        return true;
    }

    @Transactional
    public void update(Subscription s) {
        jdbc.update("""
                UPDATE licence_subscription SET distributor_id = ?, resource_id = ?, resource_id_type = ?,
                    resource_label = ?, comment = ?, valid_from = ?, valid_until = ?, school_year_end = ?, uai_nature = ?,
                    transferable = ?, assignment_type = ?, nb_teacher = ?, nb_pupil = ?, nb_librarian = ?, nb_other = ?,
                    nb_global = ?, project_code = ?, updated_at = ? WHERE publisher_id = ? AND id = ?""",
                s.distributorId(), s.resourceId(), s.resourceIdType(), s.resourceLabel(), s.comment(),
                Timestamp.from(s.validFrom()), s.validUntil() == null ? null : Timestamp.from(s.validUntil()),
                s.schoolYearEnd(), s.uaiNature(), s.transferable(), s.assignmentType().name(), s.nbTeacher(),
                s.nbPupil(), s.nbLibrarian(), s.nbOther(), s.nbGlobal(), s.projectCode(), Timestamp.from(Instant.now()),
                s.publisherId(), s.id());
        jdbc.update("DELETE FROM licence_subscription_audience WHERE publisher_id = ? AND subscription_id = ?",
                s.publisherId(), s.id());
        s.audiences().forEach(a -> jdbc.update("INSERT INTO licence_subscription_audience VALUES (?, ?, ?)",
                s.publisherId(), s.id(), a));
        changed(s.publisherId());
    }

    @Transactional
    public boolean delete(String publisherId, String id) {
        changed(publisherId);
        jdbc.update("DELETE FROM licence_subscription_school WHERE publisher_id = ? AND subscription_id = ?", publisherId, id);
        jdbc.update("DELETE FROM licence_subscription_audience WHERE publisher_id = ? AND subscription_id = ?", publisherId, id);
        return jdbc.update("DELETE FROM licence_subscription WHERE publisher_id = ? AND id = ?", publisherId, id) == 1;
    }

    /** The publisher's subscriptions matching every filter given (idRessource, uaiEtab, idAbonnement, typeAffectation). */
    public List<Subscription> list(String publisherId, Map<String, List<String>> filters) {
        StringBuilder where = new StringBuilder("WHERE publisher_id = ?");
        List<Object> args = new ArrayList<>(List.of(publisherId));
        for (var filter : filters.entrySet()) {
            String column = switch (filter.getKey()) {
                case "idRessource" -> "resource_id";
                case "idAbonnement" -> "id";
                case "typeAffectation" -> "assignment_type";
                case "uaiEtab" -> "uai";
                default -> throw new IllegalArgumentException("filtre inconnu '" + filter.getKey()
                        + "' (connus : idRessource, idAbonnement, typeAffectation, uaiEtab)");
            };
            String in = String.join(", ", filter.getValue().stream().map(v -> "?").toList());
            where.append(column.equals("uai")
                    ? " AND id IN (SELECT subscription_id FROM licence_subscription_school WHERE publisher_id = ? AND uai IN (" + in + "))"
                    : " AND " + column + " IN (" + in + ")");
            if (column.equals("uai")) {
                args.add(publisherId);
            }
            args.addAll(filter.getValue());
        }
        return query(where.toString(), args.toArray());
    }

    /**
     * The publisher's subscriptions for one school (and one resource when given), with their audiences: the
     * decision's path. {@code schools} holds only that school.
     */
    public List<Subscription> forSchool(String publisherId, String uai, String resourceId) {
        List<Subscription> all = bySchool.get(new SchoolKey(publisherId, uai), k -> readSchool(publisherId, uai));
        return resourceId == null ? all : all.stream().filter(s -> s.resourceId().equals(resourceId)).toList();
    }

    /**
     * One query that starts from the school's rows (index on {@code uai}), so its cost is that of one school's
     * subscriptions whatever the size of the territory; written from the subscriptions' side, H2 scanned all
     * the publisher's subscriptions.
     */
    private List<Subscription> readSchool(String publisherId, String uai) {
        Map<String, Subscription> found = new LinkedHashMap<>();
        Map<String, List<String>> audiences = new LinkedHashMap<>();
        String sql = "SELECT s.*, a.audience FROM licence_subscription_school sc JOIN licence_subscription s "
                + "ON s.publisher_id = sc.publisher_id AND s.id = sc.subscription_id "
                + "LEFT JOIN licence_subscription_audience a ON a.publisher_id = s.publisher_id AND a.subscription_id = s.id "
                + "WHERE sc.uai = ? AND sc.publisher_id = ? ORDER BY s.id";
        jdbc.query(sql, rs -> {
            String id = rs.getString("id");
            found.computeIfAbsent(id, k -> {
                try {
                    return row(rs);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            if (rs.getString("audience") != null) {
                audiences.computeIfAbsent(id, k -> new ArrayList<>()).add(rs.getString("audience"));
            }
        }, uai, publisherId);
        List<Subscription> out = new ArrayList<>();
        found.forEach((id, s) -> out.add(new Subscription(s.publisherId(), s.id(), s.distributorId(), s.resourceId(),
                s.resourceIdType(), s.resourceLabel(), s.comment(), s.validFrom(), s.validUntil(), s.schoolYearEnd(),
                s.uaiNature(), s.transferable(), s.assignmentType(), s.nbTeacher(), s.nbPupil(), s.nbLibrarian(),
                s.nbOther(), s.nbGlobal(), s.projectCode(), List.of(uai), List.copyOf(audiences.getOrDefault(id, List.of())))));
        return List.copyOf(out);
    }

    private void children(Subscription s) {
        s.schools().forEach(u -> jdbc.update("INSERT INTO licence_subscription_school VALUES (?, ?, ?)",
                s.publisherId(), s.id(), u));
        s.audiences().forEach(a -> jdbc.update("INSERT INTO licence_subscription_audience VALUES (?, ?, ?)",
                s.publisherId(), s.id(), a));
    }

    private List<Subscription> query(String where, Object... args) {
        List<Subscription> rows = jdbc.query("SELECT * FROM licence_subscription " + where + " ORDER BY id",
                (rs, n) -> row(rs), args);
        List<Subscription> out = new ArrayList<>();
        for (Subscription s : rows) {
            List<String> schools = jdbc.queryForList("SELECT uai FROM licence_subscription_school WHERE publisher_id = ? "
                    + "AND subscription_id = ? ORDER BY uai", String.class, s.publisherId(), s.id());
            List<String> audiences = jdbc.queryForList("SELECT audience FROM licence_subscription_audience WHERE "
                    + "publisher_id = ? AND subscription_id = ? ORDER BY audience", String.class, s.publisherId(), s.id());
            out.add(new Subscription(s.publisherId(), s.id(), s.distributorId(), s.resourceId(), s.resourceIdType(),
                    s.resourceLabel(), s.comment(), s.validFrom(), s.validUntil(), s.schoolYearEnd(), s.uaiNature(),
                    s.transferable(), s.assignmentType(), s.nbTeacher(), s.nbPupil(), s.nbLibrarian(), s.nbOther(),
                    s.nbGlobal(), s.projectCode(), schools, audiences));
        }
        return out;
    }

    private static Subscription row(ResultSet rs) throws SQLException {
        Timestamp until = rs.getTimestamp("valid_until");
        return new Subscription(rs.getString("publisher_id"), rs.getString("id"), rs.getString("distributor_id"),
                rs.getString("resource_id"), rs.getString("resource_id_type"), rs.getString("resource_label"),
                rs.getString("comment"), rs.getTimestamp("valid_from").toInstant(), until == null ? null : until.toInstant(),
                rs.getString("school_year_end"), rs.getString("uai_nature"), rs.getBoolean("transferable"),
                Subscription.AssignmentType.valueOf(rs.getString("assignment_type")), integer(rs, "nb_teacher"),
                integer(rs, "nb_pupil"), integer(rs, "nb_librarian"), integer(rs, "nb_other"), integer(rs, "nb_global"),
                rs.getString("project_code"), List.of(), List.of());
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }
}
