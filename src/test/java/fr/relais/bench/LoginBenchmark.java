package fr.relais.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.audit.AuditTrail;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;

/**
 * End-to-end CAS logins per second through one Relais node, next to a bare endpoint of the same server measured
 * in the same run. {@code mvn -Pbench verify -Dtest=LoginBenchmark}.
 *
 * <p>Three processes: Relais (this JVM, Spring Boot as in the tests' {@code demo} profile, H2 or
 * {@code -Dbench.login.db=postgres}), the ENT ({@link BenchCasEnt}, a CAS 3.0 server in its own JVM) and the load
 * ({@link BenchBrowsers}, its own JVM): a new browser per login goes to {@code /cas/login?service=<tool>&ent=...},
 * is sent to the ENT, posts its password there, comes back to Relais' callback (Relais validates the ENT's ticket
 * on the ENT's {@code /cas/p3/serviceValidate}), is sent to the tool with a service ticket, and the tool validates
 * it at Relais' {@code /cas/p3/serviceValidate}. That is 5 requests to Relais, 2 to the ENT and one from Relais to
 * the ENT per login. The bare baseline is {@code GET /sandbox/ping} from the same client process and threads.
 *
 * <p>Each round times logins then pings ({@code -Dbench.login.rounds}, default 6, of
 * {@code -Dbench.login.requests}, default 3,000, logins and three times as many pings); the first rounds mostly
 * measure the JIT, the median of the last three counts. Each prints the rate, the CPU per request of Relais' JVM
 * (its process CPU: Relais and this test, which is idle meanwhile), of the ENT's and the client's processes and
 * of PostgreSQL's server processes.
 */
@Tag("benchmark")
class LoginBenchmark {

    private static final int ROUNDS = Integer.getInteger("bench.login.rounds", 6);
    private static final int LOGINS = Integer.getInteger("bench.login.requests", 3_000);
    private static final int THREADS = Integer.getInteger("bench.login.threads", 8);

    /** Rate and CPU milliseconds per request of each process of a phase. */
    private record Phase(double rate, double relais, double ent, double client, double postgres, double p50, double p99,
                         int failed) {
    }

    @Test
    @org.junit.jupiter.api.condition.DisabledIfSystemProperty(named = "bench.login.deployment", matches = ".+")
    void loginsAgainstABareEndpoint() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String base = "http://localhost:" + port;
        Path data = RelaisTestSupport.fresh("bench-login");
        Child ent = Child.start(BenchCasEnt.class);
        String entUrl = "http://127.0.0.1:" + ent.readLine().replace("port ", "") + "/cas";
        BenchDatabase db = new BenchDatabase("bench.login.db", "bench-login");
        List<String> args = new ArrayList<>(List.of("--relais.data-dir=" + data, "--server.port=" + port,
                "--logging.level.fr.relais=WARN", "--relais.directory.aaf.poll-delay=3600000",
                "--relais.classlog.poll-period=3600000", "--relais.endpoints.ent-auvergnerhonealpes=" + entUrl));
        args.addAll(db.args());
        try (ent; db; ConfigurableApplicationContext app = new SpringApplicationBuilder(RelaisApplication.class)
                .profiles("demo", "test").run(args.toArray(String[]::new))) {
            AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(3, 4, 16, 25, 2, 0, 40_000, "LOG");
            for (Path f : new AafFeedGenerator(p).writeTo(data.resolve("feed"))) {
                app.getBean(AafImporter.class).importFile(f, f.getFileName().toString(), "bench");
            }
            AuditTrail audit = app.getBean(AuditTrail.class);
            audit.settle();
            try (Child browsers = Child.start(BenchBrowsers.class, base, base + "/sandbox/tools/pronote/", "ent-auvergnerhonealpes",
                    "2000000", String.valueOf(p.pupils()), String.valueOf(THREADS))) {
                System.out.printf("%n%,d pupils, %d client threads, ENT pid %d, client pid %d, %s%n", p.pupils(), THREADS,
                        ent.pid(), browsers.pid(), db.name());
                List<Double> ratios = new ArrayList<>();
                Phase login = null;
                Phase bare = null;
                for (int round = 1; round <= ROUNDS; round++) {
                    login = measure(browsers, "login " + LOGINS, LOGINS, ent, db, audit);
                    bare = measure(browsers, "ping " + 3 * LOGINS, 3 * LOGINS, ent, db, audit);
                    ratios.add(login.rate / bare.rate);
                    System.out.printf("round %d: logins %,.0f /s (%d failed; p50 %.1f ms, p99 %.1f ms; CPU per login: "
                                    + "Relais %.2f ms, ENT %.2f ms, client %.2f ms, PostgreSQL %.2f ms), bare %,.0f /s "
                                    + "(Relais %.3f ms, client %.3f ms CPU per request), ratio %.3f%n", round, login.rate,
                            login.failed, login.p50, login.p99, login.relais, login.ent, login.client, login.postgres,
                            bare.rate, bare.relais, bare.client, login.rate / bare.rate);
                }
                List<Double> last = new ArrayList<>(ratios.subList(Math.max(0, ratios.size() - 3), ratios.size()));
                Collections.sort(last);
                System.out.printf("%n=== CAS logins end to end (%d client threads, ENT and client in their own JVMs, %s, "
                                + "round %d of %d) ===%n"
                                + "logins: %,.0f /s (target >= 500), %d failed, p50 %.1f ms, p99 %.1f ms%n"
                                + "CPU per login: Relais' JVM %.2f ms, PostgreSQL %.2f ms, ENT %.2f ms, client %.2f ms%n"
                                + "bare endpoint: %,.0f /s, Relais' JVM %.3f ms CPU per request%n"
                                + "ratio logins / bare requests: last round %.3f, median of the last three %.3f "
                                + "(a login is 5 requests to Relais, 6 with its call to the ENT)%n%n",
                        THREADS, db.name(), ROUNDS, ROUNDS, login.rate, login.failed, login.p50, login.p99, login.relais,
                        login.postgres, login.ent, login.client, bare.rate, bare.relais, login.rate / bare.rate,
                        last.get(last.size() / 2));
            }
        }
    }

    /**
     * The same journeys through the local production-like deployment ({@code deploy/local/up}: HAProxy terminating
     * TLS in front of two nodes in the {@code prod} profile, PostgreSQL, a standalone Artemis, slapd), started
     * beforehand with the ENT's address this benchmark serves it on:
     * {@code RELAIS_LOCAL_JAVA_OPTS="-Xmx1g -Drelais.endpoints.ent-auvergnerhonealpes=https://localhost:18480/cas" deploy/local/up},
     * then {@code mvn -Pbench verify -Dtest=LoginBenchmark -Dbench.login.deployment=deploy/local/state}. The pupils
     * come from a generated AAF feed dropped into the deployment's inbox; the ENT serves https with HAProxy's
     * certificate (the deployment's CA, which the nodes trust); the tool is {@code moodle-academique}
     * (prod's CAS service); the baseline is a static file ({@code /css/relais.css}) through HAProxy. A browser keeps
     * to its node (HAProxy's cookie); the tool's validation, cookie-less, goes to either node. The CPU is read from
     * /proc for each process of the deployment (both nodes, HAProxy, PostgreSQL's server processes, Artemis,
     * slapd), the ENT and the client. Unlike the one-node run, the audit written after a login's last answer is
     * not waited for (it is another process's), so the wall time may end before it.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "bench.login.deployment", matches = ".+")
    void loginsThroughTheLocalDeployment() throws Exception {
        Path state = Path.of(System.getProperty("bench.login.deployment")).toAbsolutePath();
        java.util.Map<String, String> env = new java.util.HashMap<>();
        for (String line : java.nio.file.Files.readAllLines(state.resolve("secrets/relais.env"))) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([A-Z_]+)='(.*)'$").matcher(line);
            if (m.matches()) {
                env.put(m.group(1), m.group(2));
            }
        }
        String base = env.get("RELAIS_SSO_BASE_URL");
        String admin = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + env.get("RELAIS_ADMIN_PASSWORD"))
                .getBytes(StandardCharsets.UTF_8));
        List<String> trust = List.of("-Djavax.net.ssl.trustStore=" + env.get("RELAIS_TRUSTSTORE_FILE"),
                "-Djavax.net.ssl.trustStoreType=PKCS12", "-Djavax.net.ssl.trustStorePassword=" + env.get("RELAIS_TRUSTSTORE_PASSWORD"));
        int entPort = Integer.getInteger("bench.login.ent.port", 18480);
        java.util.LinkedHashMap<String, java.util.function.LongSupplier> cpu = new java.util.LinkedHashMap<>();
        for (String process : List.of("node1", "node2", "haproxy", "artemis", "slapd")) {
            long pid = Long.parseLong(java.nio.file.Files.readAllLines(state.resolve("run/" + process + ".pid")).get(0).strip());
            ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                    process + " (pid " + pid + ") ne tourne pas : lancez deploy/local/up"));
            cpu.put(process, () -> cpuNanos(handle));
        }
        long postmaster = Long.parseLong(java.nio.file.Files.readAllLines(state.resolve("postgres/data/postmaster.pid")).get(0).strip());
        cpu.put("PostgreSQL", () -> ProcessHandle.of(postmaster).stream().flatMap(h -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(h), h.descendants())).mapToLong(LoginBenchmark::cpuNanos).sum());

        AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(3, 4, 16, 25, 2, 0, 40_000, "LOG");
        String lastPupil = String.valueOf(2_000_000 + p.pupils() - 1);
        var http = java.net.http.HttpClient.newBuilder().sslContext(trusting(env)).build();
        java.util.function.IntSupplier known = () -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/directory/persons/"
                        + lastPupil)).header("Authorization", admin).build(), java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (Exception e) {
                throw new IllegalStateException("Relais injoignable à " + base + " : " + e, e);
            }
        };
        if (known.getAsInt() != 200) {
            Path inbox = state.resolve("relais-data/aaf/inbox");
            java.nio.file.Files.createDirectories(inbox);
            Path feed = java.nio.file.Files.createTempDirectory(state, "bench-feed");
            for (Path f : new AafFeedGenerator(p).writeTo(feed)) {
                java.nio.file.Files.move(f, inbox.resolve(f.getFileName()));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (known.getAsInt() != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("élève " + lastPupil + " toujours inconnu 5 min après le dépôt du flux AAF");
                }
                Thread.sleep(1000);
            }
        }
        // the ENT over https (prod accepts no other), with the certificate HAProxy shows, signed by the deployment's CA
        Path entKeys = state.resolve("bench-ent.p12");
        Process export = new ProcessBuilder("openssl", "pkcs12", "-export", "-in", state.resolve("secrets/haproxy.crt").toString(),
                "-inkey", state.resolve("secrets/haproxy.key").toString(), "-out", entKeys.toString(), "-passout",
                "pass:bench-ent", "-name", "ent").inheritIO().start();
        if (export.waitFor() != 0) {
            throw new IllegalStateException("openssl pkcs12 -export a échoué pour le certificat de l'ENT");
        }
        try (Child ent = Child.start(BenchCasEnt.class, String.valueOf(entPort), entKeys.toString(), "bench-ent");
             Child browsers = Child.start(trust, BenchBrowsers.class, base, "https://moodle.ac-demo.fr/cours/view.php",
                     "ent-auvergnerhonealpes", "2000000", String.valueOf(p.pupils()), String.valueOf(THREADS), "/css/relais.css")) {
            ent.readLine();
            cpu.put("ENT", ent::cpuNanos);
            cpu.put("client", browsers::cpuNanos);
            System.out.printf("%n%,d pupils, %d client threads, through HAProxy at %s (two nodes, PostgreSQL, Artemis, slapd)%n",
                    p.pupils(), THREADS, base);
            String login = "";
            String bare = "";
            for (int round = 1; round <= ROUNDS; round++) {
                login = measure(browsers, "login " + LOGINS, LOGINS, cpu);
                bare = measure(browsers, "ping " + 3 * LOGINS, 3 * LOGINS, cpu);
                System.out.printf("round %d: logins %s%n         bare %s%n", round, login, bare);
            }
            System.out.printf("%n=== CAS logins end to end through HAProxy and two nodes (%d client threads, round %d of %d) ===%n"
                    + "logins: %s%nbare requests (GET /css/relais.css): %s%n%n", THREADS, ROUNDS, ROUNDS, login, bare);
        }
    }

    /** One phase through the deployment: its rate, latencies and each process's CPU per request, as a line. */
    private static String measure(Child browsers, String command, int n,
                                  java.util.Map<String, java.util.function.LongSupplier> cpu) throws Exception {
        java.util.Map<String, Long> before = new java.util.LinkedHashMap<>();
        cpu.forEach((name, nanos) -> before.put(name, nanos.getAsLong()));
        long start = System.nanoTime();
        String[] done = browsers.ask(command).split(" ", 7);
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%,.0f /s (%s failed; p50 %s ms, p99 %s ms); "
                + "CPU ms per request:", n / seconds, done[3], done[4], done[5]));
        double total = 0;
        for (var e : cpu.entrySet()) {
            double ms = (e.getValue().getAsLong() - before.get(e.getKey())) / 1e6 / n;
            total += ms;
            line.append(String.format(java.util.Locale.ROOT, " %s %.2f", e.getKey(), ms));
        }
        line.append(String.format(java.util.Locale.ROOT, "; all %.2f", total));
        if (Integer.parseInt(done[3]) > 0) {
            line.append("; first failure: ").append(done[6]);
        }
        return line.toString();
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Trusts the deployment's CA (its trust store, named in relais.env). */
    private static javax.net.ssl.SSLContext trusting(java.util.Map<String, String> env) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(Path.of(env.get("RELAIS_TRUSTSTORE_FILE")))) {
            store.load(in, env.get("RELAIS_TRUSTSTORE_PASSWORD").toCharArray());
        }
        var trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** One phase: its wall time includes the audit of its requests (written a little later). */
    private static Phase measure(Child browsers, String command, int n, Child ent, BenchDatabase db, AuditTrail audit)
            throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long relais = os.getProcessCpuTime();
        long entCpu = ent.cpuNanos();
        long clientCpu = browsers.cpuNanos();
        long postgres = db.cpuNanos();
        long start = System.nanoTime();
        String[] done = browsers.ask(command).split(" ", 7);
        audit.settle();
        double seconds = (System.nanoTime() - start) / 1e9;
        int failed = Integer.parseInt(done[3]);
        if (failed > 0) {
            System.out.printf("%s: %d failed, the first: %s%n", command, failed, done[6]);
        }
        return new Phase(n / seconds, (os.getProcessCpuTime() - relais) / 1e6 / n, (ent.cpuNanos() - entCpu) / 1e6 / n,
                (browsers.cpuNanos() - clientCpu) / 1e6 / n, (db.cpuNanos() - postgres) / 1e6 / n,
                Double.parseDouble(done[4]), Double.parseDouble(done[5]), failed);
    }

    /** A JVM of its own running a main class of the test classpath, talking over its standard input and output. */
    record Child(Process process, BufferedReader out, PrintWriter in) implements AutoCloseable {

        static Child start(Class<?> main, String... args) throws Exception {
            return start(List.of(), main, args);
        }

        /** @param jvm more options of the child's JVM (a trust store) */
        static Child start(List<String> jvm, Class<?> main, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m"));
            command.addAll(jvm);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Child(process, new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                    new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8));
        }

        String readLine() throws Exception {
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the process " + process.pid() + " ended (exit " + process.waitFor() + ")");
            }
            return line;
        }

        String ask(String command) throws Exception {
            in.println(command);
            return readLine();
        }

        long pid() {
            return process.pid();
        }

        /** CPU so far of the process (user and system, from /proc on Linux). */
        long cpuNanos() {
            return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        @Override
        public void close() throws Exception {
            in.close();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
