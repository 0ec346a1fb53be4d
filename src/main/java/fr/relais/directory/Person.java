package fr.relais.directory;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The canonical person as the directory knows it (SDET vocabulary): the AAF jointure is the id shared with
 * every other system. {@code classes} and {@code groups} are codes within the person's schools.
 *
 * <p>{@code birthDate} (dd/MM/yyyy) and {@code postalCode} are personal data kept out of the admin API; only a
 * release policy that names them hands them to a tool.
 */
public record Person(String jointure, String lastName, String firstName, List<String> profiles, List<String> schools,
                     List<String> classes, List<String> groups, List<String> guardians,
                     @JsonIgnore String birthDate, @JsonIgnore String postalCode, @JsonIgnore List<String> levels,
                     @JsonIgnore List<String> subjects) {

    /** Levels (MEF codes: a pupil's, the ones a teacher teaches) and subjects taught (national codes). */
    public Person(String jointure, String lastName, String firstName, List<String> profiles, List<String> schools,
                  List<String> classes, List<String> groups, List<String> guardians, String birthDate, String postalCode) {
        this(jointure, lastName, firstName, profiles, schools, classes, groups, guardians, birthDate, postalCode,
                List.of(), List.of());
    }
}
