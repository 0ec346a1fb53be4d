package fr.relais.licence;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import fr.relais.directory.Directory;
import fr.relais.directory.Membership;

/**
 * Decisions from subscriptions and assignments. ETABL subscriptions entitle the whole target audience of the
 * school, uncounted. INDIV ones entitle whom the school assigned (a person, a class, a group), one licence per
 * person taken the first time they receive it, refused when none remain; a person who left the school is
 * refused at once, and frees the licence only when the subscription is transferable.
 */
@Component
public class SubscriptionDecisions {

    private final JdbcTemplate jdbc;
    private final Subscriptions subscriptions;
    private final Directory directory;

    private final fr.relais.audit.AuditTrail audit;
    private final io.micrometer.core.instrument.MeterRegistry meters;
    private final TransactionTemplate tx;
    /** One counter per (publisher, outcome, reason), looked up once instead of at every decision. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public SubscriptionDecisions(JdbcTemplate jdbc, Subscriptions subscriptions, Directory directory,
                                 fr.relais.audit.AuditTrail audit, io.micrometer.core.instrument.MeterRegistry meters,
                                 PlatformTransactionManager transactions) {
        this.audit = audit;
        this.meters = meters;
        this.jdbc = jdbc;
        this.subscriptions = subscriptions;
        this.directory = directory;
        this.tx = new TransactionTemplate(transactions);
    }

    /** GAR audience of a national profile; null for parents, whom no subscription covers. */
    static String audience(List<String> profiles) {
        for (String p : profiles) {
            switch (p) {
                case "National_ELV" -> { return "ELEVE"; }
                case "National_ENS" -> { return "ENSEIGNANT"; }
                case "National_DOC" -> { return "DOCUMENTALISTE"; }
                case "National_TUT" -> { }
                default -> { return "AUTRE PERSONNEL"; }
            }
        }
        return null;
    }

    /**
     * A launch from a session: the source must serve the school; schools and profiles are the directory's, or,
     * for a person it does not know, those a source trusted for its claims asserted; anyone else is refused.
     */
    /** See {@link EntitlementDecisions#decide}. */
    public EntitlementDecision decide(Requester who, String uai, String publisherId, String resourceId, Instant at) {
        Requester.Source source = who.source();
        if (uai != null && !source.territory().serves(uai)) {
            return record(who.personId(), uai, publisherId, resourceId, true, source.id(),
                    denied(EntitlementDecision.Reason.OUTSIDE_SOURCE_TERRITORY, "Vous êtes connecté par " + source.name()
                            + ", qui ne dessert pas l'établissement " + uai + " : pour ses ressources, connectez-vous "
                            + "par l'ENT de cet établissement."));
        }
        // jit- ids are never AAF jointures: no directory read for them
        Optional<Membership> member = who.personId().startsWith("jit-") ? Optional.empty()
                : directory.membership(who.personId());
        if (member.isPresent()) {
            return record(who.personId(), uai, publisherId, resourceId, true, source.id(),
                    evaluate(who.personId(), member.get().profiles(), member.get().schools(), "l'annuaire", uai,
                            publisherId, resourceId, at, true));
        }
        if (!source.trustClaims()) {
            return record(who.personId(), uai, publisherId, resourceId, true, source.id(),
                    denied(EntitlementDecision.Reason.NOT_IN_DIRECTORY, "Votre compte n'est pas dans l'annuaire"
                            + (uai == null ? "" : " de l'établissement " + uai) + " : l'accès aux ressources payantes passe par l'annuaire. "
                            + "Demandez au secrétariat de votre établissement de vérifier votre inscription."));
        }
        return record(who.personId(), uai, publisherId, resourceId, true, source.id(),
                evaluate(who.personId(), who.claimedProfiles(), who.claimedSchools(), source.name(), uai, publisherId,
                        resourceId, at, true));
    }

    /** A decision for a person of the directory, from their {@link Membership} (the médiacentre, the check API). */
    public EntitlementDecision decide(String personId, List<String> profiles, List<String> schools, String uai,
                                      String publisherId, String resourceId, Instant at) {
        return decide(personId, profiles, schools, uai, publisherId, resourceId, at, true);
    }

    /**
     * @param take whether an allowed INDIV decision takes the person's licence (a launch) or only looks
     *             (the médiacentre's list, a publisher's background check)
     */
    public EntitlementDecision decide(String personId, List<String> profiles, List<String> schools, String uai,
                                      String publisherId, String resourceId, Instant at, boolean take) {
        return record(personId, uai, publisherId, resourceId, take, null,
                evaluate(personId, profiles, schools, "l'annuaire", uai, publisherId, resourceId, at, take));
    }

    private EntitlementDecision record(String personId, String uai, String publisherId, String resourceId,
                                       boolean take, String sourceId, EntitlementDecision d) {
        String reason = d instanceof EntitlementDecision.Denied denied ? denied.reason().name() : "ALLOWED";
        String outcome = d instanceof EntitlementDecision.Allowed ? "allowed" : "denied";
        counters.computeIfAbsent(publisherId + '\u001f' + reason, k -> meters.counter("relais.licence.decisions",
                "publisher", publisherId, "outcome", outcome, "reason", reason)).increment();
        audit.recordSoon("licence.decision", publisherId, personId, null, publisherId,
                d instanceof EntitlementDecision.Allowed ? fr.relais.audit.AuditTrail.Outcome.ALLOWED
                        : fr.relais.audit.AuditTrail.Outcome.REFUSED,
                reason + " ; UAI " + uai + " ; ressource " + resourceId + (take ? "" : " ; consultation")
                        + (sourceId == null ? "" : " ; source " + sourceId));
        return d;
    }

    /** @param onWhoseWord who says which schools the person belongs to, for the refusal's text */
    private EntitlementDecision evaluate(String personId, List<String> profiles, List<String> schools,
                                         String onWhoseWord, String uai, String publisherId, String resourceId,
                                         Instant at, boolean take) {
        if (uai == null || !schools.contains(uai)) {
            return denied(EntitlementDecision.Reason.NOT_IN_SCHOOL, "Vous n'êtes pas inscrit dans l'établissement "
                    + uai + " selon " + onWhoseWord + " : demandez au secrétariat de votre établissement de vérifier "
                    + "votre inscription.");
        }
        List<Subscription> found = subscriptions.forSchool(publisherId, uai, resourceId);
        if (found.isEmpty()) {
            return denied(EntitlementDecision.Reason.NO_SUBSCRIPTION, "Votre établissement n'a pas d'abonnement à cette "
                    + "ressource : adressez-vous au professeur documentaliste ou au référent numérique de l'établissement.");
        }
        List<Subscription> current = found.stream().filter(s -> !s.validFrom().isAfter(at)
                && (s.validUntil() == null || s.validUntil().isAfter(at))).toList();
        if (current.isEmpty()) {
            boolean future = found.stream().anyMatch(s -> s.validFrom().isAfter(at));
            return future
                    ? denied(EntitlementDecision.Reason.NOT_YET_VALID, "L'abonnement de votre établissement à cette "
                            + "ressource n'a pas encore commencé.")
                    : denied(EntitlementDecision.Reason.EXPIRED, "L'abonnement de votre établissement à cette ressource "
                            + "a pris fin : adressez-vous au professeur documentaliste ou au référent numérique.");
        }
        String audience = audience(profiles);
        List<Subscription> covering = current.stream().filter(s -> audience != null && s.audiences().contains(audience))
                .toList();
        if (covering.isEmpty()) {
            return denied(EntitlementDecision.Reason.AUDIENCE_NOT_COVERED, "L'abonnement de votre établissement ne "
                    + "couvre pas votre profil : adressez-vous au professeur documentaliste ou au référent numérique.");
        }
        for (Subscription s : covering) {
            if (s.assignmentType() == Subscription.AssignmentType.ETABL) {
                return new EntitlementDecision.Allowed(until(s, at));
            }
        }
        // counting and taking a licence read and write together: in one transaction (school-wide ones need none)
        return tx.execute(status -> individual(covering, personId, audience, uai, at, take));
    }

    private EntitlementDecision individual(List<Subscription> covering, String personId, String audience, String uai,
                                           Instant at, boolean take) {
        EntitlementDecision refusal = null;
        for (Subscription s : covering) {
            EntitlementDecision d = individual(s, personId, audience, uai, at, take);
            if (d instanceof EntitlementDecision.Allowed) {
                return d;
            }
            refusal = refusal == null || ((EntitlementDecision.Denied) d).reason() == EntitlementDecision.Reason.NO_LICENCE_LEFT
                    ? d : refusal;
        }
        return refusal;
    }

    private EntitlementDecision individual(Subscription s, String personId, String audience, String uai, Instant at,
                                           boolean take) {
        Integer held = jdbc.queryForObject("SELECT COUNT(*) FROM licence_grant WHERE publisher_id = ? AND subscription_id = ? "
                + "AND person_id = ?", Integer.class, s.publisherId(), s.id(), personId);
        if (held != null && held > 0) {
            return new EntitlementDecision.Allowed(until(s, at));
        }
        if (!assigned(s, personId, uai)) {
            return denied(EntitlementDecision.Reason.NOT_ASSIGNED, "Votre établissement dispose de cette ressource mais "
                    + "ne vous l'a pas attribuée : demandez-la au professeur documentaliste ou au référent numérique.");
        }
        Integer own = limitOf(s, audience);
        int limit = own != null ? own : s.nbGlobal() != null ? s.nbGlobal() : 0;
        if (limit != Subscription.UNLIMITED) {
            // a count per audience when the subscription gives one, else the global count over all audiences
            int used = own != null
                    ? jdbc.queryForObject("SELECT COUNT(*) FROM licence_grant WHERE publisher_id = ? AND subscription_id = ? "
                            + "AND audience = ?", Integer.class, s.publisherId(), s.id(), audience)
                    : jdbc.queryForObject("SELECT COUNT(*) FROM licence_grant WHERE publisher_id = ? AND subscription_id = ?",
                            Integer.class, s.publisherId(), s.id());
            if (s.transferable() && used >= limit) {
                used -= release(s, uai);
            }
            if (used >= limit) {
                return denied(EntitlementDecision.Reason.NO_LICENCE_LEFT, "Toutes les licences de cette ressource sont "
                        + "déjà attribuées dans votre établissement : demandez au professeur documentaliste s'il peut en obtenir d'autres.");
            }
        }
        if (!take) {
            return new EntitlementDecision.Allowed(until(s, at));
        }
        try {
            jdbc.update("INSERT INTO licence_grant (publisher_id, subscription_id, person_id, uai, audience, granted_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)", s.publisherId(), s.id(), personId, uai, audience, Timestamp.from(at));
        } catch (DuplicateKeyException raced) {
            // taken by a concurrent launch of the same person: it is theirs either way
        }
        return new EntitlementDecision.Allowed(until(s, at));
    }

    /** Transferable licences of persons no longer in the school go back to the pool. */
    private int release(Subscription s, String uai) {
        int freed = 0;
        for (String person : jdbc.queryForList("SELECT person_id FROM licence_grant WHERE publisher_id = ? AND "
                + "subscription_id = ? AND uai = ?", String.class, s.publisherId(), s.id(), uai)) {
            Optional<Membership> p = directory.membership(person);
            if (p.isEmpty() || !p.get().schools().contains(uai)) {
                freed += jdbc.update("DELETE FROM licence_grant WHERE publisher_id = ? AND subscription_id = ? AND person_id = ?",
                        s.publisherId(), s.id(), person);
            }
        }
        return freed;
    }

    private boolean assigned(Subscription s, String personId, String uai) {
        List<String[]> rows = jdbc.query("SELECT target_type, target FROM licence_assignment WHERE publisher_id = ? AND "
                + "subscription_id = ? AND uai = ?", (rs, n) -> new String[] {rs.getString(1), rs.getString(2)},
                s.publisherId(), s.id(), uai);
        if (rows.isEmpty()) {
            return false;
        }
        Optional<Membership> person = directory.membership(personId);
        for (String[] r : rows) {
            switch (r[0]) {
                case "PERSON" -> {
                    if (r[1].equals(personId)) {
                        return true;
                    }
                }
                case "CLASS" -> {
                    if (person.isPresent() && person.get().classes().contains(r[1])) {
                        return true;
                    }
                }
                case "GROUP" -> {
                    if (person.isPresent() && person.get().groups().contains(r[1])) {
                        return true;
                    }
                }
                case "LEVEL" -> {
                    if (person.isPresent() && person.get().levels().contains(r[1])) {
                        return true;
                    }
                }
                case "SUBJECT" -> {
                    if (person.isPresent() && person.get().subjects().contains(r[1])) {
                        return true;
                    }
                }
                default -> { }
            }
        }
        return false;
    }

    static Integer limitOf(Subscription s, String audience) {
        return switch (audience) {
            case "ELEVE" -> s.nbPupil();
            case "ENSEIGNANT" -> s.nbTeacher();
            case "DOCUMENTALISTE" -> s.nbLibrarian();
            default -> s.nbOther();
        };
    }

    private static Instant until(Subscription s, Instant at) {
        return s.validUntil() != null ? s.validUntil() : at.plusSeconds(24 * 3600);
    }

    private static EntitlementDecision.Denied denied(EntitlementDecision.Reason reason, String message) {
        return new EntitlementDecision.Denied(reason, message);
    }
}
