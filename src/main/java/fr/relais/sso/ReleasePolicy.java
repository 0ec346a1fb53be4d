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
            "codePostal", "categories", "profils", "UAI", "classes", "groupes");

    public Map<String, List<String>> release(Connector target, SsoPerson person) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (target.descriptor() == null) {
            return out;
        }
        for (var name : target.descriptor().path("release").path("attributes")) {
            List<String> values = values(name.asText(), person);
            if (!values.isEmpty()) {
                out.put(name.asText(), values);
            }
        }
        return out;
    }

    private static List<String> values(String name, SsoPerson p) {
        return switch (name) {
            case "uid" -> one(p.id());
            case "ENTPersonJointure" -> p.unlinked() ? List.of() : one(p.id());
            case "nom" -> one(p.lastName());
            case "prenom" -> one(p.firstName());
            case "dateNaissance" -> one(p.birthDate());
            case "codePostal" -> one(p.postalCode());
            case "categories" -> categories(p.profiles());
            case "profils" -> p.profiles();
            case "UAI" -> p.schools();
            case "classes" -> p.classes();
            case "groupes" -> p.groups();
            default -> List.of();
        };
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
