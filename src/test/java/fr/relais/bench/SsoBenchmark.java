package fr.relais.bench;

import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.sso.SsoProperties;
import fr.relais.sso.saml.AssertionIssuer;
import fr.relais.sso.saml.SigningKeys;

/**
 * Single sign-on throughput next to baselines measured in the same run:
 * CAS serviceValidate per second against a bare endpoint of the same server, and signed SAML assertions per
 * second against raw RSA-SHA256 signatures with the same key in the same JVM. {@code mvn -Pbench verify}.
 */
@Tag("benchmark")
class SsoBenchmark {

    public static final int THREADS = 4;

    @Test
    void samlAssertionsAgainstRawSignatures() throws Exception {
        Path dir = RelaisTestSupport.fresh("bench-saml");
        SigningKeys keys = SigningKeys.loadOrGenerate(dir.resolve("k.p12"), "bench");
        AssertionIssuer issuer = new AssertionIssuer(keys, new SsoProperties("https://relais.example.fr", null, null,
                null, true, null, null));
        Map<String, List<String>> attributes = Map.of("IDO", List.of("a".repeat(128)), "UAI", List.of("0690100J"),
                "PRO", List.of("National_elv"), "DIV", List.of("6A##6A"));
        int n = 3000;
        for (int i = 0; i < 500; i++) {
            issuer.issue("https://sp.example/saml", "https://sp.example/acs", "_r", "a".repeat(128), attributes);
        }
        double assertions = rate(n, () -> issuer.issue("https://sp.example/saml", "https://sp.example/acs", "_r",
                "a".repeat(128), attributes));
        byte[] data = new byte[1024];
        Signature raw = Signature.getInstance("SHA256withRSA");
        for (int i = 0; i < 500; i++) {
            raw.initSign(keys.privateKey());
            raw.update(data);
            raw.sign();
        }
        double signatures = rate(n, () -> {
            raw.initSign(keys.privateKey());
            raw.update(data);
            raw.sign();
        });
        System.out.printf("%n=== SAML (1 thread) ===%nsigned assertions: %,.0f /s%nraw RSA-SHA256 signatures: %,.0f /s%n"
                + "ratio: %.2f (target >= 0.5)%n%n", assertions, signatures, assertions / signatures);
    }

    public interface Work {
        void run() throws Exception;
    }

    static double rate(int n, Work work) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            work.run();
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    @Test
    void casValidationsAgainstABareEndpoint() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String base = "http://localhost:" + port;
        Path data = RelaisTestSupport.fresh("bench-cas");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(RelaisApplication.class)
                .profiles("demo", "test").run("--relais.data-dir=" + data, "--server.port=" + port,
                        "--logging.level.fr.relais=WARN", "--relais.sso.service-ticket-lifetime=10m")) {
            for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(1, 1, 2, 5, 4, 0, 1000, "B"))
                    .writeTo(data.resolve("feed"))) {
                app.getBean(AafImporter.class).importFile(f, f.getFileName().toString(), "bench");
            }
            HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            String tool = base + "/sandbox/tools/pronote/";
            String service = URLEncoder.encode(tool, StandardCharsets.UTF_8);
            // log in once through the simulated ENT
            String loc = get(browser, base + "/sso/login?ent=agora06").headers().firstValue("Location").orElseThrow();
            loc = get(browser, loc.startsWith("/") ? base + loc : loc).headers().firstValue("Location").orElseThrow();
            String callback = URI.create(loc).getRawQuery().replaceFirst("^service=", "");
            HttpResponse<String> posted = browser.send(HttpRequest.newBuilder(URI.create(base + "/sandbox/ent/agora06/cas/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=2000001&password=demo&service=" + callback)).build(),
                    HttpResponse.BodyHandlers.ofString());
            get(browser, posted.headers().firstValue("Location").orElseThrow());

            int n = 4000;
            List<String> tickets = new ArrayList<>();
            for (int i = 0; i < n + 500; i++) {
                String l = get(browser, base + "/cas/login?service=" + service).headers().firstValue("Location").orElseThrow();
                tickets.add(l.substring(l.indexOf("ticket=") + 7));
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger ok = new AtomicInteger();
            // warm-up
            parallel(500, () -> {
                String t = tickets.get(next.getAndIncrement());
                get(client, base + "/cas/p3/serviceValidate?service=" + service + "&ticket=" + t);
                get(client, base + "/sandbox/ping");
            });
            double validations = parallelRate(n, () -> {
                String t = tickets.get(next.getAndIncrement());
                if (get(client, base + "/cas/p3/serviceValidate?service=" + service + "&ticket=" + t).body()
                        .contains("authenticationSuccess")) {
                    ok.incrementAndGet();
                }
            });
            double bare = parallelRate(n, () -> get(client, base + "/sandbox/ping"));
            System.out.printf("%n=== CAS (%d client threads, same server) ===%np3/serviceValidate: %,.0f /s (%d/%d "
                    + "successful)%nbare endpoint: %,.0f /s%nratio: %.2f (target >= 0.5)%n%n", THREADS, validations,
                    ok.get(), n, bare, validations / bare);
        }
    }

    public static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static double parallelRate(int n, Work work) throws Exception {
        long start = System.nanoTime();
        parallel(n, work);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    public static void parallel(int n, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicInteger left = new AtomicInteger(n);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    work.run();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
    }
}
