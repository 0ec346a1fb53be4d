package fr.relais.classlog;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;

/** The class-log client of each connector family, and the tools that have one. */
@Component
public class ToolClients {

    private final Map<String, ToolClient> byFamily;
    private final ConnectorRegistry registry;

    public ToolClients(List<ToolClient> clients, ConnectorRegistry registry) {
        this.byFamily = clients.stream().collect(Collectors.toMap(ToolClient::family, Function.identity()));
        this.registry = registry;
    }

    public Optional<ToolClient> forTool(Connector tool) {
        return Optional.ofNullable(byFamily.get(tool.family()));
    }

    public Connector tool(String id) {
        return registry.find(id).filter(Connector::isReady)
                .orElseThrow(() -> new IllegalStateException("outil de cahier de textes inconnu ou en quarantaine : " + id));
    }

    public ToolClient client(Connector tool) {
        return forTool(tool).orElseThrow(() -> new IllegalStateException("pas de client de cahier de textes pour la famille "
                + tool.family()));
    }

    /** The ready tools Relais can write class logs into: each gets its delivery queue and route. */
    public List<Connector> writable() {
        return registry.ready().stream().filter(c -> byFamily.containsKey(c.family()))
                .filter(c -> c.can(fr.relais.connector.Capability.CLASSLOG_WRITE)).toList();
    }
}
