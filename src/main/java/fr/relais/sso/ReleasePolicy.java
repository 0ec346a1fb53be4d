package fr.relais.sso;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;

/**
 * The one place where Relais decides what a tool or publisher learns about a person: exactly the attributes
 * its descriptor lists under {@code release.attributes}, nothing else. Names are the ones the receiving
 * systems expect (Pronote's {@code nom}, {@code prenom}, {@code dateNaissance}, {@code codePostal},
 * {@code categories}...).
 */
@Component
public class ReleasePolicy {

    /** Attribute names this engine knows how to produce. */
    public static final Set<String> KNOWN = Set.of("uid", "ENTPersonJointure", "nom", "prenom", "dateNaissance",
            "codePostal", "categories", "profils", "UAI", "classes", "groupes", "IDO", "PRO", "DIV", "GRO", "P_MS4",
            "P_MAT");
    /** What a publisher never receives unless its descriptor declares it and {@code release.approved} is true. */
    static final Set<String> PERSONAL = Set.of("uid", "ENTPersonJointure", "nom", "prenom", "dateNaissance",
            "codePostal", "classes", "groupes");

    private final PairwiseIds pairwise;
    private final fr.relais.directory.MefStat4 mefStat4;

    public ReleasePolicy(PairwiseIds pairwise, fr.relais.directory.MefStat4 mefStat4) {
        this.pairwise = pairwise;
        this.mefStat4 = mefStat4;
    }

    /** For a school tool (CAS). */
    public Map<String, List<String>> release(Connector target, SsoPerson person) {
        return release(target, person, null);
    }

    /**
     * @param uai the school of this access (publishers' {@code UAI}); null for a tool
     */
    public Map<String, List<String>> release(Connector target, SsoPerson person, String uai) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (target.descriptor() == null) {
            return out;
        }
        boolean publisher = target.is(fr.relais.connector.ConnectorKind.PUBLISHER);
        boolean approved = target.descriptor().path("release").path("approved").asBoolean(false);
        for (var name : target.descriptor().path("release").path("attributes")) {
            if (publisher && PERSONAL.contains(name.asText()) && !approved) {
                continue;
            }
            List<String> values = values(name.asText(), person, target, uai);
            if (!values.isEmpty()) {
                out.put(name.asText(), values);
            }
        }
        return out;
    }

    /** The publisher's pseudonymous id for this person (GAR's IDO). */
    public String pairwiseId(Connector publisher, SsoPerson person) {
        return pairwise.of(person.id(), publisher.id());
    }

    private List<String> values(String name, SsoPerson p, Connector target, String uai) {
        return switch (name) {
            case "IDO" -> one(pairwiseId(target, p));
            case "PRO" -> p.profiles().stream().map(ReleasePolicy::garProfile).distinct().toList();
            case "DIV" -> p.classes().stream().map(c -> c + "##" + c).toList();
            case "P_MAT" -> p.subjects();
            case "P_MS4" -> mefStat4.of(p.levels());
            case "GRO" -> p.groups().stream().map(g -> g + "##" + g).toList();
            case "UAI" -> uai != null ? one(uai) : p.schools();
            case "uid" -> one(p.id());
            case "ENTPersonJointure" -> p.unlinked() ? List.of() : one(p.id());
            case "nom" -> one(p.lastName());
            case "prenom" -> one(p.firstName());
            case "dateNaissance" -> one(p.birthDate());
            case "codePostal" -> one(p.postalCode());
            case "categories" -> categories(p.profiles());
            case "profils" -> p.profiles();
            case "classes" -> p.classes();
            case "groupes" -> p.groups();
            default -> List.of();
        };
    }

    /** GAR writes national profiles with a lower-case suffix: National_elv, National_ens... */
    static String garProfile(String profile) {
        int underscore = profile.indexOf('_');
        return underscore < 0 ? profile : profile.substring(0, underscore + 1) + profile.substring(underscore + 1).toLowerCase();
    }

    /** Pronote's categories: National_1 pupil, National_2 parent, National_3 teacher, National_4 staff. */
    static List<String> categories(List<String> profiles) {
        Set<String> out = new LinkedHashSet<>();
        for (String profile : profiles) {
            out.add(switch (profile) {
                case "National_ELV" -> "National_1";
                case "National_TUT" -> "National_2";
                case "National_ENS" -> "National_3";
                default -> "National_4";
            });
        }
        return new ArrayList<>(out);
    }

    private static List<String> one(String value) {
        return value == null || value.isBlank() ? List.of() : List.of(value);
    }
}
