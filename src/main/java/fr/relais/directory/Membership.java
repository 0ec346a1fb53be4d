package fr.relais.directory;

import java.util.List;

/**
 * Where a person belongs, as entitlement decisions need it and nothing more (no name, no birth date): national
 * profiles, schools (UAI), classes and groups (codes within the schools), levels (MEF codes) and subjects
 * taught (national codes). Small enough to keep for a whole territory.
 */
public record Membership(String jointure, List<String> profiles, List<String> schools, List<String> classes,
                         List<String> groups, List<String> levels, List<String> subjects) {
}
