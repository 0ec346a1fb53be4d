package fr.relais.platform.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The load balancer in front of the nodes, as HAProxy is in a deployment: one public address (every node's
 * {@code relais.sso.base-url}), requests passed on unchanged (cookies, redirects and all) to the node the test
 * prefers, or to the next one when that node refuses the connection (a stopped node, as a health check would
 * see it). Paths under {@code /sandbox/} go to the peers' own server, so that the ENTs and the school tool keep
 * their sessions whatever happens to the nodes.
 */
final class Balancer implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection", "http2-settings", "date", "from",
            "via", "warning");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(16);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> nodes = new ArrayList<>();
    private volatile String preferred;
    private volatile String peers;
    /** Requests each node answered, by its base URL. */
    final Map<String, AtomicLong> served = new ConcurrentHashMap<>();
    /** The node that answered the latest request for Relais (not for the peers). */
    volatile String last;
    /** The body of the latest request to each path, as an eavesdropper would keep it to replay it. */
    final Map<String, String> bodies = new ConcurrentHashMap<>();

    Balancer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", ClusterFixture.freePort()), 64);
        server.setExecutor(threads);
        server.createContext("/", this::pass);
        server.start();
    }

    String base() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** Adds a node; the first one added is preferred until {@link #prefer} says otherwise. */
    Balancer add(ClusterFixture.AnyNode node) {
        nodes.add(node.base());
        if (preferred == null) {
            preferred = node.base();
        }
        return this;
    }

    Balancer prefer(ClusterFixture.AnyNode node) {
        preferred = node.base();
        return this;
    }

    Balancer peers(String base) {
        peers = base;
        return this;
    }

    private void pass(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String target = path + (query == null ? "" : "?" + query);
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (body.length > 0) {
                bodies.put(path, new String(body, java.nio.charset.StandardCharsets.UTF_8));
            }
            List<String> backends = new ArrayList<>();
            if (path.startsWith("/sandbox/")) {
                backends.add(peers);
            } else {
                backends.add(preferred);
                nodes.stream().filter(n -> !n.equals(preferred)).forEach(backends::add);
            }
            for (String backend : backends) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(backend + target))
                        .timeout(Duration.ofSeconds(30)).method(exchange.getRequestMethod(), body.length == 0
                                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((name, values) -> {
                    if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                        values.forEach(v -> request.header(name, v));
                    }
                });
                HttpResponse<byte[]> response;
                try {
                    response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (ConnectException down) {
                    continue;
                }
                served.computeIfAbsent(backend, b -> new AtomicLong()).incrementAndGet();
                if (!backend.equals(peers)) {
                    last = backend;
                }
                response.headers().map().forEach((name, values) -> {
                    if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                        exchange.getResponseHeaders().put(name, values);
                    }
                });
                byte[] answer = response.body();
                exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer);
                    }
                }
                return;
            }
            exchange.sendResponseHeaders(503, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
