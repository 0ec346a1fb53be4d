package fr.relais.sso.cas;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;

/**
 * The services Relais' CAS server serves: every ready connector offering {@code sso.outbound} with protocol
 * {@code cas}, through its {@code serviceUrlPatterns}. A {@code service} that matches none gets no ticket and
 * no redirect.
 */
@Component
public class CasServices {

    private record Registered(Connector connector, List<Pattern> patterns) {
    }

    private final List<Registered> registered = new ArrayList<>();

    public CasServices(ConnectorRegistry registry) {
        for (Connector c : registry.offering(Capability.SSO_OUTBOUND)) {
            var outbound = c.descriptor().path("sso").path("outbound");
            if ("cas".equals(outbound.path("protocol").asText())) {
                List<Pattern> patterns = new ArrayList<>();
                outbound.path("serviceUrlPatterns").forEach(p -> patterns.add(Pattern.compile(p.asText())));
                registered.add(new Registered(c, patterns));
            }
        }
    }

    public Optional<Connector> match(String service) {
        if (service == null || service.isBlank() || service.length() > 2000) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(service);
            if (!uri.isAbsolute() || uri.getHost() == null
                    || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                return Optional.empty();
            }
        } catch (Exception e) {
            return Optional.empty();
        }
        return registered.stream().filter(r -> r.patterns().stream().anyMatch(p -> p.matcher(service).matches()))
                .map(Registered::connector).findFirst();
    }
}
