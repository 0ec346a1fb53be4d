package fr.relais.sso.peers;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser without a screen for the journeys through real peers: one cookie jar across Relais and the peer, no
 * automatic redirects, so that each hop is asserted by the test.
 */
final class PeerClient {

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).build();

    HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String url, Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The absolute URL a redirect points to; fails with the answer when it is not a redirect. */
    static String location(HttpResponse<String> r) {
        if (r.statusCode() != 302 && r.statusCode() != 303) {
            throw new AssertionError(r.uri() + " answered " + r.statusCode() + ", not a redirect:\n" + r.body());
        }
        String location = r.headers().firstValue("Location").orElseThrow(() ->
                new AssertionError(r.uri() + ": redirect without Location"));
        return r.uri().resolve(location).toString();
    }

    /** A query parameter of a URL, decoded, or null. */
    static String query(String url, String name) {
        String raw = URI.create(url).getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
