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
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
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
