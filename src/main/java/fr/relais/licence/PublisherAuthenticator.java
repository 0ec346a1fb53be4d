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
 * the production profile), or by its TLS client certificate, GAR's way ({@link fr.relais.licence.tls.GarTls}).
 */
@Component
public class PublisherAuthenticator {

    private final ConnectorRegistry registry;
    private final boolean apiKeys;
    private final fr.relais.licence.tls.GarTls tls;
    /** The publishers' API keys, read once: the registry does not change while Relais runs. */
    private final java.util.List<java.util.Map.Entry<byte[], Connector>> keys;

    public PublisherAuthenticator(ConnectorRegistry registry, fr.relais.licence.tls.GarTls tls,
                                  @Value("${relais.licence.api-keys-enabled:false}") boolean apiKeys) {
        this.registry = registry;
        this.tls = tls;
        this.apiKeys = apiKeys;
        this.keys = registry.offering(Capability.LICENCE_FEED).stream()
                .filter(c -> !c.descriptor().path("licence").path("apiKey").asText("").isBlank())
                .map(c -> java.util.Map.entry(c.descriptor().path("licence").path("apiKey").asText()
                        .getBytes(StandardCharsets.UTF_8), c))
                .toList();
    }

    /** Who is calling, or why they are refused (in French, for the error body). */
    public sealed interface Outcome permits Known, Refused {
    }

    public record Known(Connector publisher) implements Outcome {
    }

    public record Refused(String reason) implements Outcome {
    }

    public Outcome authenticate(HttpServletRequest request) {
        Object chain = request.getAttribute("jakarta.servlet.request.X509Certificate");
        if (chain instanceof java.security.cert.X509Certificate[] certificates && certificates.length > 0) {
            var verdict = tls.check(certificates);
            if (verdict instanceof fr.relais.licence.tls.GarTls.Refused refused) {
                return new Refused(refused.reason());
            }
            String distributor = ((fr.relais.licence.tls.GarTls.Accepted) verdict).distributorId();
            return registry.offering(Capability.LICENCE_FEED).stream()
                    .filter(c -> distributor.equals(c.descriptor().path("distributorId").asText()))
                    .findFirst().<Outcome>map(Known::new)
                    .orElse(new Refused("aucun éditeur déclaré pour le distributeur " + distributor));
        }
        Optional<Connector> byKey = publisher(request);
        if (byKey.isPresent()) {
            return new Known(byKey.get());
        }
        return new Refused("distributeur non authentifié : présentez le certificat client du distributeur"
                + (apiKeys ? " (ou, en développement, sa clé dans l'en-tête X-Relais-Api-Key)" : ""));
    }

    public boolean apiKeysEnabled() {
        return apiKeys;
    }

    /** By API key only (development). */
    Optional<Connector> publisher(HttpServletRequest request) {
        String key = request.getHeader("X-Relais-Api-Key");
        if (!apiKeys || key == null || key.isBlank()) {
            return Optional.empty();
        }
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        for (var known : keys) {
            if (MessageDigest.isEqual(given, known.getKey())) {
                return Optional.of(known.getValue());
            }
        }
        return Optional.empty();
    }
}
