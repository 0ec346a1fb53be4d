package fr.relais.directory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import javax.naming.InvalidNameException;
import javax.naming.directory.SearchControls;
import javax.naming.ldap.LdapName;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.ldap.filter.AndFilter;
import org.springframework.ldap.filter.EqualsFilter;
import org.springframework.stereotype.Component;

import fr.relais.directory.aaf.AafMapper;
import fr.relais.platform.ReadThroughCache;
import fr.relais.platform.cluster.ClusterNode;

/**
 * Read access to canonical persons and structures, for the admin API and for the other capabilities.
 *
 * <p>What it keeps in memory is kept exact across nodes: every entry this node writes is announced to the other
 * nodes ({@link ClusterNode}), which forget their copy of it (a pupil removed by an import on one node is refused
 * by the others within the announcement's delay, README "Several nodes").
 */
@Component
public class Directory {

    private static final List<String> STRUCTURE = List.of("ENTStructureUAI", "ENTStructureNomCourant",
            "ENTStructureTypeStruct", "ENTStructureJointure");
    /** What {@link #toMembership} reads, and nothing more: a person's entry holds three times as many attributes. */
    private static final List<String> MEMBERSHIP = List.of("ENTPersonJointure", "ENTPersonProfils",
            "ENTPersonStructRattach", "ENTEleveClasses", "ENTAuxEnsClasses", "ENTEleveGroupes", "ENTAuxEnsGroupes",
            "ENTEleveMEF", "ENTAuxEnsMEF", "ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupesMatieres");
    /** What {@link #toPerson} reads. */
    private static final List<String> PERSON = Stream.concat(MEMBERSHIP.stream(), Stream.of("sn",
            "givenName", "ENTElevePersRelEleve", "ENTPersonDateNaissance", "ENTPersonCodePostal")).toList();

    private final DirectoryStore store;
    private final AafMapper mapper;
    /** Structure DN -> UAI: read once; a write that changes a school's UAI clears what was built from it. */
    private final Map<LdapName, String> uaiByDn = new ConcurrentHashMap<>();
    /** Persons for the admin API and single sign-on, read again after a write to them (or after a while). */
    private final ReadThroughCache<String, Optional<Person>> personCache;
    /**
     * What decisions need of every person of the territory, by jointure (lower case): filled by the writes
     * themselves (an import's add or replace carries the entry's new attributes), else by a read. A write to a
     * person's entry replaces theirs at once, so a pupil whom an import moves out of a school is out of it for
     * the very next decision. The maximum age bounds what a change by another writer (another node, another
     * tool) can leave in place.
     */
    private final ReadThroughCache<String, Optional<Membership>> memberships;
    /** Identical lists (a class's pupils share their profile, school, class and level lists) are kept once. */
    private final Map<List<String>, List<String>> sharedLists = new ConcurrentHashMap<>();
    private final LdapName peopleDn;
    private final LdapName structuresDn;
    private final java.util.concurrent.atomic.AtomicLong schoolChanges = new java.util.concurrent.atomic.AtomicLong();

    private static final String CHANGES = "directory";
    private final ClusterNode cluster;

    public Directory(DirectoryStore store, DirectoryProperties properties,
                     @Value("${relais.directory.person-cache-max-age:5m}") Duration personCacheMaxAge,
                     @Value("${relais.directory.memberships.max-persons:1000000}") int maxMemberships,
                     @Value("${relais.directory.memberships.max-age:12h}") Duration membershipMaxAge,
                     ClusterNode cluster) {
        this.cluster = cluster;
        this.store = store;
        this.mapper = new AafMapper(properties.baseDn());
        this.personCache = new ReadThroughCache<>(100_000, personCacheMaxAge);
        this.memberships = new ReadThroughCache<>(maxMemberships, membershipMaxAge);
        this.peopleDn = name(store.people());
        this.structuresDn = name(store.structures());
        store.onWrite(write -> {
            written(write);
            cluster.changed(CHANGES, write.dn());
        });
        // an entry written by another node: forgotten here, read again at its next use (null: everything)
        cluster.onChange(CHANGES, dns -> {
            if (dns == null) {
                forgetEveryone();
            } else {
                dns.forEach(dn -> written(new DirectoryStore.Write(dn, null, null)));
            }
        });
    }

    private final java.util.Map<String, Set<String>> audiences = new java.util.concurrent.ConcurrentHashMap<>();

    public Optional<Person> person(String jointure) {
        if (!plausible(jointure)) {
            return Optional.empty();
        }
        return personCache.get(jointure.toLowerCase(Locale.ROOT),
                k -> store.read(mapper.personDn(jointure), PERSON).map(this::toPerson));
    }

    /** Where the person belongs, for entitlement decisions: from memory once read or written. */
    public Optional<Membership> membership(String jointure) {
        if (!plausible(jointure)) {
            return Optional.empty();
        }
        return memberships.get(jointure.toLowerCase(Locale.ROOT),
                k -> store.read(mapper.personDn(jointure), MEMBERSHIP).map(this::toMembership));
    }

    private static boolean plausible(String jointure) {
        return jointure != null && !jointure.isBlank() && jointure.length() <= 64;
    }

    /**
     * Keeps what was read exact: a person's entry written replaces their membership (or forgets it when the
     * write does not say all of it) and forgets the person; a school whose UAI changed forgets everyone built
     * with the old one; class and group entries change nothing here (persons carry their own).
     */
    private void written(DirectoryStore.Write write) {
        LdapName name = name(write.dn());
        if (name != null && name.size() == peopleDn.size() + 1 && name.startsWith(peopleDn)) {
            String jointure = String.valueOf(name.getRdn(name.size() - 1).getValue()).toLowerCase(Locale.ROOT);
            personCache.invalidate(jointure);
            if (write.attributes() != null && (write.managed() == null || covers(write.managed()))) {
                long schoolsBefore = schoolChanges.get();
                memberships.put(jointure, Optional.of(toMembership(new SdetEntry(write.dn(), write.attributes()))));
                if (schoolChanges.get() != schoolsBefore) {
                    // built with a school's UAI that has just changed (an import writes schools and persons at once)
                    memberships.invalidate(jointure);
                }
            } else {
                memberships.invalidate(jointure);
            }
        } else if (name != null && name.size() > structuresDn.size() + 1 && name.startsWith(structuresDn)) {
            // a class or group entry under a school
            audiences.clear();
        } else if (name != null && name.size() == structuresDn.size() + 1 && name.startsWith(structuresDn)) {
            audiences.clear(); // a school created or renamed: its classes are read again
            try {
                String now = uaiOf(write.dn());
                // put, not remove: a concurrent read of the old UAI cannot come back after it
                String before = uaiByDn.put(name, now);
                if (before != null && !before.equals(now)) {
                    forgetEveryone();
                }
            } catch (RuntimeException unreadable) {
                forgetEveryone();
            }
        } else {
            forgetEveryone();
        }
    }

    private static boolean covers(java.util.Collection<String> managed) {
        return MEMBERSHIP.stream().allMatch(a -> managed.stream().anyMatch(a::equalsIgnoreCase));
    }

    private void forgetEveryone() {
        schoolChanges.incrementAndGet();
        audiences.clear();
        uaiByDn.clear();
        personCache.invalidateAll();
        memberships.invalidateAll();
    }

    private String uaiOf(String structureDn) {
        return store.read(structureDn, List.of("ENTStructureUAI")).map(s -> value(s, "ENTStructureUAI")).orElse("");
    }

    private static LdapName name(String dn) {
        try {
            return new LdapName(dn);
        } catch (InvalidNameException | NullPointerException e) {
            return null;
        }
    }

    public Optional<Structure> structure(String uai) {
        if (uai == null || uai.isBlank() || uai.length() > 16) {
            return Optional.empty();
        }
        AndFilter filter = new AndFilter().and(new EqualsFilter("objectClass", "ENTStructure"))
                .and(new EqualsFilter("ENTStructureUAI", uai.toUpperCase(Locale.ROOT)));
        List<SdetEntry> found = store.search(store.structures(), SearchControls.ONELEVEL_SCOPE, filter.encode(), STRUCTURE);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        SdetEntry s = found.get(0);
        List<String> classes = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        String groupsOfStructure = new AndFilter().and(new EqualsFilter("objectClass", "groupOfNames"))
                .and(new EqualsFilter("ENTGroupeStructRattach", s.dn())).encode();
        for (SdetEntry g : store.search(s.dn(), SearchControls.ONELEVEL_SCOPE, groupsOfStructure,
                List.of("cn", "objectClass"))) {
            boolean isClass = values(g, "objectClass").stream().anyMatch("ENTClasse"::equalsIgnoreCase);
            (isClass ? classes : groups).add(value(g, "cn"));
        }
        classes.sort(null);
        groups.sort(null);
        Map<String, Long> persons = new TreeMap<>();
        store.forEach(store.people(), SearchControls.ONELEVEL_SCOPE,
                new EqualsFilter("ENTPersonStructRattach", s.dn()).encode(), List.of("ENTPersonProfils"),
                p -> values(p, "ENTPersonProfils").forEach(profile -> persons.merge(profile, 1L, Long::sum)));
        return Optional.of(new Structure(value(s, "ENTStructureUAI"), value(s, "ENTStructureNomCourant"),
                value(s, "ENTStructureTypeStruct"), classes, groups, persons));
    }

    /**
     * The codes of a school's classes and groups (empty when the school is unknown), kept until the next import:
     * the cahier de textes checks each change against them.
     */
    public Set<String> audiences(String uai) {
        if (uai == null || uai.isBlank() || uai.length() > 16) {
            return Set.of();
        }
        return audiences.computeIfAbsent(uai.toUpperCase(Locale.ROOT), u -> {
            AndFilter filter = new AndFilter().and(new EqualsFilter("objectClass", "ENTStructure"))
                    .and(new EqualsFilter("ENTStructureUAI", u));
            List<SdetEntry> found = store.search(store.structures(), SearchControls.ONELEVEL_SCOPE, filter.encode(), STRUCTURE);
            if (found.isEmpty()) {
                return Set.of();
            }
            String groupsOfStructure = new AndFilter().and(new EqualsFilter("objectClass", "groupOfNames"))
                    .and(new EqualsFilter("ENTGroupeStructRattach", found.get(0).dn())).encode();
            Set<String> codes = new java.util.TreeSet<>();
            for (SdetEntry g : store.search(found.get(0).dn(), SearchControls.ONELEVEL_SCOPE, groupsOfStructure, List.of("cn"))) {
                codes.add(value(g, "cn"));
            }
            return Set.copyOf(codes);
        });
    }

    /** Every school of the directory (UAI, name, type), without classes or counts. */
    public List<Structure> structures() {
        List<Structure> out = new ArrayList<>();
        store.forEach(store.structures(), SearchControls.ONELEVEL_SCOPE, "(objectClass=ENTStructure)", STRUCTURE,
                s -> out.add(new Structure(value(s, "ENTStructureUAI"), value(s, "ENTStructureNomCourant"),
                        value(s, "ENTStructureTypeStruct"), List.of(), List.of(), Map.of())));
        out.sort(java.util.Comparator.comparing(Structure::uai, java.util.Comparator.nullsLast(String::compareTo)));
        return out;
    }

    private Person toPerson(SdetEntry e) {
        Membership m = toMembership(e);
        List<String> guardians = values(e, "ENTElevePersRelEleve").stream()
                .map(dn -> dn.replaceFirst("(?i)^uid=([^,]+),.*$", "$1")).toList();
        return new Person(value(e, "ENTPersonJointure"), value(e, "sn"), value(e, "givenName"), m.profiles(),
                m.schools(), m.classes(), m.groups(), guardians, value(e, "ENTPersonDateNaissance"),
                value(e, "ENTPersonCodePostal"), m.levels(), m.subjects());
    }

    private Membership toMembership(SdetEntry e) {
        Set<String> schoolDns = new LinkedHashSet<>(values(e, "ENTPersonStructRattach"));
        Set<String> classes = new LinkedHashSet<>();
        Set<String> groups = new LinkedHashSet<>();
        for (String attribute : List.of("ENTEleveClasses", "ENTAuxEnsClasses")) {
            for (String v : values(e, attribute)) {
                int dollar = v.indexOf('$');
                schoolDns.add(v.substring(0, Math.max(dollar, 0)));
                classes.add(v.substring(dollar + 1));
            }
        }
        for (String attribute : List.of("ENTEleveGroupes", "ENTAuxEnsGroupes")) {
            for (String v : values(e, attribute)) {
                int dollar = v.indexOf('$');
                schoolDns.add(v.substring(0, Math.max(dollar, 0)));
                groups.add(v.substring(dollar + 1));
            }
        }
        List<String> schools = new ArrayList<>();
        for (String dn : schoolDns) {
            LdapName key = dn.isBlank() ? null : name(dn);
            if (key != null) {
                String uai = uaiByDn.computeIfAbsent(key, k -> uaiOf(dn));
                if (!uai.isEmpty() && !schools.contains(uai)) {
                    schools.add(uai);
                }
            }
        }
        String jointure = value(e, "ENTPersonJointure");
        if (jointure == null) {
            LdapName dn = name(e.dn());
            jointure = dn == null || dn.isEmpty() ? null : String.valueOf(dn.getRdn(dn.size() - 1).getValue());
        }
        return new Membership(jointure, shared(values(e, "ENTPersonProfils")), shared(schools),
                shared(new ArrayList<>(classes)), shared(new ArrayList<>(groups)), shared(levels(e)), shared(subjects(e)));
    }

    private List<String> shared(List<String> values) {
        if (values.isEmpty()) {
            return List.of();
        }
        List<String> copy = List.copyOf(values);
        return sharedLists.size() > 100_000 ? copy : sharedLists.computeIfAbsent(copy, k -> k);
    }

    private static List<String> levels(SdetEntry e) {
        List<String> out = new ArrayList<>(values(e, "ENTEleveMEF"));
        values(e, "ENTAuxEnsMEF").stream().filter(v -> !out.contains(v)).forEach(out::add);
        return out;
    }

    /** Subjects taught: the last field of ENTAuxEnsClassesMatieres / GroupesMatieres values. */
    private static List<String> subjects(SdetEntry e) {
        List<String> out = new ArrayList<>();
        for (String attribute : List.of("ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupesMatieres")) {
            for (String v : values(e, attribute)) {
                String subject = v.substring(v.lastIndexOf('$') + 1);
                if (!out.contains(subject)) {
                    out.add(subject);
                }
            }
        }
        return out;
    }

    private static List<String> values(SdetEntry e, String attribute) {
        for (Map.Entry<String, List<String>> a : e.attributes().entrySet()) {
            if (a.getKey().equalsIgnoreCase(attribute)) {
                return a.getValue();
            }
        }
        return List.of();
    }

    private static String value(SdetEntry e, String attribute) {
        List<String> v = values(e, attribute);
        return v.isEmpty() ? null : v.get(0);
    }
}
