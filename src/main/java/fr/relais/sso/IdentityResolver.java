package fr.relais.sso;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.directory.Directory;
import fr.relais.directory.Person;

/**
 * From what an identity source asserted to a canonical person: the AAF jointure when the source gives one
 * (per the connector's {@code attributes} mapping), else the account Relais linked earlier, else a person
 * created just in time from the asserted attributes and flagged as unlinked.
 */
@Component
public class IdentityResolver {

    private static final Logger log = LoggerFactory.getLogger(IdentityResolver.class);

    private final Directory directory;
    private final SsoAccounts accounts;

    public IdentityResolver(Directory directory, SsoAccounts accounts) {
        this.directory = directory;
        this.accounts = accounts;
    }

    public SsoPerson resolve(Connector source, Identity identity) {
        JsonNode mapping = source.descriptor().path("attributes");
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
