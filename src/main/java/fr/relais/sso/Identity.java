package fr.relais.sso;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What an identity source (an ENT, ÉduConnect...) asserted about the user it authenticated. */
public record Identity(String sourceConnector, String subject, Map<String, List<String>> attributes) {

    public String first(String attribute) {
        if (attribute == null) {
            return null;
        }
        List<String> values = attributes.get(attribute);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public List<String> all(String attribute) {
        return attribute == null ? List.of() : attributes.getOrDefault(attribute, List.of());
    }

    /**
     * Attributes as a protocol library hands them over (a single value or a collection per name) turned into
     * lists of strings, in their order; a null value becomes an empty list.
     */
    public static Map<String, List<String>> attributesOf(Map<String, ?> raw) {
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        raw.forEach((name, value) -> {
            List<String> values = new ArrayList<>();
            if (value instanceof Collection<?> many) {
                many.forEach(v -> values.add(String.valueOf(v)));
            } else if (value != null) {
                values.add(String.valueOf(value));
            }
            attributes.put(name, values);
        });
        return attributes;
    }
}
