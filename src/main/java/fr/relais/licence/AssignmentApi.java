package fr.relais.licence;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.platform.NotFoundException;

/**
 * Admin API of a school's licence officer: assign the licences of an INDIV subscription to a person
 * (jointure), a class, a group, a level (MEF code) or a subject (national subject code, for teachers), list
 * what is assigned and how many licences remain per audience.
 */
@io.swagger.v3.oas.annotations.tags.Tag(name = "Licences", description = "Affectations de ressources par les établissements, abonnements arrivant à échéance, lancements comptés")
@RestController
@RequestMapping("/api/licences/assignments")
class AssignmentApi {

    record NewAssignment(String publisher, String subscription, String uai, String type, String target) {
    }

    record Assignment(long id, String publisher, String subscription, String uai, String type, String target) {
    }

    record Count(Integer limit, int used, Integer remaining) {
    }

    static final Set<String> TYPES = Set.of("PERSON", "CLASS", "GROUP", "LEVEL", "SUBJECT");

    private final JdbcTemplate jdbc;
    private final Subscriptions subscriptions;

    AssignmentApi(JdbcTemplate jdbc, Subscriptions subscriptions) {
        this.jdbc = jdbc;
        this.subscriptions = subscriptions;
    }

    @PostMapping
    ResponseEntity<Assignment> assign(@RequestBody NewAssignment a) {
        Subscription s = subscriptions.find(String.valueOf(a.publisher()), String.valueOf(a.subscription()))
                .orElseThrow(() -> new NotFoundException("Aucun abonnement " + a.subscription() + " de l'éditeur " + a.publisher()));
        if (s.assignmentType() != Subscription.AssignmentType.INDIV) {
            throw new IllegalArgumentException("l'abonnement " + s.id() + " est ETABL : tout l'établissement en bénéficie, "
                    + "rien à attribuer");
        }
        if (a.uai() == null || !s.schools().contains(a.uai())) {
            throw new IllegalArgumentException("uai : l'abonnement " + s.id() + " ne concerne pas l'établissement " + a.uai());
        }
        if (a.type() == null || !TYPES.contains(a.type())) {
            throw new IllegalArgumentException("type : attendu PERSON, CLASS, GROUP, LEVEL (code MEF) ou SUBJECT (code matière)");
        }
        if (a.target() == null || a.target().isBlank() || a.target().length() > 128) {
            throw new IllegalArgumentException("target : la jointure de la personne, ou le code de la classe ou du groupe");
        }
        jdbc.update("INSERT INTO licence_assignment (publisher_id, subscription_id, uai, target_type, target, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", s.publisherId(), s.id(), a.uai(), a.type(), a.target(), Timestamp.from(Instant.now()));
        Long id = jdbc.queryForObject("SELECT id FROM licence_assignment WHERE publisher_id = ? AND subscription_id = ? AND "
                + "uai = ? AND target_type = ? AND target = ?", Long.class, s.publisherId(), s.id(), a.uai(), a.type(), a.target());
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new Assignment(id, s.publisherId(), s.id(), a.uai(), a.type(), a.target()));
    }

    @GetMapping
    Map<String, Object> list(@RequestParam String publisher, @RequestParam String subscription) {
        Subscription s = subscriptions.find(publisher, subscription)
                .orElseThrow(() -> new NotFoundException("Aucun abonnement " + subscription + " de l'éditeur " + publisher));
        List<Assignment> assignments = jdbc.query("SELECT id, uai, target_type, target FROM licence_assignment WHERE "
                + "publisher_id = ? AND subscription_id = ? ORDER BY id", (rs, n) -> new Assignment(rs.getLong(1),
                publisher, subscription, rs.getString(2), rs.getString(3), rs.getString(4)), publisher, subscription);
        Map<String, Count> licences = new LinkedHashMap<>();
        for (String audience : List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE", "AUTRE PERSONNEL")) {
            if (!s.audiences().contains(audience)) {
                continue;
            }
            Integer limit = SubscriptionDecisions.limitOf(s, audience);
            int used = jdbc.queryForObject("SELECT COUNT(*) FROM licence_grant WHERE publisher_id = ? AND subscription_id = ? "
                    + "AND audience = ?", Integer.class, publisher, subscription, audience);
            licences.put(audience, new Count(limit, used, limit == null || limit == Subscription.UNLIMITED ? null
                    : Math.max(0, limit - used)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("assignments", assignments);
        out.put("licences", licences);
        if (s.nbGlobal() != null) {
            int used = jdbc.queryForObject("SELECT COUNT(*) FROM licence_grant WHERE publisher_id = ? AND subscription_id = ?",
                    Integer.class, publisher, subscription);
            out.put("global", new Count(s.nbGlobal(), used, s.nbGlobal() == Subscription.UNLIMITED ? null
                    : Math.max(0, s.nbGlobal() - used)));
        }
        return out;
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable long id) {
        if (jdbc.update("DELETE FROM licence_assignment WHERE id = ?", id) != 1) {
            throw new NotFoundException("Aucune attribution " + id);
        }
        return ResponseEntity.noContent().build();
    }
}
