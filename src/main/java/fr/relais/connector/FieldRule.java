package fr.relais.connector;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One constraint on one field of a descriptor, addressed by a dotted path ({@code sso.cas.serverUrl}).
 * {@link #check} answers the message to show after the path, or nothing when the field is fine.
 */
public record FieldRule(String path, Type type, boolean required, List<String> allowed) {

    public enum Type { TEXT, HTTPS_URL, URL, ONE_OF, TEXT_LIST, MAPPING, DURATION, REGEX_LIST, BOOLEAN, UAI_LIST,
        UAI_PREFIX_LIST }

    public static FieldRule required(String path, Type type) {
        return new FieldRule(path, type, true, List.of());
    }

    public static FieldRule optional(String path, Type type) {
        return new FieldRule(path, type, false, List.of());
    }

    public static FieldRule requiredOneOf(String path, String... allowed) {
        return new FieldRule(path, Type.ONE_OF, true, List.of(allowed));
    }

    public static FieldRule optionalOneOf(String path, String... allowed) {
        return new FieldRule(path, Type.ONE_OF, false, List.of(allowed));
    }

    public static JsonNode at(JsonNode root, String dottedPath) {
        return root.at("/" + dottedPath.replace('.', '/'));
    }

    public Optional<String> check(JsonNode root) {
        return check(root, false);
    }

    /** @param allowLoopbackHttp accept {@code http://localhost} and {@code http://127.0.0.1} (demo simulators only) */
    public Optional<String> check(JsonNode root, boolean allowLoopbackHttp) {
        JsonNode node = at(root, path);
        if (node.isMissingNode() || node.isNull() || (node.isTextual() && node.asText().isBlank())) {
            return required ? Optional.of("is required") : Optional.empty();
        }
        return switch (type) {
            case TEXT -> node.isValueNode() ? Optional.empty() : Optional.of("must be a text value");
            case HTTPS_URL -> url(node, true, allowLoopbackHttp);
            case URL -> url(node, false, false);
            case ONE_OF -> node.isValueNode() && allowed.contains(node.asText())
                    ? Optional.empty()
                    : Optional.of("must be one of " + String.join(", ", allowed) + ", found '" + node.asText() + "'");
            case TEXT_LIST -> textList(node);
            case MAPPING -> node.isObject() ? Optional.empty() : Optional.of("must be a mapping (key: value)");
            case DURATION -> duration(node);
            case REGEX_LIST -> textList(node).or(() -> regexes(node));
            case BOOLEAN -> node.isBoolean() ? Optional.empty()
                    : Optional.of("must be true or false, found '" + node.asText() + "'");
            case UAI_LIST -> textList(node).or(() -> uais(node));
            case UAI_PREFIX_LIST -> textList(node).or(() -> uaiPrefixes(node));
        };
    }

    private static Optional<String> url(JsonNode node, boolean httpsOnly, boolean allowLoopbackHttp) {
        String text = node.asText();
        try {
            URI uri = new URI(text);
            if (allowLoopbackHttp && "http".equals(uri.getScheme())
                    && ("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))) {
                return Optional.empty();
            }
            boolean ok = uri.isAbsolute() && uri.getHost() != null
                    && (httpsOnly ? "https".equals(uri.getScheme())
                                  : "https".equals(uri.getScheme()) || "http".equals(uri.getScheme()));
            if (ok) {
                return Optional.empty();
            }
        } catch (Exception ignored) {
            // reported below
        }
        return Optional.of((httpsOnly ? "must be an absolute https URL" : "must be an absolute http(s) URL")
                + ", found '" + text + "'");
    }

    private static Optional<String> textList(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            return Optional.of("must be a non-empty list");
        }
        for (JsonNode item : node) {
            if (!item.isValueNode()) {
                return Optional.of("must be a list of text values");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> regexes(JsonNode node) {
        for (JsonNode item : node) {
            try {
                java.util.regex.Pattern.compile(item.asText());
            } catch (java.util.regex.PatternSyntaxException e) {
                return Optional.of("'" + item.asText() + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        return Optional.empty();
    }

    private static final String UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";

    /** A UAI is 7 digits and a control letter: the number modulo 23 in an alphabet without I, O and Q. */
    private static Optional<String> uais(JsonNode node) {
        for (JsonNode item : node) {
            String uai = item.asText();
            if (!uai.matches("\\d{7}[A-Z]")) {
                return Optional.of("'" + uai + "' is not a UAI (7 digits and a control letter, such as 0690100J)");
            }
            char expected = UAI_LETTERS.charAt(Integer.parseInt(uai.substring(0, 7)) % 23);
            if (uai.charAt(7) != expected) {
                return Optional.of("'" + uai + "' has a wrong control letter (expected " + uai.substring(0, 7) + expected
                        + ")");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> uaiPrefixes(JsonNode node) {
        for (JsonNode item : node) {
            if (!item.isTextual() || !item.asText().matches("\\d{1,7}")) {
                return Optional.of("'" + item.asText() + "' is not the beginning of a UAI: 1 to 7 digits in quotes, "
                        + "such as \"069\" for the Rhône");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> duration(JsonNode node) {
        try {
            Duration d = Duration.parse(node.asText());
            return d.isNegative() || d.isZero() ? Optional.of("must be a positive duration") : Optional.empty();
        } catch (DateTimeParseException e) {
            return Optional.of("must be an ISO-8601 duration such as PT5M, found '" + node.asText() + "'");
        }
    }
}
