package fr.relais.directory;

import java.util.List;
import java.util.Map;

/** A school as the directory knows it, with its classes and how many persons of each profile it has. */
public record Structure(String uai, String name, String type, List<String> classes, List<String> groups,
                        Map<String, Long> persons) {
}
