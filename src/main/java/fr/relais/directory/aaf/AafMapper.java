package fr.relais.directory.aaf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.springframework.ldap.support.LdapNameBuilder;

import fr.relais.directory.SdetEntry;

/**
 * Turns AAF records into SDET entries: which AAF attributes are known for each category, how references to
 * structures ({@code 7001$3A}) become DN references, which profile and object class a person gets.
 * Unknown attributes are left out and reported; references to unknown structures too.
 */
public class AafMapper {

    public static final String ELEVE = "Eleve";
    public static final String PERS_EDUC_NAT = "PersEducNat";
    public static final String PERS_REL_ELEVE = "PersRelEleve";
    public static final String ETAB = "EtabEducNat";
    public static final Set<String> PERSON_CATEGORIES = Set.of(ELEVE, PERS_EDUC_NAT, PERS_REL_ELEVE);

    /** AAF name -> LDAP name, copied as they are. Single-valued ones keep their first non-empty value. */
    private static final Map<String, String> COMMON = Map.ofEntries(
            Map.entry("ENTPersonJointure", "ENTPersonJointure"), Map.entry("sn", "sn"),
            Map.entry("givenName", "givenName"), Map.entry("ENTPersonNomPatro", "ENTPersonNomPatro"),
            Map.entry("ENTPersonAutresPrenoms", "ENTPersonAutresPrenoms"),
            Map.entry("ENTPersonDateNaissance", "ENTPersonDateNaissance"), Map.entry("personalTitle", "ENTPersonCivilite"),
            Map.entry("mail", "mail"), Map.entry("ENTPersonAdresse", "ENTPersonAdresse"),
            Map.entry("ENTPersonCodePostal", "ENTPersonCodePostal"), Map.entry("ENTPersonVille", "ENTPersonVille"),
            Map.entry("ENTPersonAlias", "ENTPersonAlias"), Map.entry("ENTPersonLogin", "ENTPersonLogin"),
            Map.entry("ENTPersonFonctions", "ENTPersonFonctions"), Map.entry("ENTPersonProfils", "ENTPersonProfils"));
    private static final Map<String, String> ELEVE_DIRECT = Map.of(
            "ENTEleveStructRattachId", "ENTEleveStructRattachId", "ENTEleveMEF", "ENTEleveMEF",
            "ENTEleveLibelleMEF", "ENTEleveLibelleMEF", "ENTEleveMajeur", "ENTEleveMajeur",
            "ENTEleveBoursier", "ENTEleveBoursier", "ENTEleveRegime", "ENTEleveRegime",
            "ENTEleveCodeEnseignements", "ENTEleveCodeEnseignements");
    private static final Map<String, String> ENS_DIRECT = Map.of(
            "ENTAuxEnsMEF", "ENTAuxEnsMEF", "ENTAuxEnsMatiereEnseignEtab", "ENTAuxEnsMatiereEnseignEtab");
    private static final Set<String> SINGLE = Set.of("ENTPersonJointure", "sn", "givenName", "cn", "uid",
            "ENTPersonNomPatro", "ENTPersonDateNaissance", "ENTPersonCivilite", "ENTPersonCodePostal", "ENTPersonVille",
            "ENTPersonLogin", "ENTPersonStructRattach", "ENTEleveStructRattachId", "ENTEleveMEF", "ENTEleveLibelleMEF",
            "ENTEleveMajeur", "ENTEleveBoursier", "ENTEleveRegime", "ENTElevePersRelEleve1", "ENTElevePersRelEleve2",
            "ENTStructureJointure", "ENTStructureUAI", "ENTStructureNomCourant", "ENTStructureTypeStruct",
            "ENTStructureSIREN", "ENTServAcAcademie", "ou");
    /** Known to the AAF but deliberately not kept (minimal data) or derived by Relais. */
    private static final Set<String> IGNORED = Set.of("ENTPersonPays", "telephoneNumber", "homePhone", "mobile",
            "facsimileTelephoneNumber", "ENTPersonNomUsage", "ENTEleveNivFormation", "ENTEleveNivFormationDiplome",
            "ENTEleveFiliere", "ENTEleveEnseignements", "ENTEleveLibelleEnseignements", "ENTEleveStatutEleve",
            "ENTEleveAutoriteParentale", "ENTEleveTransport", "ENTEleveSpecialite", "ENTEleveINE",
            "ENTElevePersRelEleve1", "ENTElevePersRelEleve2", "PersEducNatPresenceDevantEleves",
            "ENTAuxEnsCategoDiscipline", "ENTAuxEnsDisciplinesPoste", "ENTAuxPersRelEleveEleve",
            "ENTEtablissementContrat", "ENTEtablissementMinistereTutelle", "ENTEtablissementStructRattachFctl",
            "ENTStructureEmail", "postalAddress", "street", "postalCode", "l", "ENTStructureTypeStructLibelle");

    public static final Set<String> PERSON_CLASSES = Set.of("ENTEleve", "ENTAuxEnseignant", "ENTAuxPersRelEleve");

    /** Every attribute a person entry of Relais may carry: the ones an import replaces. */
    public static final List<String> PERSON_ATTRIBUTES = List.of("objectClass", "uid", "cn", "sn", "givenName",
            "ENTPersonJointure", "ENTPersonNomPatro", "ENTPersonAutresPrenoms", "ENTPersonDateNaissance",
            "ENTPersonCivilite", "mail", "ENTPersonAdresse", "ENTPersonCodePostal", "ENTPersonVille", "ENTPersonAlias",
            "ENTPersonLogin", "ENTPersonFonctions", "ENTPersonProfils", "ENTPersonStructRattach",
            "ENTEleveStructRattachId", "ENTEleveMEF", "ENTEleveLibelleMEF", "ENTEleveMajeur", "ENTEleveBoursier",
            "ENTEleveRegime", "ENTEleveCodeEnseignements", "ENTEleveClasses", "ENTEleveGroupes",
            "ENTElevePersRelEleve", "ENTElevePersRelEleve1", "ENTElevePersRelEleve2", "ENTAuxEnsMEF",
            "ENTAuxEnsMatiereEnseignEtab", "ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupesMatieres", "ENTAuxEnsClasses",
            "ENTAuxEnsGroupes");

    /** A structure known to the directory, by the jointure AAF files use to refer to it. */
    public record StructureRef(String jointure, String dn, String uai) {
    }

    /** The outcome of mapping one record: the entry, and what was left out. */
    /** @param unresolved attributes whose school reference could not be resolved (their stored value is kept) */
    public record Mapped(SdetEntry entry, List<String> warnings, Map<String, String> classes,
                         Map<String, String> groups, Set<String> unresolved) {
    }

    private final String baseDn;

    public AafMapper(String baseDn) {
        this.baseDn = baseDn;
    }

    public String personDn(String jointure) {
        return LdapNameBuilder.newInstance(baseDn).add("ou", "personnes").add("uid", jointure).build().toString();
    }

    public String structureDn(String siren) {
        return LdapNameBuilder.newInstance(baseDn).add("ou", "structures").add("ENTStructureSIREN", siren).build().toString();
    }

    public String groupDn(String structureDn, String code) {
        return LdapNameBuilder.newInstance(structureDn).add("cn", code).build().toString();
    }

    public static String personObjectClass(String category) {
        return switch (category) {
            case ELEVE -> "ENTEleve";
            case PERS_REL_ELEVE -> "ENTAuxPersRelEleve";
            default -> "ENTAuxEnseignant";
        };
    }

    /**
     * Maps a person record. With {@code partial} (a modifyRequest) only the attributes it lists are produced;
     * otherwise the result is the whole entry.
     */
    public Mapped person(AafRecord record, Function<String, StructureRef> structures, boolean partial) {
        String category = record.category();
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> unresolved = new LinkedHashSet<>();
        for (Map.Entry<String, List<String>> attr : record.attributes().entrySet()) {
            String name = attr.getKey();
            List<String> values = attr.getValue().stream().filter(v -> !v.isEmpty()).toList();
            String direct = COMMON.get(name);
            if (direct == null && ELEVE.equals(category)) {
                direct = ELEVE_DIRECT.get(name);
            }
            if (direct == null && PERS_EDUC_NAT.equals(category)) {
                direct = ENS_DIRECT.get(name);
            }
            if (direct != null) {
                put(out, direct, values);
                continue;
            }
            switch (name) {
                case "ENTPersonStructRattach" -> {
                    List<String> dns = new ArrayList<>();
                    for (String v : values) {
                        StructureRef s = structures.apply(v);
                        if (s == null) {
                            unresolved.add("ENTPersonStructRattach");
                            warnings.add("ENTPersonStructRattach : établissement '" + v
                                    + "' inconnu (importez d'abord son fichier EtabEducNat) ; rattachement ignoré");
                        } else {
                            dns.add(s.dn());
                        }
                    }
                    put(out, "ENTPersonStructRattach", dns);
                }
                case "ENTEleveClasses", "ENTEleveGroupes", "ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupesMatieres",
                     "ENTAuxEnsClasses", "ENTAuxEnsGroupes" -> {
                    if (!applies(name, category)) {
                        warnings.add("attribut '" + name + "' inattendu pour la catégorie " + category + " : ignoré");
                        continue;
                    }
                    int before = warnings.size();
                    put(out, name, references(name, values, structures, warnings));
                    if (warnings.size() > before) {
                        unresolved.add(name);
                        unresolved.add(name.replace("Matieres", ""));
                    }
                }
                case "ENTElevePersRelEleve" -> {
                    if (!ELEVE.equals(category)) {
                        warnings.add("attribut '" + name + "' inattendu pour la catégorie " + category + " : ignoré");
                        continue;
                    }
                    relations(values, out, warnings);
                }
                case "ENTStructureClasses", "ENTStructureGroupes" ->
                        warnings.add("attribut '" + name + "' inattendu pour une personne : ignoré");
                default -> {
                    if (!IGNORED.contains(name)) {
                        warnings.add("attribut inconnu '" + name + "' : non enregistré");
                    }
                }
            }
        }
        // teachers: the classes and groups they teach, without the subject
        deriveTaught(out, "ENTAuxEnsClassesMatieres", "ENTAuxEnsClasses");
        deriveTaught(out, "ENTAuxEnsGroupesMatieres", "ENTAuxEnsGroupes");
        if (!partial || out.containsKey("ENTPersonFonctions") || out.containsKey("ENTAuxEnsClassesMatieres")) {
            if (!out.containsKey("ENTPersonProfils")) {
                out.put("ENTPersonProfils", profiles(category, out));
            }
        }
        if (!partial) {
            out.put("objectClass", List.of("top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson",
                    personObjectClass(category)));
            out.put("uid", List.of(record.id()));
            out.putIfAbsent("ENTPersonJointure", List.of(record.id()));
        }
        return new Mapped(new SdetEntry(personDn(record.id()), out), warnings, Map.of(), Map.of(), unresolved);
    }

    /** cn follows sn and givenName; called on the final attributes of an entry. */
    public static void completeNames(Map<String, List<String>> attributes) {
        String sn = attributes.getOrDefault("sn", List.of()).stream().findFirst().orElse(null);
        String given = attributes.getOrDefault("givenName", List.of()).stream().findFirst().orElse(null);
        if (sn != null) {
            attributes.put("cn", List.of(given == null ? sn : given + " " + sn));
        }
    }

    public Mapped structure(AafRecord record) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> classes = new LinkedHashMap<>();
        Map<String, String> groups = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> attr : record.attributes().entrySet()) {
            String name = attr.getKey();
            List<String> values = attr.getValue().stream().filter(v -> !v.isEmpty()).toList();
            switch (name) {
                case "ENTStructureJointure", "ENTStructureUAI", "ENTStructureNomCourant", "ENTStructureTypeStruct",
                     "ENTStructureSIREN", "ENTServAcAcademie" -> put(out, name, values);
                case "ENTStructureClasses", "ENTStructureGroupes" -> {
                    for (String v : values) {
                        String[] parts = v.split("\\$", 2);
                        (name.equals("ENTStructureClasses") ? classes : groups)
                                .put(parts[0], parts.length > 1 ? parts[1] : parts[0]);
                    }
                }
                default -> {
                    if (!IGNORED.contains(name)) {
                        warnings.add("attribut inconnu '" + name + "' : non enregistré");
                    }
                }
            }
        }
        out.putIfAbsent("ENTStructureJointure", List.of(record.id()));
        String siren = out.containsKey("ENTStructureSIREN") ? out.get("ENTStructureSIREN").get(0) : null;
        String uai = out.containsKey("ENTStructureUAI") ? out.get("ENTStructureUAI").get(0) : null;
        out.put("objectClass", List.of("top", "organizationalUnit", "ENTStructure", "ENTEtablissement"));
        if (uai != null) {
            out.put("ou", List.of(uai));
        }
        return new Mapped(new SdetEntry(siren == null ? null : structureDn(siren), out), warnings, classes, groups,
                Set.of());
    }

    private static boolean applies(String name, String category) {
        return name.startsWith("ENTEleve") ? ELEVE.equals(category) : PERS_EDUC_NAT.equals(category);
    }

    /** {@code 7001$3A} (or {@code 7001$3A$006600}) -> {@code <structure DN>$3A[...]}. */
    private static List<String> references(String name, List<String> values, Function<String, StructureRef> structures,
                                           List<String> warnings) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            String[] parts = v.split("\\$", 2);
            if (parts.length < 2 || parts[1].isBlank()) {
                warnings.add(name + " : valeur '" + v + "' mal formée (attendu établissement$code) : ignorée");
                continue;
            }
            StructureRef s = structures.apply(parts[0]);
            if (s == null) {
                warnings.add(name + " : '" + v + "' désigne l'établissement '" + parts[0]
                        + "' inconnu (importez d'abord son fichier EtabEducNat) : valeur ignorée");
                continue;
            }
            out.add(s.dn() + "$" + parts[1]);
        }
        return new ArrayList<>(out);
    }

    /** {@code 3000001$10$1$1$1$1}: guardian id, then flags; the 4th field marks a legal guardian. */
    private void relations(List<String> values, Map<String, List<String>> out, List<String> warnings) {
        List<String> all = new ArrayList<>();
        List<String> legal = new ArrayList<>();
        for (String v : values) {
            String[] parts = v.split("\\$");
            if (parts[0].isBlank()) {
                warnings.add("ENTElevePersRelEleve : valeur '" + v + "' sans identifiant : ignorée");
                continue;
            }
            String dn = personDn(parts[0].strip());
            all.add(dn);
            if (parts.length > 3 && "1".equals(parts[3])) {
                legal.add(dn);
            }
        }
        put(out, "ENTElevePersRelEleve", all);
        put(out, "ENTElevePersRelEleve1", legal.isEmpty() ? List.of() : List.of(legal.get(0)));
        put(out, "ENTElevePersRelEleve2", legal.size() < 2 ? List.of() : List.of(legal.get(1)));
    }

    private static void deriveTaught(Map<String, List<String>> out, String withSubject, String target) {
        List<String> values = out.get(withSubject);
        if (values == null) {
            return;
        }
        Set<String> derived = new LinkedHashSet<>(out.getOrDefault(target, List.of()));
        for (String v : values) {
            int last = v.lastIndexOf('$');
            int first = v.indexOf('$');
            derived.add(last > first ? v.substring(0, last) : v);
        }
        out.put(target, new ArrayList<>(derived));
    }

    private static List<String> profiles(String category, Map<String, List<String>> out) {
        return switch (category) {
            case ELEVE -> List.of("National_ELV");
            case PERS_REL_ELEVE -> List.of("National_TUT");
            default -> {
                Set<String> profiles = new LinkedHashSet<>();
                for (String f : out.getOrDefault("ENTPersonFonctions", List.of())) {
                    String[] parts = f.split("\\$");
                    String code = parts.length > 1 ? parts[1] : "";
                    profiles.add(switch (code) {
                        case "ENS" -> "National_ENS";
                        case "DOC" -> "National_DOC";
                        case "DIR" -> "National_DIR";
                        case "EDU" -> "National_EVS";
                        default -> "National_ETA";
                    });
                }
                if (profiles.isEmpty()) {
                    profiles.add(out.containsKey("ENTAuxEnsClassesMatieres") ? "National_ENS" : "National_ETA");
                }
                yield new ArrayList<>(profiles);
            }
        };
    }

    private static void put(Map<String, List<String>> out, String name, List<String> values) {
        if (SINGLE.contains(name)) {
            out.put(name, values.isEmpty() ? List.of() : List.of(values.get(0)));
        } else {
            List<String> merged = new ArrayList<>(out.getOrDefault(name, List.of()));
            for (String v : values) {
                if (!merged.contains(v)) {
                    merged.add(v);
                }
            }
            out.put(name, merged);
        }
    }
}
