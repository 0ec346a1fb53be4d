package fr.relais.connector;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** @param dir the folder holding {@code ent/}, {@code tools/} and {@code publishers/} descriptors */
@ConfigurationProperties("relais.connectors")
public record ConnectorProperties(Path dir) {
    public ConnectorProperties {
        dir = dir == null ? Path.of("./connectors") : dir;
    }
}
