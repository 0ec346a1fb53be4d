package fr.relais.sso.cas;

import java.net.URI;
import java.net.URISyntaxException;
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
 * {@code cas}, through its {@code serviceUrlPatterns}. A {@code service} is first normalised (RFC 3986, 5.2.4:
 * dot segments removed) and matched as normalised; tickets are bound to that normalised URL and the browser is
 * sent there. A {@code service} that matches none, or whose path a tool could read otherwise than Relais
 * (encoded dot segments, encoded slashes, backslashes), gets no ticket and no redirect.
 */
@Component
public class CasServices {

    /** What Relais makes of a {@code service} parameter. */
    public sealed interface Resolution permits Found, Refused {
    }

    /** @param url the normalised service URL: the one tickets are bound to and browsers are sent to */
    public record Found(Connector connector, String url) implements Resolution {
    }

    /** @param reason in French, for the log and the audit trail */
    public record Refused(Refusal refusal, String reason) implements Resolution {
    }

    public enum Refusal {
        /** not an absolute http(s) URL, or no registered pattern matches it */
        UNREGISTERED,
        /** its path holds what tools may decode into other segments than Relais sees */
        AMBIGUOUS_PATH
    }

    private static final Pattern ENCODED_DOT = Pattern.compile("(?i)%2e");
    private static final Pattern ENCODED_SEPARATOR = Pattern.compile("(?i)%2f|%5c");

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

    /** The registered service at the normalised URL, if the {@code service} leads to one. */
    public Optional<Found> match(String service) {
        return resolve(service) instanceof Found found ? Optional.of(found) : Optional.empty();
    }

    public Resolution resolve(String service) {
        if (service == null || service.isBlank() || service.length() > 2000) {
            return new Refused(Refusal.UNREGISTERED, "paramètre service absent ou trop long");
        }
        if (service.indexOf('\\') >= 0) {
            return new Refused(Refusal.AMBIGUOUS_PATH, "barre oblique inverse dans l'URL du service : " + service);
        }
        URI uri;
        try {
            uri = new URI(service);
        } catch (URISyntaxException e) {
            return new Refused(Refusal.UNREGISTERED, "URL de service invalide (" + e.getReason() + ") : " + service);
        }
        if (!uri.isAbsolute() || uri.getHost() == null
                || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            return new Refused(Refusal.UNREGISTERED, "URL de service non absolue ou ni http ni https : " + service);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (ENCODED_SEPARATOR.matcher(path).find()) {
            return new Refused(Refusal.AMBIGUOUS_PATH, "séparateur encodé (%2F, %5C) dans le chemin du service : "
                    + service);
        }
        for (String segment : path.split("/", -1)) {
            String decoded = ENCODED_DOT.matcher(segment).replaceAll(".");
            if (!decoded.equals(segment) && (decoded.equals(".") || decoded.equals(".."))) {
                return new Refused(Refusal.AMBIGUOUS_PATH, "segment de chemin encodé « " + segment
                        + " » dans le service : " + service);
            }
        }
        String url = normalised(uri);
        return registered.stream().filter(r -> r.patterns().stream().anyMatch(p -> p.matcher(url).matches()))
                .findFirst().<Resolution>map(r -> new Found(r.connector(), url))
                .orElseGet(() -> new Refused(Refusal.UNREGISTERED, "service non enregistré : " + url));
    }

    /**
     * RFC 3986 (5.2.4) removal of dot segments. {@link URI#normalize()} does it, except that it keeps the
     * {@code ..} segments that climb above the root, which the RFC drops.
     */
    static String normalised(URI uri) {
        URI n = uri.normalize();
        String path = n.getRawPath() == null ? "" : n.getRawPath();
        while (path.startsWith("/../")) {
            path = path.substring(3);
        }
        if (path.equals("/..")) {
            path = "/";
        }
        return n.getScheme() + "://" + n.getRawAuthority() + path
                + (n.getRawQuery() == null ? "" : "?" + n.getRawQuery())
                + (n.getRawFragment() == null ? "" : "#" + n.getRawFragment());
    }
}
