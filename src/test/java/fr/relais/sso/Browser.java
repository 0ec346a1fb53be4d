package fr.relais.sso;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser without a screen: cookies, redirects one at a time, form posts. Real HTTP to a running Relais. Public for
 * the two-node tests (fr.relais.platform.cluster), which drive it through their load balancer.
 */
public final class Browser {

    public final CookieManager cookies = new CookieManager();
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new LoopbackIsSecure(cookies))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    public final String base;

    public Browser(String base) {
        this.base = base;
    }

    public HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(absolute(url))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String url, Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(URI.create(absolute(url)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Follows redirects until a page that is not one; answers the last response. */
    public HttpResponse<String> follow(HttpResponse<String> response) throws IOException, InterruptedException {
        int hops = 0;
        while (response.statusCode() / 100 == 3 && hops++ < 20) {
            response = get(location(response));
        }
        return response;
    }

    public static String location(HttpResponse<String> response) {
        String location = response.headers().firstValue("Location").orElseThrow(() ->
                new AssertionError("no redirect: HTTP " + response.statusCode() + "\n" + response.body()));
        return location.startsWith("/") ? response.uri().resolve(location).toString() : location;
    }

    public String absolute(String url) {
        return url.startsWith("http") ? url : base + url;
    }

    /**
     * Like a real browser, loopback http counts as a secure origin, so {@code Secure} cookies set by a peer on
     * 127.0.0.1 (Keycloak's session cookies, SameSite=None hence Secure) come back to it; the JDK's manager alone
     * sends them over https only.
     */
    private static final class LoopbackIsSecure extends java.net.CookieHandler {
        private final CookieManager delegate;

        LoopbackIsSecure(CookieManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public Map<String, java.util.List<String>> get(URI uri, Map<String, java.util.List<String>> headers)
                throws IOException {
            boolean loopback = "http".equals(uri.getScheme())
                    && ("127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost()));
            return delegate.get(loopback ? URI.create("https" + uri.toString().substring(4)) : uri, headers);
        }

        @Override
        public void put(URI uri, Map<String, java.util.List<String>> headers) throws IOException {
            delegate.put(uri, headers);
        }
    }

    public static String query(String url, String name) {
        String q = URI.create(url).getRawQuery();
        for (String pair : q == null ? new String[0] : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
