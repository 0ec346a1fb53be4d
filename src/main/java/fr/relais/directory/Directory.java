package fr.relais.directory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javax.naming.directory.SearchControls;

import org.springframework.ldap.filter.AndFilter;
import org.springframework.ldap.filter.EqualsFilter;
import org.springframework.stereotype.Component;

import fr.relais.directory.aaf.AafMapper;

/** Read access to canonical persons and structures, for the admin API and for the other capabilities. */
@Component
public class Directory {

    private static final List<String> STRUCTURE = List.of("ENTStructureUAI", "ENTStructureNomCourant",
            "ENTStructureTypeStruct", "ENTStructureJointure");

    private final DirectoryStore store;
    private final AafMapper mapper;
    /** Structure DN -> UAI: read once, schools hardly ever change (an import clears it). */
    private final java.util.Map<String, String> uaiByDn = new java.util.concurrent.ConcurrentHashMap<>();

    public Directory(DirectoryStore store, DirectoryProperties properties) {
        this.store = store;
        this.mapper = new AafMapper(properties.baseDn());
    }

    /** Persons read in the last seconds: a login fans out into several validations in a row. */
    private record Cached(Optional<Person> person, long until) {
    }

    private static final long PERSON_CACHE_NANOS = 15_000_000_000L;
    private final java.util.Map<String, Cached> recent = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Set<String>> audiences = new java.util.concurrent.ConcurrentHashMap<>();

    public Optional<Person> person(String jointure) {
        if (jointure == null || jointure.isBlank() || jointure.length() > 64) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        Cached cached = recent.get(jointure);
        if (cached != null && cached.until() - now > 0) {
            return cached.person();
        }
        Optional<Person> person = store.read(mapper.personDn(jointure), AafMapper.PERSON_ATTRIBUTES).map(this::toPerson);
        if (recent.size() > 100_000) {
            recent.clear();
        }
        recent.put(jointure, new Cached(person, now + PERSON_CACHE_NANOS));
        return person;
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

    /** Called after every import: what was read before may have changed. */
    public void forgetStructures() {
        uaiByDn.clear();
        audiences.clear();
        recent.clear();
    }

    private Person toPerson(SdetEntry e) {
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
            if (!dn.isBlank()) {
                String uai = uaiByDn.computeIfAbsent(dn.toLowerCase(Locale.ROOT), k -> store.read(dn,
                        List.of("ENTStructureUAI")).map(s -> value(s, "ENTStructureUAI")).orElse(""));
                if (!uai.isEmpty() && !schools.contains(uai)) {
                    schools.add(uai);
                }
            }
        }
        List<String> guardians = values(e, "ENTElevePersRelEleve").stream()
                .map(dn -> dn.replaceFirst("(?i)^uid=([^,]+),.*$", "$1")).toList();
        return new Person(value(e, "ENTPersonJointure"), value(e, "sn"), value(e, "givenName"),
                values(e, "ENTPersonProfils"), schools, new ArrayList<>(classes), new ArrayList<>(groups), guardians,
                value(e, "ENTPersonDateNaissance"), value(e, "ENTPersonCodePostal"), levels(e), subjects(e));
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
