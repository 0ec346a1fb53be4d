package fr.relais.directory;

import java.util.List;

/**
 * The canonical person as the directory knows it (SDET vocabulary): the AAF jointure is the id shared with
 * every other system. {@code classes} and {@code groups} are codes within the person's schools.
 */
public record Person(String jointure, String lastName, String firstName, List<String> profiles, List<String> schools,
                     List<String> classes, List<String> groups, List<String> guardians) {
}
