package fr.relais.connector;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A connector family: a protocol or API shape, written in Java once, instantiated by any number of YAML
 * descriptors. A family declares the kinds of system it serves, the capabilities it offers and the fields
 * its descriptors must carry. Families are Spring beans: a new family is a new bean, found by the registry.
 */
public interface ConnectorFamily {

    /** The value of {@code family:} in a descriptor. */
    String id();

    /** One line for people reading {@code /api/connectors} or an error message. */
    String description();

    Set<ConnectorKind> kinds();

    Set<Capability> capabilities();

    /** {@code cas}, {@code saml2} or {@code oidc} for identity-source families; empty otherwise. */
    default Optional<String> protocol() {
        return Optional.empty();
    }

    /** The fields this family needs, beyond those every descriptor has. */
    List<FieldRule> fields();
}
