package fr.relais.sso;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The identity sources of the catalogue ({@code connectors/ent/*.yaml}) as the conformance tests' parameters: every
 * descriptor of a family is tested, and a new one is tested as soon as its file is added (with its simulator's
 * endpoint in the demo profile), never through a list kept by hand. What a test expects of each (whether it releases
 * attributes, whether it serves the demo territory's schools) is read from the descriptor too.
 */
public final class EntCatalogue {

    private static final Path DIR = Path.of("connectors", "ent");

    private EntCatalogue() {
    }

    private static List<JsonNode> descriptors;

    /** The descriptors of the catalogue's identity sources, by file name (read once). */
    static synchronized List<JsonNode> descriptors() {
        if (descriptors == null) {
            descriptors = read();
        }
        return descriptors;
    }

    private static List<JsonNode> read() {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().map(f -> {
                try {
                    return yaml.readTree(f.toFile());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode descriptor(String id) {
        return descriptors().stream().filter(d -> d.path("id").asText().equals(id)).findFirst().orElseThrow();
    }

    private static Stream<String> family(String family) {
        List<String> ids = descriptors().stream().filter(d -> d.path("family").asText().equals(family))
                .filter(d -> d.path("capabilities").toString().contains("\"sso.inbound\""))
                .map(d -> d.path("id").asText()).toList();
        if (ids.isEmpty()) {
            throw new IllegalStateException("aucune source d'identité de la famille " + family + " dans " + DIR);
        }
        return ids.stream();
    }

    public static Stream<String> cas() {
        return family("cas");
    }

    public static Stream<String> oidc() {
        return family("oidc");
    }

    public static Stream<String> saml() {
        return family("saml2");
    }

    /** Whether the source speaks for the demo territory's schools (Rhône, UAIs 069...): a national one does. */
    static boolean servesRhone(String id) {
        JsonNode d = descriptor(id);
        return d.path("national").asBoolean(false) || d.path("uaiPrefixes").toString().contains("\"069\"");
    }

    /** Whether a CAS source releases no attributes (CAS 2.0): its users are matched through an account link. */
    static boolean cas2(String id) {
        return descriptor(id).path("sso").path("cas").path("version").asText().equals("2.0");
    }
}
