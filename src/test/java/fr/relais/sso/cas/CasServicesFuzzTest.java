package fr.relais.sso.cas;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.springframework.core.env.StandardEnvironment;

import fr.relais.FuzzTargets;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorProperties;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.connector.families.CasFamily;
import fr.relais.connector.families.CasServiceFamily;
import fr.relais.connector.families.EcoleDirecteFamily;
import fr.relais.connector.families.FileExchangeFamily;
import fr.relais.connector.families.GarPublisherFamily;
import fr.relais.connector.families.NeoDiaryFamily;
import fr.relais.connector.families.OidcFamily;
import fr.relais.connector.families.Saml2Family;
import fr.relais.connector.families.SkolengoFamily;

/**
 * The CAS server's service matcher, with the shipped connectors of {@code connectors/}, on any {@code service}
 * parameter (UTF-8). Seeds: {@code CasServicesFuzzTestInputs/}.
 */
class CasServicesFuzzTest {

    private static CasServices services;

    private static CasServices services() {
        if (services == null) {
            services = new CasServices(new ConnectorRegistry(new ConnectorProperties(Path.of("connectors"), false),
                    List.of(new CasFamily(), new Saml2Family(), new OidcFamily(), new CasServiceFamily(),
                            new GarPublisherFamily(), new NeoDiaryFamily(), new SkolengoFamily(), new EcoleDirecteFamily(),
                            new FileExchangeFamily()), new StandardEnvironment()));
        }
        return services;
    }

    /**
     * No exception; a service that matches is an absolute http(s) URL with a host, and the URL a browser would
     * be sent to (scheme, host, port, path and query as parsed, no user info, no fragment) matches the same
     * connector: a match never rests on something the redirect does not carry.
     */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void aServiceMatchesOnlyAsTheUrlTheBrowserIsSentTo(byte[] data) throws Exception {
        String service = new String(data, StandardCharsets.UTF_8);
        Optional<Connector> matched = services().match(service);
        if (matched.isEmpty()) {
            return;
        }
        URI uri = new URI(service.strip());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new AssertionError("matched a service that is not an absolute http(s) URL: " + service);
        }
        String visited = scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Optional<Connector> again = services().match(visited);
        if (again.isEmpty() || !again.get().id().equals(matched.get().id())) {
            throw new AssertionError("'" + service + "' matched " + matched.get().id() + " but the URL visited, '" + visited
                    + "', matches " + again.map(Connector::id).orElse("nothing"));
        }
    }
}
