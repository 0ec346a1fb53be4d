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
     * No exception; a service that matches is bound to a URL (the one the ticket is issued for and the browser
     * sent to) that is an absolute http(s) URL with a host and no dot segment, and that URL matches the same
     * connector as itself: a match never rests on something the redirect does not carry.
     */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void aServiceMatchesOnlyAsTheUrlTheBrowserIsSentTo(byte[] data) throws Exception {
        String service = new String(data, StandardCharsets.UTF_8);
        Optional<CasServices.Found> matched = services().match(service);
        if (matched.isEmpty()) {
            return;
        }
        String bound = matched.get().url();
        URI uri = new URI(bound);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new AssertionError("matched a service that is not an absolute http(s) URL: " + service + " -> " + bound);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.matches("(?i)(.*/)?(\\.|%2e){1,2}(/.*)?")) {
            throw new AssertionError("the URL a ticket is bound to keeps a dot segment: " + service + " -> " + bound);
        }
        Optional<CasServices.Found> again = services().match(bound);
        if (again.isEmpty() || !again.get().connector().id().equals(matched.get().connector().id())
                || !again.get().url().equals(bound)) {
            throw new AssertionError("'" + service + "' matched " + matched.get().connector().id() + " as '" + bound
                    + "', but that URL matches " + again.map(f -> f.connector().id() + " as '" + f.url() + "'").orElse("nothing"));
        }
    }
}
