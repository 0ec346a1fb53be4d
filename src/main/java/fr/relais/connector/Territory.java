package fr.relais.connector;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The schools an identity source may speak for, from its descriptor: every school ({@code national: true},
 * ÉduConnect), or those whose UAI begins with one of {@code uaiPrefixes} ({@code "069"} for the Rhône) or is
 * listed in {@code uais}. What a source asserts about any other school is not taken.
 */
public record Territory(boolean national, List<String> uaiPrefixes, List<String> uais) {

    public Territory {
        uaiPrefixes = List.copyOf(uaiPrefixes);
        uais = List.copyOf(uais);
    }

    public static final Territory NONE = new Territory(false, List.of(), List.of());

    public static Territory of(Connector connector) {
        JsonNode d = connector.descriptor();
        if (d == null) {
            return NONE;
        }
        return new Territory(d.path("national").asBoolean(false), texts(d.path("uaiPrefixes")), texts(d.path("uais")));
    }

    public boolean serves(String uai) {
        if (uai == null) {
            return false;
        }
        if (national || uais.contains(uai)) {
            return true;
        }
        for (String prefix : uaiPrefixes) {
            if (uai.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    public boolean servesAny(Collection<String> schools) {
        return schools.stream().anyMatch(this::serves);
    }

    /** The schools of this list the territory does not cover, in their order. */
    public List<String> outside(Collection<String> schools) {
        return schools.stream().filter(s -> !serves(s)).toList();
    }

    private static List<String> texts(JsonNode list) {
        List<String> values = new ArrayList<>();
        list.forEach(v -> values.add(v.asText()));
        return values;
    }
}
