package fr.relais.sso;

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
}
