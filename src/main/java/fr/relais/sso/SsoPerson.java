package fr.relais.sso;

import java.util.List;

/**
 * Who is logged in: a person of the directory (id = AAF jointure), or a person created just in time from what
 * the identity source asserted ({@code unlinked}, id {@code jit-...}) until an administrator links it.
 */
public record SsoPerson(String id, boolean unlinked, String lastName, String firstName, List<String> profiles,
                        List<String> schools, List<String> classes, List<String> groups, String birthDate,
                        String postalCode, List<String> subjects, List<String> levels) {

    public SsoPerson(String id, boolean unlinked, String lastName, String firstName, List<String> profiles,
                     List<String> schools, List<String> classes, List<String> groups, String birthDate, String postalCode) {
        this(id, unlinked, lastName, firstName, profiles, schools, classes, groups, birthDate, postalCode, List.of(),
                List.of());
    }
}
