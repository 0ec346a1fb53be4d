package fr.relais.connector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import org.springframework.core.env.PropertyResolver;

/**
 * Reads every descriptor under the connectors folder and validates it. A descriptor with any error is
 * quarantined with messages of the form {@code connectors/ent/agora06.yaml: sso.cas.serverUrl: must be an
 * absolute https URL}; the others load regardless.
 */
public class ConnectorDescriptorLoader {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    private static final Set<String> TOP_LEVEL = Set.of("id", "name", "kind", "family", "platform", "territory",
            "academie", "description", "capabilities", "sso", "attributes", "release", "classlog", "licence",
            "schedules", "distributorId", "website", "uaiPrefixes", "uais", "national");

    private final Path root;
    private final Map<String, ConnectorFamily> families;
    private final PropertyResolver placeholders;
    private final YAMLMapper yaml = new YAMLMapper();
    private final boolean allowLoopbackHttp;

    public ConnectorDescriptorLoader(Path root, List<ConnectorFamily> families, PropertyResolver placeholders) {
        this(root, families, placeholders, false);
    }

    /** @param allowLoopbackHttp accept http URLs on localhost: the demo's simulated ENTs and tools, never production */
    public ConnectorDescriptorLoader(Path root, List<ConnectorFamily> families, PropertyResolver placeholders,
                                     boolean allowLoopbackHttp) {
        this.allowLoopbackHttp = allowLoopbackHttp;
        this.root = root;
        this.families = families.stream().collect(Collectors.toMap(ConnectorFamily::id, f -> f, (a, b) -> {
            throw new IllegalStateException("two connector families share the id " + a.id());
        }, LinkedHashMap::new));
        this.placeholders = placeholders;
    }

    public List<Connector> loadAll() {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("relais.connectors.dir: " + root.toAbsolutePath().normalize()
                    + " is not a directory; point it at the connectors/ folder of the Relais distribution");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                    .sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalStateException("relais.connectors.dir: cannot list " + root.toAbsolutePath().normalize()
                    + ": " + e.getMessage() + " (check the folder's permissions)", e);
        }
        Map<String, String> sourcesById = new LinkedHashMap<>();
        List<Connector> loaded = new ArrayList<>();
        for (Path file : files) {
            Connector connector = load(file);
            if (connector.id() != null) {
                String first = sourcesById.putIfAbsent(connector.id(), connector.source());
                if (first != null) {
                    connector = quarantine(connector, List.of(connector.source() + ": id: '" + connector.id()
                            + "' is already used by " + first + "; ids must be unique across connectors/"));
                }
            }
            loaded.add(connector);
        }
        return loaded;
    }

    /** Loads and validates one descriptor file; never throws for a bad descriptor. */
    public Connector load(Path file) {
        String source = displayName(file);
        String fileId = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        JsonNode tree;
        try {
            tree = yaml.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return broken(fileId, source, source + ": YAML syntax error" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            return broken(fileId, source, source + ": cannot be read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            return broken(fileId, source, source + ": must be a YAML mapping (key: value) describing one connector");
        }
        List<String> errors = new ArrayList<>();
        resolvePlaceholders((ObjectNode) tree, "", errors, source);
        List<String> unresolved = List.copyOf(errors);
        validate(tree, file, fileId, source, errors);
        // a field whose placeholder is unset is reported once, not again by the rules that check its value
        errors.removeIf(e -> !unresolved.contains(e)
                && unresolved.stream().anyMatch(u -> e.startsWith(u.substring(0, u.indexOf(": ", source.length() + 2) + 2))));

        ConnectorKind kind = text(tree, "kind") == null ? null : ConnectorKind.fromId(text(tree, "kind")).orElse(null);
        ConnectorFamily family = families.get(text(tree, "family"));
        List<String> capabilities = new ArrayList<>();
        tree.path("capabilities").forEach(c -> capabilities.add(c.asText()));
        String protocol = family == null ? null : family.protocol().orElse(null);
        String id = ID.matcher(String.valueOf(text(tree, "id"))).matches() ? text(tree, "id") : fileId;
        return new Connector(id, text(tree, "name"), kind, text(tree, "family"), protocol,
                text(tree, "platform"), text(tree, "territory"), List.copyOf(capabilities),
                errors.isEmpty() ? Connector.READY : Connector.QUARANTINED,
                errors.isEmpty() ? null : List.copyOf(errors), source, tree);
    }

    private void validate(JsonNode tree, Path file, String fileId, String source, List<String> errors) {
        Iterator<String> names = tree.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!TOP_LEVEL.contains(name)) {
                errors.add(source + ": " + name + ": unknown field (allowed: "
                        + TOP_LEVEL.stream().sorted().collect(Collectors.joining(", ")) + ")");
            }
        }
        for (String required : List.of("id", "name", "kind", "family", "capabilities")) {
            JsonNode node = tree.path(required);
            if (node.isMissingNode() || node.isNull() || (node.isValueNode() && node.asText().isBlank())) {
                errors.add(source + ": " + required + ": is required");
            }
        }
        String id = text(tree, "id");
        if (id != null && !id.isBlank()) {
            if (!ID.matcher(id).matches()) {
                errors.add(source + ": id: '" + id + "' must be lower-case letters, digits and dashes");
            } else if (!id.equals(fileId)) {
                errors.add(source + ": id: '" + id + "' must match the file name '" + fileId + "'");
            }
        }
        ConnectorKind kind = null;
        String kindText = text(tree, "kind");
        if (kindText != null && !kindText.isBlank()) {
            kind = ConnectorKind.fromId(kindText).orElse(null);
            if (kind == null) {
                errors.add(source + ": kind: unknown kind '" + kindText + "' (known: ent, identity, tool, publisher)");
            } else {
                String folder = root.relativize(file).getNameCount() > 1
                        ? root.relativize(file).getName(0).toString() : "";
                if (!kind.folder().equals(folder)) {
                    errors.add(source + ": kind: a connector of kind '" + kind.id() + "' belongs in "
                            + root.getFileName() + "/" + kind.folder() + "/");
                }
            }
        }
        String familyId = text(tree, "family");
        ConnectorFamily family = familyId == null ? null : families.get(familyId);
        if (familyId != null && !familyId.isBlank() && family == null) {
            errors.add(source + ": family: unknown family '" + familyId + "' (known: "
                    + String.join(", ", families.keySet()) + ")");
        }
        if (family != null && kind != null && !family.kinds().contains(kind)) {
            errors.add(source + ": kind: family '" + family.id() + "' serves " + family.kinds().stream()
                    .map(ConnectorKind::id).sorted().collect(Collectors.joining(", ")) + ", not " + kind.id());
        }
        if (kind == ConnectorKind.ENT && blank(tree, "territory")) {
            errors.add(source + ": territory: is required for an ENT");
        }
        validateCapabilities(tree, family, source, errors);
        if (family != null) {
            for (FieldRule rule : family.fields()) {
                rule.check(tree, allowLoopbackHttp).ifPresent(message -> errors.add(source + ": " + rule.path() + ": " + message));
            }
        }
        validateOutbound(tree, source, errors);
        validateTerritory(tree, source, errors);
        tree.path("schedules").fields().forEachRemaining(schedule ->
                FieldRule.optional("schedules." + schedule.getKey(), FieldRule.Type.DURATION).check(tree)
                        .ifPresent(m -> errors.add(source + ": schedules." + schedule.getKey() + ": " + m)));
        FieldRule.optional("release.attributes", FieldRule.Type.TEXT_LIST).check(tree)
                .ifPresent(m -> errors.add(source + ": release.attributes: " + m));
    }

    private void validateCapabilities(JsonNode tree, ConnectorFamily family, String source, List<String> errors) {
        JsonNode capabilities = tree.path("capabilities");
        if (capabilities.isMissingNode() || capabilities.isNull()) {
            return;
        }
        if (!capabilities.isArray() || capabilities.isEmpty()) {
            errors.add(source + ": capabilities: must be a non-empty list such as [sso.inbound, test]");
            return;
        }
        for (JsonNode node : capabilities) {
            String value = node.asText();
            var capability = Capability.fromId(value);
            if (capability.isEmpty()) {
                errors.add(source + ": capabilities: unknown capability '" + value + "' (known: "
                        + Capability.known() + ")");
            } else if (family != null && !family.capabilities().contains(capability.get())) {
                errors.add(source + ": capabilities: '" + value + "' is not offered by family '" + family.id()
                        + "' (it offers: " + family.capabilities().stream().map(Capability::id).sorted()
                        .collect(Collectors.joining(", ")) + ")");
            }
        }
    }

    /** Outbound SSO (Relais as CAS server or SAML IdP towards this system) has the same shape in every family. */
    private void validateOutbound(JsonNode tree, String source, List<String> errors) {
        boolean declared = false;
        for (JsonNode c : tree.path("capabilities")) {
            declared |= Capability.SSO_OUTBOUND.id().equals(c.asText());
        }
        JsonNode outbound = FieldRule.at(tree, "sso.outbound");
        if (!declared && outbound.isMissingNode()) {
            return;
        }
        if (declared && outbound.isMissingNode()) {
            errors.add(source + ": sso.outbound: is required when capabilities include sso.outbound");
            return;
        }
        List<FieldRule> rules = new ArrayList<>(List.of(FieldRule.requiredOneOf("sso.outbound.protocol", "cas", "saml2")));
        switch (outbound.path("protocol").asText()) {
            case "cas" -> {
                rules.add(FieldRule.required("sso.outbound.serviceUrlPatterns", FieldRule.Type.REGEX_LIST));
                rules.add(FieldRule.optional("sso.outbound.proxyCallbackPatterns", FieldRule.Type.REGEX_LIST));
            }
            case "saml2" -> {
                rules.add(FieldRule.required("sso.outbound.entityId", FieldRule.Type.TEXT));
                rules.add(FieldRule.required("sso.outbound.acsUrl", FieldRule.Type.HTTPS_URL));
            }
            default -> { }
        }
        for (FieldRule rule : rules) {
            rule.check(tree, allowLoopbackHttp).ifPresent(message -> errors.add(source + ": " + rule.path() + ": " + message));
        }
    }

    /**
     * An identity source speaks only for the schools of its territory (see {@link Territory}): it must say which,
     * and a national one lists none. Any connector may carry {@code uaiPrefixes} (a hint for the ENT choice page).
     */
    private void validateTerritory(JsonNode tree, String source, List<String> errors) {
        List<FieldRule> rules = List.of(FieldRule.optional("uaiPrefixes", FieldRule.Type.UAI_PREFIX_LIST),
                FieldRule.optional("uais", FieldRule.Type.UAI_LIST), FieldRule.optional("national", FieldRule.Type.BOOLEAN));
        for (FieldRule rule : rules) {
            rule.check(tree).ifPresent(message -> errors.add(source + ": " + rule.path() + ": " + message));
        }
        boolean inbound = false;
        for (JsonNode c : tree.path("capabilities")) {
            inbound |= Capability.SSO_INBOUND.id().equals(c.asText());
        }
        boolean listed = tree.hasNonNull("uaiPrefixes") || tree.hasNonNull("uais");
        boolean national = tree.path("national").asBoolean(false);
        if (national && listed) {
            errors.add(source + ": national: a national source serves every school: remove uaiPrefixes and uais, "
                    + "or national");
        } else if (inbound && !national && !listed) {
            errors.add(source + ": uaiPrefixes: an identity source must say which schools it speaks for: uaiPrefixes "
                    + "(beginnings of UAIs, such as \"069\"), uais (a list of UAIs), or national: true");
        }
    }

    /** {@code ${NAME}} and {@code ${NAME:default}} in text values come from the environment or properties. */
    private void resolvePlaceholders(ObjectNode node, String prefix, List<String> errors, String source) {
        node.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            String path = prefix + field.getKey();
            if (value.isTextual() && value.asText().contains("${")) {
                try {
                    field.setValue(TextNode.valueOf(placeholders.resolveRequiredPlaceholders(value.asText())));
                } catch (IllegalArgumentException e) {
                    errors.add(source + ": " + path + ": " + e.getMessage()
                            + " (set it as an environment variable or a Relais property)");
                }
            } else if (value.isObject()) {
                resolvePlaceholders((ObjectNode) value, path + ".", errors, source);
            } else if (value.isArray()) {
                com.fasterxml.jackson.databind.node.ArrayNode array = (com.fasterxml.jackson.databind.node.ArrayNode) value;
                for (int i = 0; i < array.size(); i++) {
                    if (array.get(i).isTextual() && array.get(i).asText().contains("${")) {
                        try {
                            array.set(i, TextNode.valueOf(placeholders.resolveRequiredPlaceholders(array.get(i).asText())));
                        } catch (IllegalArgumentException e) {
                            errors.add(source + ": " + path + ": " + e.getMessage()
                                    + " (set it as an environment variable or a Relais property)");
                        }
                    }
                }
            }
        });
    }

    private String displayName(Path file) {
        return root.getFileName() + "/" + root.relativize(file).toString().replace('\\', '/');
    }

    private static Connector broken(String fileId, String source, String error) {
        return new Connector(fileId, null, null, null, null, null, null, List.of(), Connector.QUARANTINED,
                List.of(error), source, null);
    }

    private static Connector quarantine(Connector c, List<String> more) {
        List<String> errors = new ArrayList<>(c.errors() == null ? List.of() : c.errors());
        errors.addAll(more);
        return new Connector(c.id(), c.name(), c.kind(), c.family(), c.protocol(), c.platform(), c.territory(),
                c.capabilities(), Connector.QUARANTINED, List.copyOf(errors), c.source(), c.descriptor());
    }

    private static String text(JsonNode tree, String field) {
        JsonNode node = tree.path(field);
        return node.isValueNode() && !node.isNull() ? node.asText() : null;
    }

    private static boolean blank(JsonNode tree, String field) {
        String text = text(tree, field);
        return text == null || text.isBlank();
    }
}
