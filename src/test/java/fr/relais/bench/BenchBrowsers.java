package fr.relais.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load of {@link LoginBenchmark}, in a process of its own so that its CPU is not counted as Relais': browsers
 * that log in to a school tool through Relais and an ENT, and the tool that validates the ticket they bring.
 * Each simulated login is a new browser (its own cookie jar, no session at Relais nor at the ENT); the HTTP
 * connections are shared, as a load balancer's would be.
 *
 * <p>Arguments: Relais' base URL, the tool's service URL, the ENT's connector id, the first pupil's jointure,
 * the number of pupils, the client threads, and optionally the baseline's path (default {@code /sandbox/ping},
 * which answers {@code pong}; another path must answer 200). Commands on standard input, one per line, each answered by one line
 * {@code done <seconds> <ok> <failed> <p50 ms> <p99 ms> <first failure>}:
 * {@code login <n>} (the whole journey, ticket validated by the tool), {@code ping <n>} (a bare GET of Relais'
 * {@code /sandbox/ping}, the baseline), {@code check <n> <pupils> <pupils per school>} (the publishers' licence
 * check, {@link DecisionBenchmark}'s territory).
 */
public final class BenchBrowsers {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final String relais;
    private final String service;
    private final String ent;
    private final int firstUser;
    private final int users;
    private final AtomicInteger nextUser = new AtomicInteger();
    private String bare = "/sandbox/ping";

    private BenchBrowsers(String relais, String service, String ent, int firstUser, int users) {
        this.relais = relais;
        this.service = service;
        this.ent = ent;
        this.firstUser = firstUser;
        this.users = users;
    }

    public static void main(String[] args) throws Exception {
        BenchBrowsers browsers = new BenchBrowsers(args[0], args[1], args[2], Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
        int threads = Integer.parseInt(args[5]);
        if (args.length > 6) {
            browsers.bare = args[6];
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            String[] command = line.split(" ");
            int n = Integer.parseInt(command[1]);
            Step step = switch (command[0]) {
                case "login" -> browsers::login;
                case "ping" -> browsers::ping;
                case "check" -> browsers.check(Integer.parseInt(command[2]), Integer.parseInt(command[3]));
                default -> throw new IllegalArgumentException(line);
            };
            System.out.println(browsers.run(n, threads, step));
            System.out.flush();
        }
        System.exit(0);
    }

    interface Step {
        void run() throws Exception;
    }

    private String run(int n, int threads, Step step) throws Exception {
        long[] latencies = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>("-");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    try {
                        step.run();
                    } catch (Exception | AssertionError e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet("-", String.valueOf(e.getMessage()).replace('\n', ' '));
                    }
                    latencies[i] = System.nanoTime() - t0;
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        Arrays.sort(latencies);
        return String.format(java.util.Locale.ROOT, "done %.4f %d %d %.2f %.2f %s", seconds, n - failed.get(), failed.get(),
                latencies[n / 2] / 1e6, latencies[(int) (n * 0.99)] / 1e6, firstFailure.get());
    }

    /** One pupil's whole journey in a new browser, then the tool's validation of the ticket it brings. */
    private void login() throws Exception {
        String user = String.valueOf(firstUser + Math.floorMod(nextUser.getAndIncrement(), users));
        CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        URI url = URI.create(relais + "/cas/login?service=" + encode(service) + "&ent=" + ent);
        String trail = "";
        for (int hop = 0; hop < 12; hop++) {
            HttpResponse<String> r = send(jar, HttpRequest.newBuilder(url).GET());
            trail += " " + r.statusCode() + " " + url.getPath();
            if (r.body().contains("name=\"username\"")) {
                // the ENT's login form: the pupil types the password
                r = send(jar, HttpRequest.newBuilder(url.resolve("/cas/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&password=demo&service="
                                + encode(query(url).get("service")))));
                trail += " " + r.statusCode() + " POST";
            }
            if (r.statusCode() != 302) {
                throw new AssertionError("login of " + user + ":" + trail);
            }
            url = url.resolve(r.headers().firstValue("Location").orElseThrow());
            if (url.toString().startsWith(service)) {
                validate(user, query(url).get("ticket"));
                return;
            }
        }
        throw new AssertionError("login of " + user + ": no ticket after" + trail);
    }

    /** The tool's back channel: its CAS client validates the ticket (CAS 3.0, attributes). */
    private void validate(String user, String ticket) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(relais + "/cas/p3/serviceValidate?service="
                + encode(service) + "&ticket=" + encode(ticket))).build(), HttpResponse.BodyHandlers.ofString());
        if (!r.body().contains("<cas:authenticationSuccess>")) {
            throw new AssertionError("validation for " + user + ": " + r.body());
        }
    }

    private void ping() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(relais + bare)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (bare.equals("/sandbox/ping") ? !"pong".equals(r.body()) : r.statusCode() != 200) {
            throw new AssertionError("ping: " + r.statusCode());
        }
    }

    private Step check(int pupils, int pupilsPerSchool) {
        return () -> {
            var random = java.util.concurrent.ThreadLocalRandom.current();
            int pupil = random.nextInt(pupils);
            String uai = fr.relais.directory.aaf.Uai.of(690_100 + (pupil / pupilsPerSchool) * 7);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(relais + "/gar/entitlements?ido=ido"
                    + pupil + "&idRessource=" + encode("ark:/bench/" + random.nextInt(30)) + "&uai=" + uai))
                    .header("X-Relais-Api-Key", "demo-cle-cns").build(), HttpResponse.BodyHandlers.ofString());
            if (!r.body().contains("\"autorise\"")) {
                throw new AssertionError("check: " + r.body());
            }
        };
    }

    private HttpResponse<String> send(CookieManager jar, HttpRequest.Builder request) throws Exception {
        URI uri = request.build().uri();
        jar.get(uri, Map.of()).getOrDefault("Cookie", List.of()).forEach(c -> request.header("Cookie", c));
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        jar.put(uri, r.headers().map());
        return r;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new java.util.HashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            values.putIfAbsent(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
