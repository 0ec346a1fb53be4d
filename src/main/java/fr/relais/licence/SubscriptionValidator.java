package fr.relais.licence;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import fr.relais.directory.aaf.Uai;

/**
 * GAR's rules for a subscription document. Every fault is reported (field, rule, message in French); a
 * document with any fault is not stored at all.
 */
public final class SubscriptionValidator {

    /** One fault: the GAR field, the rule broken (a stable code), and what to do. */
    public record Fault(String field, String rule, String message) {
    }

    public sealed interface Outcome permits Valid, Invalid {
    }

    public record Valid(Subscription subscription) implements Outcome {
    }

    public record Invalid(List<Fault> faults) implements Outcome {
    }

    static final Set<String> AUDIENCES = Set.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE", "AUTRE PERSONNEL");
    private static final List<String> COUNTS = List.of("nbLicenceEnseignant", "nbLicenceEleve", "nbLicenceProfDoc",
            "nbLicenceAutrePersonnel", "nbLicenceGlobale");

    private SubscriptionValidator() {
    }

    /**
     * @param create       PUT (create) rather than POST (update): {@code uaiEtab} is required on create, refused on update
     * @param existing     on update, the stored subscription whose schools are kept
     * @param knownSchool  whether a UAI is a school of the directory
     */
    public static Outcome validate(Map<String, List<String>> f, String publisherId, String pathId, String distributorId,
                                   boolean create, Subscription existing, Predicate<String> knownSchool) {
        List<Fault> faults = new ArrayList<>();
        f.keySet().stream().filter(k -> k.startsWith("?")).forEach(k -> faults.add(new Fault(k.substring(1),
                "element-inconnu", "élément inconnu d'un abonnement GAR : retirez-le")));
        for (String name : f.keySet()) {
            if (!name.startsWith("?") && f.get(name).size() > 1 && !Set.of("uaiEtab", "publicCible").contains(name)) {
                faults.add(new Fault(name, "unique", "ne doit apparaître qu'une fois"));
            }
        }
        String id = one(f, "idAbonnement");
        if (required(faults, "idAbonnement", id) && maxLength(faults, "idAbonnement", id, 45) && !id.equals(pathId)) {
            faults.add(new Fault("idAbonnement", "egal-url", "'" + id + "' ne correspond pas à l'identifiant de l'URL '"
                    + pathId + "'"));
        }
        String distributor = one(f, "idDistributeurCom");
        if (required(faults, "idDistributeurCom", distributor) && maxLength(faults, "idDistributeurCom", distributor, 26)
                && !distributor.equals(distributorId)) {
            faults.add(new Fault("idDistributeurCom", "distributeur-authentifie", "'" + distributor
                    + "' n'est pas le distributeur authentifié"));
        }
        String resource = one(f, "idRessource");
        if (required(faults, "idRessource", resource)) {
            maxLength(faults, "idRessource", resource, 1024);
        }
        String resourceType = one(f, "typeIdRessource");
        if (required(faults, "typeIdRessource", resourceType)) {
            maxLength(faults, "typeIdRessource", resourceType, 32);
        }
        String label = one(f, "libelleRessource");
        if (required(faults, "libelleRessource", label)) {
            maxLength(faults, "libelleRessource", label, 255);
        }
        String comment = one(f, "commentaireAbonnement");
        maxLength(faults, "commentaireAbonnement", comment, 255);
        String project = one(f, "codeProjetRessource");
        maxLength(faults, "codeProjetRessource", project, 50);
        Instant from = date(faults, f, "debutValidite", true);
        Instant until = date(faults, f, "finValidite", false);
        if (from != null && until != null && !until.isAfter(from)) {
            faults.add(new Fault("finValidite", "apres-debutValidite", "doit être postérieure à debutValidite"));
        }
        String year = one(f, "anneeFinValidite");
        if (year != null && !year.matches("\\d{4}-\\d{4}")) {
            faults.add(new Fault("anneeFinValidite", "format", "attendu une année scolaire AAAA-AAAA, trouvé '" + year + "'"));
        }
        List<String> schools = f.getOrDefault("uaiEtab", List.of());
        if (create && schools.isEmpty()) {
            faults.add(new Fault("uaiEtab", "obligatoire", "au moins un établissement (UAI) est obligatoire"));
        }
        if (!create && !schools.isEmpty()) {
            faults.add(new Fault("uaiEtab", "interdit-en-mise-a-jour", "les établissements ne changent pas par une "
                    + "mise à jour : créez un autre abonnement"));
        }
        for (String uai : schools) {
            if (!Uai.isValid(uai)) {
                faults.add(new Fault("uaiEtab", "format-uai", "'" + uai + "' n'est pas un UAI valide (7 chiffres et "
                        + "la lettre de contrôle)"));
            } else if (!knownSchool.test(uai)) {
                faults.add(new Fault("uaiEtab", "etablissement-connu", "l'établissement " + uai + " n'est pas connu "
                        + "de Relais (voir etablissements.xml)"));
            }
        }
        String category = one(f, "categorieAffectation");
        if (required(faults, "categorieAffectation", category) && !Set.of("transferable", "non transferable").contains(category)) {
            faults.add(new Fault("categorieAffectation", "enumeration", "attendu 'transferable' ou 'non transferable', "
                    + "trouvé '" + category + "'"));
        }
        String type = one(f, "typeAffectation");
        if (required(faults, "typeAffectation", type) && !Set.of("ETABL", "INDIV").contains(type)) {
            faults.add(new Fault("typeAffectation", "enumeration", "attendu 'ETABL' ou 'INDIV', trouvé '" + type + "'"));
        }
        Integer[] counts = new Integer[COUNTS.size()];
        for (int i = 0; i < COUNTS.size(); i++) {
            counts[i] = count(faults, f, COUNTS.get(i));
        }
        if ("INDIV".equals(type) && java.util.Arrays.stream(counts).allMatch(java.util.Objects::isNull)) {
            faults.add(new Fault("nbLicenceGlobale", "indiv-compte", "un abonnement INDIV indique au moins un nombre de "
                    + "licences (nbLicence...)"));
        }
        List<String> audiences = f.getOrDefault("publicCible", List.of());
        if (audiences.isEmpty()) {
            faults.add(new Fault("publicCible", "obligatoire", "au moins un public cible est obligatoire"));
        }
        for (String audience : audiences) {
            if (!AUDIENCES.contains(audience)) {
                faults.add(new Fault("publicCible", "enumeration", "attendu ELEVE, ENSEIGNANT, DOCUMENTALISTE ou "
                        + "AUTRE PERSONNEL, trouvé '" + audience + "'"));
            }
        }
        if (!faults.isEmpty()) {
            return new Invalid(List.copyOf(faults));
        }
        return new Valid(new Subscription(publisherId, id, distributor, resource, resourceType, label, comment, from,
                until, year, one(f, "codeNatureUAI"), "transferable".equals(category),
                Subscription.AssignmentType.valueOf(type), counts[0], counts[1], counts[2], counts[3], counts[4], project,
                create ? List.copyOf(schools) : existing.schools(), List.copyOf(audiences)));
    }

    private static String one(Map<String, List<String>> f, String name) {
        List<String> v = f.get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static boolean required(List<Fault> faults, String field, String value) {
        if (value == null) {
            faults.add(new Fault(field, "obligatoire", "champ obligatoire absent ou vide"));
            return false;
        }
        return true;
    }

    private static boolean maxLength(List<Fault> faults, String field, String value, int max) {
        if (value != null && value.length() > max) {
            faults.add(new Fault(field, "longueur-max", value.length() + " caractères, au plus " + max));
            return false;
        }
        return true;
    }

    private static Instant date(List<Fault> faults, Map<String, List<String>> f, String field, boolean required) {
        String value = one(f, field);
        if (value == null) {
            if (required) {
                faults.add(new Fault(field, "obligatoire", "champ obligatoire absent ou vide"));
            }
            return null;
        }
        try {
            return SubscriptionXml.dateTime(value);
        } catch (DateTimeParseException e) {
            faults.add(new Fault(field, "format-date", "attendu une date-heure ISO 8601 (2026-09-01T00:00:00), "
                    + "trouvé '" + value + "'"));
            return null;
        }
    }

    private static Integer count(List<Fault> faults, Map<String, List<String>> f, String field) {
        String value = one(f, field);
        if (value == null) {
            return null;
        }
        if ("ILLIMITE".equals(value)) {
            return Subscription.UNLIMITED;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        faults.add(new Fault(field, "nombre-ou-illimite", "attendu un nombre positif ou ILLIMITE, trouvé '" + value + "'"));
        return null;
    }
}
