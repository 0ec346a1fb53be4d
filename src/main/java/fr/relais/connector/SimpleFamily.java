package fr.relais.connector;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A family declared entirely by data; the classes in {@code families/} are the named instances. */
public abstract class SimpleFamily implements ConnectorFamily {

    private final String id;
    private final String description;
    private final Set<ConnectorKind> kinds;
    private final Set<Capability> capabilities;
    private final String protocol;
    private final List<FieldRule> fields;

    protected SimpleFamily(String id, String description, Set<ConnectorKind> kinds, Set<Capability> capabilities,
                           String protocol, List<FieldRule> fields) {
        this.id = id;
        this.description = description;
        this.kinds = kinds;
        this.capabilities = capabilities;
        this.protocol = protocol;
        this.fields = fields;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Set<ConnectorKind> kinds() {
        return kinds;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public Optional<String> protocol() {
        return Optional.ofNullable(protocol);
    }

    @Override
    public List<FieldRule> fields() {
        return fields;
    }
}
