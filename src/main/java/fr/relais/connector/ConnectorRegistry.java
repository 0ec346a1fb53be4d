package fr.relais.connector;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Every connector of {@code connectors/}, loaded once at start-up. Capabilities ask it for the ready
 * connectors offering a capability; quarantined ones are listed for administrators and never used.
 */
@Component
public class ConnectorRegistry {

    private static final Logger log = LoggerFactory.getLogger(ConnectorRegistry.class);

    private final List<Connector> connectors;
    private final Map<String, Connector> byId;

    public ConnectorRegistry(ConnectorProperties properties, List<ConnectorFamily> families, Environment environment) {
        this.connectors = new ConnectorDescriptorLoader(properties.dir(), families, environment,
                properties.allowLoopbackHttp()).loadAll();
        this.byId = connectors.stream()
                .filter(c -> c.id() != null)
                .collect(Collectors.toMap(Connector::id, Function.identity(), (first, duplicate) -> first));
        connectors.stream().filter(c -> !c.isReady())
                .forEach(c -> log.warn("Connecteur mis en quarantaine (non chargé) : {}", String.join(" | ", c.errors())));
        log.info("Connectors: {} ready, {} quarantined, from {}", ready().size(),
                connectors.size() - ready().size(), properties.dir().toAbsolutePath().normalize());
    }

    public List<Connector> all() {
        return connectors;
    }

    public List<Connector> ready() {
        return connectors.stream().filter(Connector::isReady).toList();
    }

    public List<Connector> offering(Capability capability) {
        return connectors.stream().filter(c -> c.can(capability)).toList();
    }

    public Optional<Connector> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
