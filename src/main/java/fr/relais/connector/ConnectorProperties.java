package fr.relais.connector;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param dir               the folder holding {@code ent/}, {@code tools/} and {@code publishers/} descriptors
 * @param allowLoopbackHttp accept http URLs on localhost in descriptors, for the demo's simulators; refused in prod
 */
@ConfigurationProperties("relais.connectors")
public record ConnectorProperties(Path dir, boolean allowLoopbackHttp) {
    public ConnectorProperties {
        dir = dir == null ? Path.of("./connectors") : dir;
    }
}
