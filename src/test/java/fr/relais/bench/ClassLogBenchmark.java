package fr.relais.bench;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.classlog.SyncPlan;
import fr.relais.directory.Directory;
import fr.relais.sandbox.SimulatedNeoDiary;

/**
 * Cahier de textes end to end: entries written in one simulated NEO module reach the two other modules of the
 * class (3 tools per class, persistent embedded Artemis, H2), in entries per second from the moment the class
 * is planned until both hold every entry; against raw persistent Artemis send-and-receive of messages of the
 * same size on the same broker in the same run. {@code mvn -Pbench verify -Dtest=ClassLogBenchmark}
 * ({@code -Dbench.classlog.entries=10000} measured, after {@code -Dbench.classlog.warmups=4} classes of
 * {@code -Dbench.classlog.warmup=5000}; {@code -Dbench.classlog.threads=true} prints the CPU of each group of threads).
 */
@Tag("benchmark")
class ClassLogBenchmark {

    @Test
    void entriesPerSecondAgainstRawArtemis() throws Exception {
        int entries = Integer.getInteger("bench.classlog.entries", 10_000);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = RelaisTestSupport.fresh("bench-classlog");
        // -Dbench.classlog.db=postgres: the canonical log in a real PostgreSQL (as in production) instead of H2
        BenchDatabase db = new BenchDatabase("bench.classlog.db", "bench-classlog");
        List<String> args = new ArrayList<>(List.of("--relais.data-dir=" + data, "--server.port=" + port,
                "--logging.level.fr.relais=WARN", "--logging.level.org.apache.camel=WARN", "--relais.classlog.poll-period=500",
                "--relais.admin.password=" + RelaisTestSupport.ADMIN_PASSWORD, "--relais.sandbox.demo-subscriptions=false",
                "--relais.directory.ldap.embedded-port=0"));
        args.addAll(db.args());
        try (db; ConfigurableApplicationContext app = new SpringApplicationBuilder(RelaisApplication.class)
                .profiles("demo").run(args.toArray(String[]::new))) {
            SimulatedNeoDiary neo = app.getBean(SimulatedNeoDiary.class);
            // the measured class in the first demo school; the warm-up classes in the two others, so that planning the
            // measured class does not read the warm-up entries again (a class added to the plan has its tools read again
            // from the start for its school, see SyncPlan)
            String school = "0690100J";
            List<String> others = List.of("0690107S", "0690114Z");
            Directory directory = app.getBean(Directory.class);
            for (String uai : List.of(school, others.get(0), others.get(1))) {
                for (int i = 0; i < 600 && directory.structure(uai).map(x -> x.classes().size()).orElse(0) < 4; i++) {
                    Thread.sleep(100); // the demo feed is imported after start
                }
            }
            List<String> classes = directory.structure(school).orElseThrow().classes().stream()
                    .filter(c -> !c.equals("6A")).sorted().toList();
            // warm-up classes first (the JIT compiles the whole path meanwhile: on two cores, more CPU than the sync
            // itself in the first class, still a fifth of it after 20,000 entries), then the measured one: sustained
            // throughput, as a running service has it
            int warmups = Integer.getInteger("bench.classlog.warmups", 4);
            for (int w = 0; w < warmups; w++) {
                String uai = others.get(w % others.size());
                String audience = directory.structure(uai).orElseThrow().classes().stream().sorted().toList()
                        .get(1 + w / others.size());
                double[] warm = sync(app, neo, uai, audience, Integer.getInteger("bench.classlog.warmup", 5000));
                System.out.printf("warm-up class %d of %d (%s %s): %,.0f entries/s, %.1f ms of CPU per entry, of which "
                        + "%.1f ms in the JIT compiler's threads; %.1f ms in PostgreSQL's%n", w + 1, warmups, uai, audience,
                        warm[0], warm[1], warm[4], warm[5]);
            }
            double[] measured = sync(app, neo, school, classes.get(0), entries);
            double relais = measured[0];
            double seconds = entries / relais;
            double cpuPerEntry = measured[1];

            // baseline: the same number of persistent messages of the same size, sent and received on the same broker
            int size = 1200;
            ConnectionFactory factory = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("vm://0");
            double raw = rawArtemis(factory, entries, size, 1);
            double raw8 = rawArtemis(factory, entries, size, 8);
            System.out.printf("raw Artemis, 8 pairs on one connection: %,.0f messages/s%n",
                    rawArtemis(factory, entries, size, 8, true));
            System.out.printf("%n=== Cahier de textes sync (3 tools per class, persistent Artemis, %s, same server) ===%n"
                            + "entries: %,d written in one tool, present in the two others after %.1f s%n"
                            + "Relais end to end: %,.0f entries/s (target >= 1,000), %.1f ms of CPU per entry (Relais and "
                            + "the three simulated tools, one process), of which %.1f ms in the simulated tools' HTTP "
                            + "server threads and %.1f ms in the JIT compiler's; %.1f ms of CPU per entry in PostgreSQL's server "
                            + "processes%n"
                            + "raw Artemis persistent send+receive (%d bytes): %,.0f messages/s with 1 producer and 1 consumer, "
                            + "%,.0f messages/s with 8 of each%n"
                            + "ratio: %.2f (to 1 pair), %.2f (to 8 pairs)%n%n", db.name(), entries,
                    seconds, relais, cpuPerEntry, measured[2], measured[4], measured[5], size, raw, raw8,
                    relais / raw, relais / raw8);
        }
    }

    /**
     * Writes the entries into the first NEO module, plans the class on three, and waits until both others hold them:
     * entries per second and the process' CPU milliseconds per entry, from the plan on.
     */
    private static double[] sync(ConfigurableApplicationContext app, SimulatedNeoDiary neo, String school, String audience,
                               int entries) throws Exception {
        for (int i = 0; i < entries; i++) {
            Map<String, Object> session = new java.util.LinkedHashMap<>();
            session.put("structure_id", school);
            session.put("audience_id", audience);
            session.put("subject_id", "061300");
            session.put("teacher_id", "4000002");
            session.put("date", "2026-11-" + (10 + i % 20));
            session.put("start_time", "08:00");
            session.put("end_time", "09:00");
            session.put("title", "Séance " + i);
            session.put("description", "<p>Contenu de la séance " + i
                    + " : théorème de Pythagore, exercices 12 et 13 page 84.</p>");
            session.put("is_published", true);
            session.put("homeworks", List.of(Map.of("id", "h" + i, "description", "Exercices 12 et 13", "given_date",
                    "2026-11-09", "due_date", "2026-11-30", "workload", 30, "type_id", "exercice")));
            neo.create("paris", session);
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long database = postgresCpu();
        long simulators = serverThreadsCpu();
        Map<String, Long> before = threadGroupsCpu();
        Map<String, Long> vmBefore = vmThreadsCpu();
        Map<String, Long> h2Before = h2Io(app);
        long jit = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        long gc = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
        long t0 = System.nanoTime();
        app.getBean(SyncPlan.class).put(school, audience, List.of(
                new SyncPlan.Member("neo-cahier-de-textes", SyncPlan.Direction.BOTH),
                new SyncPlan.Member("neo-cahier-de-textes-77", SyncPlan.Direction.BOTH),
                new SyncPlan.Member("neo-cahier-de-textes-essonne", SyncPlan.Direction.BOTH)));
        long deadline = t0 + 600_000_000_000L;
        org.springframework.jdbc.core.JdbcTemplate jdbc = app.getBean(org.springframework.jdbc.core.JdbcTemplate.class);
        double applied = 0;
        int rounds = 0;
        while ((neo.count("ent77", school, audience) < entries || neo.count("essonne", school, audience) < entries)
                && System.nanoTime() < deadline) {
            Thread.sleep(250); // counting scans the tools: often enough for the figure, seldom enough not to weigh on it
            // the canonical log counted once a second: counting the class's rows four times a second took 5 to 8 % of
            // the process' CPU samples on H2 (the time it prints is then to the second)
            if (applied == 0 && ++rounds % 4 == 0 && jdbc.queryForObject("SELECT COUNT(*) FROM classlog_entry WHERE school = ? AND audience = ?",
                    Integer.class, school, audience) >= entries) {
                applied = (System.nanoTime() - t0) / 1e9;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("class %s %s: every entry in the canonical log after %s, in both other tools after %.1f s%n",
                school, audience, applied > 0 ? String.format("%.1f s", applied)
                        : String.format("at most %.1f s (before its count once a second)", seconds), seconds);
        if (Boolean.getBoolean("bench.classlog.threads")) {
            Map<String, Long> after = threadGroupsCpu();
            after.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(14).forEach(e -> System.out.printf("  %-60s %6.3f ms/entry%n", e.getKey(), e.getValue() / 1e6 / entries));
            long threadsCpu = after.values().stream().mapToLong(Long::longValue).sum()
                    - before.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("  %-60s %6.3f ms/entry%n", "(not in a Java thread: GC, JIT)",
                    ((os.getProcessCpuTime() - cpu) - threadsCpu) / 1e6 / entries);
            Map<String, Long> vmAfter = vmThreadsCpu();
            vmAfter.forEach((k, v) -> System.out.printf("    %-58s %6.3f ms/entry%n", k,
                    (v - vmBefore.getOrDefault(k, 0L)) / 1e6 / entries));
            Map<String, Long> h2After = h2Io(app);
            if (!h2After.isEmpty()) {
                System.out.printf("  H2: %,.0f bytes written and %,.0f read per entry, %,.2f writes per entry%n",
                        (h2After.get("info.FILE_WRITE_BYTES") - h2Before.get("info.FILE_WRITE_BYTES")) / (double) entries,
                        (h2After.get("info.FILE_READ_BYTES") - h2Before.get("info.FILE_READ_BYTES")) / (double) entries,
                        (h2After.get("info.FILE_WRITE") - h2Before.get("info.FILE_WRITE")) / (double) entries);
            }
            System.out.printf("  of which JIT compilation %.3f ms/entry, GC pauses %.3f ms/entry (time, not CPU)%n",
                    (java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit)
                            / (double) entries,
                    (java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                            .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum() - gc)
                            / (double) entries);
        }
        long b = neo.count("ent77", school, audience);
        long c = neo.count("essonne", school, audience);
        Thread.sleep(1000); // a tool's copy taken for a new lesson would come back into the first module by now
        long a = neo.count("paris", school, audience);
        if (a != entries || b != entries || c != entries) {
            throw new AssertionError("after " + seconds + " s: " + a + ", " + b + " and " + c + " of " + entries);
        }
        return new double[] {entries / seconds, (os.getProcessCpuTime() - cpu) / 1e6 / entries,
                (serverThreadsCpu() - simulators) / 1e6 / entries,
                (java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit)
                        / (double) entries,
                (compilersCpu(vmThreadsCpu()) - compilersCpu(vmBefore)) / 1e6 / entries,
                (postgresCpu() - database) / 1e6 / entries};
    }

    /**
     * CPU nanoseconds of the HTTP server's threads so far: in this benchmark they serve only the simulated tools
     * (Relais' own HTTP endpoints are not called), which stand for other sites' servers.
     */
    private static long serverThreadsCpu() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("http-nio-")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    /**
     * CPU nanoseconds so far of the PostgreSQL server's processes on this machine (Linux /proc; 0 with H2): the
     * database's share of the two cores, which the process' own CPU figure leaves out.
     */
    static long postgresCpu() {
        long sum = 0;
        try (var procs = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String stat = java.nio.file.Files.readString(proc.resolve("stat"));
                    if (stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals("postgres")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // USER_HZ 100
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // a process that ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return sum;
    }

    /** CPU nanoseconds of the JIT compiler threads, of a {@link #vmThreadsCpu} reading. */
    private static long compilersCpu(Map<String, Long> vm) {
        return vm.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre")).mapToLong(Map.Entry::getValue).sum();
    }

    /** H2's file counters (empty on another database). */
    private static Map<String, Long> h2Io(ConfigurableApplicationContext app) {
        Map<String, Long> io = new java.util.HashMap<>();
        try {
            app.getBean(org.springframework.jdbc.core.JdbcTemplate.class).query("SELECT SETTING_NAME, SETTING_VALUE FROM "
                    + "INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME IN ('info.FILE_WRITE', 'info.FILE_WRITE_BYTES', "
                    + "'info.FILE_READ', 'info.FILE_READ_BYTES')", rs -> {
                        io.put(rs.getString(1), Long.parseLong(rs.getString(2)));
                    });
        } catch (RuntimeException e) {
            io.clear();
        }
        return io.size() == 4 ? io : Map.of();
    }

    /** CPU nanoseconds so far of the JVM's own threads (compilers, GC), by name, from /proc (Linux). */
    private static Map<String, Long> vmThreadsCpu() {
        Map<String, Long> sum = new java.util.TreeMap<>();
        long tick = 10_000_000L; // USER_HZ 100
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = java.nio.file.Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (comm.matches("(C1|C2|G1|GC|VM|Sweeper|Service|Monitor|Common).*")) {
                        sum.merge(comm.replaceAll("[0-9]+", "#"), (Long.parseLong(f[11]) + Long.parseLong(f[12])) * tick, Long::sum);
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return sum;
        }
        return sum;
    }

    /** CPU nanoseconds so far of the live threads, by name with its digits taken out (a pool's threads together). */
    private static Map<String, Long> threadGroupsCpu() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> sum = new java.util.TreeMap<>();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                sum.merge(info.getThreadName().replaceAll("[0-9]+", "#"),
                        Math.max(0, threads.getThreadCpuTime(info.getThreadId())), Long::sum);
            }
        }
        return sum;
    }

    /**
     * {@code pairs} producers (persistent, each send confirmed by the broker) and as many consumers (each receive
     * acknowledged), each pair on its own connection and queue; messages per second over all pairs.
     */
    static double rawArtemis(ConnectionFactory factory, int count, int size, int pairs) throws Exception {
        return rawArtemis(factory, count, size, pairs, false);
    }

    static double rawArtemis(ConnectionFactory factory, int count, int size, int pairs, boolean oneConnection)
            throws Exception {
        String body = "x".repeat(size);
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        int each = count / pairs;
        for (int p = 0; p < pairs; p++) {
            Connection connection = oneConnection && !connections.isEmpty() ? connections.get(0) : factory.createConnection();
            if (!connections.contains(connection)) {
                connections.add(connection);
                connection.start();
            }
            String queue = "bench.raw." + p;
            Session consumerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Session producerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = consumerSession.createConsumer(consumerSession.createQueue(queue));
            MessageProducer producer = producerSession.createProducer(producerSession.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        if (consumer.receive(30_000) == null) {
                            throw new IllegalStateException("message " + i + " not received");
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        producer.send(producerSession.createTextMessage(body));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        double rate = each * pairs / ((System.nanoTime() - t0) / 1e9);
        for (Connection c : connections) {
            c.close();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(errors.get(0));
        }
        return rate;
    }
}
