package fr.relais.bench;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.audit.AuditTrail;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.Uai;

/**
 * Licence decisions through the publishers' check API for a territory of pupils with 30 resources each,
 * against a bare endpoint of the same server in the same run: peak throughput of both (closed loop, 4 client
 * threads in a process of their own, {@link BenchBrowsers}, so that the CPU per request is Relais') in rounds that alternate both until the JIT has settled, the median of the last five rounds counting;
 * then p99 latency of the check API paced at half its peak. {@code mvn -Pbench verify -Dtest=DecisionBenchmark}: 800 schools of 400
 * pupils (320,000) by default, {@code -Dbench.decision.schools=75} for a quick run.
 */
@Tag("benchmark")
class DecisionBenchmark {

    private static final int ROUNDS = Integer.getInteger("bench.decision.rounds", 8);
    private static final int ROUND_CHECKS = Integer.getInteger("bench.decision.requests", 30_000);

    private record Phase(double rate, double cpuMillis, double postgresMillis, long jitMillis) {
    }

    private record Round(Phase check, Phase bare) {
    }

    /**
     * Rate of n requests made by the client process, with the CPU per request of this JVM (Relais; the test is idle
     * meanwhile) and of PostgreSQL's server processes. The work the requests leave behind ({@code settle}: the
     * audit of the decisions, written and indexed a little later) is waited for and counted in their time, not in
     * the next round's.
     */
    private static Phase measure(int n, String command, LoginBenchmark.Child client, BenchDatabase db, AuditTrail audit)
            throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var jit = ManagementFactory.getCompilationMXBean();
        long cpu = os.getProcessCpuTime();
        long database = db.cpuNanos();
        long compiled = jit.getTotalCompilationTime();
        long start = System.nanoTime();
        String[] done = client.ask(command).split(" ", 7);
        if (!"0".equals(done[3])) {
            throw new AssertionError(command + ": " + done[3] + " failed, the first: " + done[6]);
        }
        audit.settle();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Phase(n / seconds, (os.getProcessCpuTime() - cpu) / 1e6 / n, (db.cpuNanos() - database) / 1e6 / n,
                jit.getTotalCompilationTime() - compiled);
    }

    @Test
    void decisionsAgainstABareEndpoint() throws Exception {
        int schools = Integer.getInteger("bench.decision.schools", 800);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String base = "http://localhost:" + port;
        Path data = RelaisTestSupport.fresh("bench-decisions");
        // -Dbench.decision.db=postgres: the database in a real PostgreSQL (as the prod profile requires) instead of H2
        BenchDatabase db = new BenchDatabase("bench.decision.db", "bench-decisions");
        List<String> args = new ArrayList<>(List.of("--relais.data-dir=" + data, "--server.port=" + port,
                "--logging.level.fr.relais=WARN", "--relais.directory.aaf.poll-delay=3600000"));
        args.addAll(db.args());
        try (db; ConfigurableApplicationContext app = new SpringApplicationBuilder(RelaisApplication.class)
                .profiles("demo", "test").run(args.toArray(String[]::new))) {
            AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(9, schools, 16, 25, 2, 0, 40_000, "DEC");
            long t0 = System.nanoTime();
            for (Path f : new AafFeedGenerator(p).writeTo(data.resolve("feed"))) {
                app.getBean(AafImporter.class).importFile(f, f.getFileName().toString(), "bench");
            }
            System.out.printf("%nTerritory: %,d pupils in %d schools imported in %.0f s%n", p.pupils(), schools,
                    (System.nanoTime() - t0) / 1e9);
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            Timestamp now = Timestamp.from(Instant.now());
            List<Object[]> subs = new ArrayList<>();
            List<Object[]> subSchools = new ArrayList<>();
            List<Object[]> audiences = new ArrayList<>();
            for (int s = 0; s < schools; s++) {
                String uai = Uai.of(690_100 + s * 7);
                for (int r = 0; r < 30; r++) {
                    String id = "B" + s + "-" + r;
                    subs.add(new Object[] {"cns", id, "CNS_DISTRIBUTEUR", "ark:/bench/" + r, "ark", "Ressource " + r,
                            Timestamp.from(Instant.parse("2026-01-01T00:00:00Z")), now, now});
                    subSchools.add(new Object[] {"cns", id, uai});
                    audiences.add(new Object[] {"cns", id, "ELEVE"});
                }
            }
            jdbc.batchUpdate("INSERT INTO licence_subscription (publisher_id, id, distributor_id, resource_id, "
                    + "resource_id_type, resource_label, valid_from, transferable, assignment_type, created_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, 'ETABL', ?, ?)", subs);
            jdbc.batchUpdate("INSERT INTO licence_subscription_school VALUES (?, ?, ?)", subSchools);
            jdbc.batchUpdate("INSERT INTO licence_subscription_audience VALUES (?, ?, ?)", audiences);
            List<Object[]> pseudonyms = new ArrayList<>();
            for (int i = 0; i < p.pupils(); i++) {
                pseudonyms.add(new Object[] {"cns", "ido" + i, String.valueOf(2_000_000 + i), now});
            }
            jdbc.batchUpdate("INSERT INTO licence_pseudonym VALUES (?, ?, ?, ?)", pseudonyms);
            // -Dbench.decision.pseudonyms=cold: left in the database only, as if nobody had launched since a
            // start and the load at start had not run; by default loaded as at start (Pseudonyms.warm)
            if (!"cold".equals(System.getProperty("bench.decision.pseudonyms"))) {
                System.out.printf("%,d pseudonyms loaded in memory%n", app.getBean(fr.relais.licence.Pseudonyms.class).warm());
            }

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            int pupilsPerSchool = 16 * 25;
            SsoBenchmark.Work check = () -> {
                int pupil = ThreadLocalRandom.current().nextInt(p.pupils());
                String uai = Uai.of(690_100 + (pupil / pupilsPerSchool) * 7);
                String url = base + "/gar/entitlements?ido=ido" + pupil + "&idRessource="
                        + URLEncoder.encode("ark:/bench/" + ThreadLocalRandom.current().nextInt(30), StandardCharsets.UTF_8)
                        + "&uai=" + uai;
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url))
                        .header("X-Relais-Api-Key", "demo-cle-cns").build(), HttpResponse.BodyHandlers.ofString());
                if (!r.body().contains("\"autorise\"")) {
                    throw new AssertionError(r.body());
                }
            };
            AuditTrail audit = app.getBean(AuditTrail.class);
            audit.settle(); // the import's and the warm-up's events, before the rounds
            // steady state, as a service runs: both endpoints alternate in rounds until the JIT has settled (the
            // first rounds compile the decision's path while the bare one is already compiled); the last rounds count
            Round last = null;
            List<Double> ratios = new ArrayList<>();
            // the load comes from a process of its own, so that the CPU per request is Relais' alone
            try (LoginBenchmark.Child load = LoginBenchmark.Child.start(BenchBrowsers.class, base, "-", "-", "0", "1",
                    String.valueOf(SsoBenchmark.THREADS))) {
                for (int round = 1; round <= ROUNDS; round++) {
                    Round r = new Round(measure(ROUND_CHECKS, "check " + ROUND_CHECKS + " " + p.pupils() + " "
                            + pupilsPerSchool, load, db, audit), measure(2 * ROUND_CHECKS, "ping " + 2 * ROUND_CHECKS,
                            load, db, audit));
                    System.out.printf("round %d: check %,.0f /s (%.3f ms CPU/request in Relais' JVM, %.3f ms in "
                                    + "PostgreSQL, JIT %,d ms), bare %,.0f /s (%.3f ms CPU/request), ratio %.2f%n", round,
                            r.check.rate, r.check.cpuMillis, r.check.postgresMillis, r.check.jitMillis, r.bare.rate,
                            r.bare.cpuMillis, r.check.rate / r.bare.rate);
                    last = r;
                    ratios.add(r.check.rate / r.bare.rate);
                }
            }
            // the JIT, the collector and this machine's speed still move a round by several hundredths (both sides,
            // each in its turn): the median of the last five rounds says more than any one of them
            List<Double> lastFive = new ArrayList<>(ratios.subList(Math.max(0, ratios.size() - 5), ratios.size()));
            java.util.Collections.sort(lastFive);
            double median = lastFive.get(lastFive.size() / 2);
            double decisions = last.check.rate;
            double ping = last.bare.rate;
            // p99 at half the peak decision rate, paced from one thread per slot
            double target = decisions / 2;
            int paced = Integer.getInteger("bench.decision.paced", 15_000); // about 10 s: two index batches or more
            long[] latencies = new long[paced];
            AtomicInteger index = new AtomicInteger();
            long start = System.nanoTime();
            SsoBenchmark.parallel(paced, () -> {
                int i = index.getAndIncrement();
                long due = start + (long) (i * 1e9 / target);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                long t = System.nanoTime();
                check.run();
                latencies[i] = System.nanoTime() - t;
            });
            Arrays.sort(latencies);
            System.out.printf("%n=== Licence decisions (check API, %d client threads, same server, %s, %,d pupils, "
                            + "round %d of %d) ===%n"
                            + "last round: decisions %,.0f /s, bare endpoint %,.0f /s, ratio %.2f%n"
                            + "CPU per check: Relais' JVM %.3f ms, PostgreSQL %.3f ms; per bare request: %.3f ms%n"
                            + "ratio, median of the last five rounds: %.2f (target >= 0.7)%n"
                            + "at %.0f /s (half the peak, %,d requests): p50 %.1f ms, p99 %.1f ms (target < 10 ms)%n%n",
                    SsoBenchmark.THREADS, db.name(), p.pupils(), ROUNDS, ROUNDS, decisions, ping, decisions / ping,
                    last.check.cpuMillis, last.check.postgresMillis, last.bare.cpuMillis, median, target,
                    paced, latencies[paced / 2] / 1e6, latencies[(int) (paced * 0.99)] / 1e6);
        }
    }
}
