package fr.relais.directory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An entry of the SDET tree as Relais writes it: a DN and its attributes (names as in the schema, values as
 * text). {@link #digest} identifies the content, so an import can tell "unchanged" without a second read.
 */
public record SdetEntry(String dn, Map<String, List<String>> attributes) {

    public String first(String attribute) {
        List<String> values = attributes.get(attribute);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public List<String> all(String attribute) {
        return attributes.getOrDefault(attribute, List.of());
    }

    /** Order-insensitive hash of the attributes (names compared without case). */
    public static long digest(Map<String, List<String>> attributes) {
        TreeMap<String, List<String>> sorted = new TreeMap<>();
        attributes.forEach((name, values) -> {
            if (!values.isEmpty()) {
                List<String> copy = new ArrayList<>(values);
                copy.sort(null);
                sorted.merge(name.toLowerCase(Locale.ROOT), copy, (a, b) -> {
                    List<String> merged = new ArrayList<>(a);
                    merged.addAll(b);
                    merged.sort(null);
                    return merged;
                });
            }
        });
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sorted.forEach((name, values) -> {
                sha.update(name.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                for (String v : values) {
                    sha.update(v.getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 1);
                }
                sha.update((byte) 2);
            });
            byte[] h = sha.digest();
            long result = 0;
            for (int i = 0; i < 8; i++) {
                result = (result << 8) | (h[i] & 0xFF);
            }
            return result;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
