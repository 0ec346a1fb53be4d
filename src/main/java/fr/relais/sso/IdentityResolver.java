package fr.relais.sso;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import fr.relais.audit.AuditTrail;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.connector.Territory;
import fr.relais.directory.Directory;
import fr.relais.directory.Person;
import fr.relais.licence.Requester;

/**
 * From what an identity source asserted to a canonical person: the AAF jointure when the source gives one
 * (per the connector's {@code attributes} mapping), else the account Relais linked earlier, else a person
 * created just in time from the asserted attributes and flagged as unlinked.
 *
 * <p>A source speaks only for the schools of its {@link Territory}: schools it asserts outside it are dropped
 * before anything else, with one warning and an audit event. A person of the directory who logs in through a
 * source serving none of their schools is logged in (the source did authenticate them) and audited; licence
 * decisions then refuse the schools outside the source's territory (see {@link #requester}).
 */
@Component
public class IdentityResolver {

    private static final Logger log = LoggerFactory.getLogger(IdentityResolver.class);

    private final Directory directory;
    private final SsoAccounts accounts;
    private final ConnectorRegistry registry;
    private final AuditTrail audit;

    public IdentityResolver(Directory directory, SsoAccounts accounts, ConnectorRegistry registry, AuditTrail audit) {
        this.directory = directory;
        this.accounts = accounts;
        this.registry = registry;
        this.audit = audit;
    }

    public SsoPerson resolve(Connector source, Identity asserted) {
        JsonNode mapping = source.descriptor().path("attributes");
        Territory territory = Territory.of(source);
        String schoolsAttribute = text(mapping, "schools");
        List<String> dropped = territory.outside(asserted.all(schoolsAttribute));
        Identity identity = dropped.isEmpty() ? asserted : withSchools(asserted, schoolsAttribute,
                asserted.all(schoolsAttribute).stream().filter(territory::serves).toList());
        SsoPerson person = resolve(source, identity, mapping);
        if (!dropped.isEmpty()) {
            log.warn("Établissements hors du territoire de {} ignorés : {} (personne {})", source.id(),
                    String.join(", ", dropped), person.id());
            audit.record("sso.claims.dropped", source.id(), person.id(), null, null, AuditTrail.Outcome.REFUSED,
                    "établissements hors du territoire de la source ignorés : " + String.join(", ", dropped));
        }
        if (!person.unlinked() && !person.schools().isEmpty() && !territory.servesAny(person.schools())) {
            log.warn("Connexion de {} par {}, qui ne dessert aucun de ses établissements ({}) : ressources payantes "
                    + "refusées par cette source", person.id(), source.id(), String.join(", ", person.schools()));
            audit.record("sso.login.outside-territory", source.id(), person.id(), null, null, AuditTrail.Outcome.DONE,
                    "la source ne dessert aucun des établissements de la personne : " + String.join(", ", person.schools()));
        }
        return person;
    }

    private SsoPerson resolve(Connector source, Identity identity, JsonNode mapping) {
        String jointure = jointure(identity, mapping);
        if (jointure != null) {
            Optional<Person> person = directory.person(jointure);
            if (person.isPresent()) {
                link(identity, person.get().jointure(), false, person.get().lastName(), person.get().firstName(),
                        person.get().profiles(), person.get().schools());
                return fromDirectory(person.get());
            }
        }
        Optional<SsoAccounts.Account> account = accounts.find(identity.sourceConnector(), identity.subject());
        if (account.isPresent() && !account.get().unlinked()) {
            Optional<Person> linked = directory.person(account.get().personId());
            if (linked.isPresent()) {
                accounts.save(account.get());
                return fromDirectory(linked.get());
            }
        }
        String id = account.map(SsoAccounts.Account::personId).orElse("jit-" + UUID.randomUUID());
        String lastName = identity.first(text(mapping, "lastName"));
        String firstName = identity.first(text(mapping, "firstName"));
        List<String> profiles = identity.all(text(mapping, "profiles"));
        List<String> schools = identity.all(text(mapping, "schools"));
        link(identity, id, true, lastName, firstName, profiles, schools);
        log.info("Personne créée à la volée (non rattachée à l'annuaire) : {} pour {} chez {}", id,
                identity.subject(), identity.sourceConnector());
        return new SsoPerson(id, true, lastName, firstName, profiles, schools, List.of(), List.of(), null, null);
    }

    /**
     * The person of a session as licence decisions take them: their id, what their source asserted (already cut
     * to its territory), and that source with its territory and whether it is trusted for its claims. A source
     * no longer configured serves no school.
     */
    public Requester requester(SsoSessions.SsoSession session, SsoPerson person) {
        Optional<Connector> source = registry.find(session.sourceConnector()).filter(Connector::isReady);
        Requester.Source from = source.map(c -> new Requester.Source(c.id(), c.name(), Territory.of(c),
                        c.descriptor().path("sso").path("trustClaims").asBoolean(false)))
                .orElse(new Requester.Source(session.sourceConnector(), session.sourceConnector(), Territory.NONE, false));
        return new Requester(person.id(), person.profiles(), person.schools(), from);
    }

    private static Identity withSchools(Identity identity, String attribute, List<String> schools) {
        Map<String, List<String>> attributes = new LinkedHashMap<>(identity.attributes());
        attributes.put(attribute, schools);
        return new Identity(identity.sourceConnector(), identity.subject(), attributes);
    }

    /** The person a session points at, as of now. */
    public Optional<SsoPerson> current(String personId) {
        if (!personId.startsWith("jit-")) {
            Optional<Person> person = directory.person(personId);
            if (person.isPresent()) {
                return Optional.of(fromDirectory(person.get()));
            }
        }
        return accounts.findByPerson(personId).map(a -> new SsoPerson(a.personId(), a.unlinked(), a.lastName(),
                a.firstName(), a.profiles(), a.schools(), List.of(), List.of(), null, null));
    }

    private void link(Identity identity, String personId, boolean unlinked, String lastName, String firstName,
                      List<String> profiles, List<String> schools) {
        accounts.save(new SsoAccounts.Account(identity.sourceConnector(), identity.subject(), personId, unlinked,
                lastName, firstName, profiles, schools));
    }

    private static SsoPerson fromDirectory(Person p) {
        return new SsoPerson(p.jointure(), false, p.lastName(), p.firstName(), p.profiles(), p.schools(), p.classes(),
                p.groups(), p.birthDate(), p.postalCode(), p.subjects(), p.levels());
    }

    /** The jointure attribute, through the connector's optional pattern (ÉduConnect's FrEduCtRefId). */
    static String jointure(Identity identity, JsonNode mapping) {
        String value = identity.first(text(mapping, "jointure"));
        if (value == null || value.isBlank()) {
            return null;
        }
        String pattern = text(mapping, "jointurePattern");
        if (pattern != null) {
            Matcher m = Pattern.compile(pattern).matcher(value);
            return m.find() && m.groupCount() >= 1 ? m.group(1) : null;
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isValueNode() ? v.asText() : null;
    }
}
