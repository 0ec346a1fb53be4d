package fr.relais.licence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;

/**
 * Which publisher is calling the GAR-compatible APIs: by its API key (header {@code X-Relais-Api-Key}, the
 * connector's {@code licence.apiKey}), for development only ({@code relais.licence.api-keys-enabled}, refused by
 * the production profile). Client-certificate authentication, GAR's way, is not built yet.
 */
@Component
public class PublisherAuthenticator {

    private final ConnectorRegistry registry;
    private final boolean apiKeys;

    public PublisherAuthenticator(ConnectorRegistry registry,
                                  @Value("${relais.licence.api-keys-enabled:false}") boolean apiKeys) {
        this.registry = registry;
        this.apiKeys = apiKeys;
    }

    public boolean apiKeysEnabled() {
        return apiKeys;
    }

    public Optional<Connector> publisher(HttpServletRequest request) {
        String key = request.getHeader("X-Relais-Api-Key");
        if (!apiKeys || key == null || key.isBlank()) {
            return Optional.empty();
        }
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        return registry.offering(Capability.LICENCE_FEED).stream().filter(c -> {
            String expected = c.descriptor().path("licence").path("apiKey").asText("");
            return !expected.isBlank() && MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8));
        }).findFirst();
    }
}
