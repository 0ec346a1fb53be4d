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
 * ({@code -Dbench.classlog.entries=5000}).
 */
@Tag("benchmark")
class ClassLogBenchmark {

    @Test
    void entriesPerSecondAgainstRawArtemis() throws Exception {
        int entries = Integer.getInteger("bench.classlog.entries", 5000);
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
            String school = "0690100J";
            Directory directory = app.getBean(Directory.class);
            for (int i = 0; i < 600 && directory.structure(school).map(x -> x.classes().size()).orElse(0) < 12; i++) {
                Thread.sleep(100); // the demo feed is imported after start
            }
            List<String> classes = directory.structure(school).orElseThrow().classes().stream()
                    .filter(c -> !c.equals("6A")).sorted().toList();
            // a first class synced as warm-up (the JIT compiles the whole path meanwhile: on two cores, as much
            // CPU as the sync itself), then the measured one: sustained throughput, as a running service has it
            double[] warm = sync(app, neo, school, classes.get(1), Integer.getInteger("bench.classlog.warmup", entries));
            System.out.printf("warm-up class: %,.0f entries/s, %.1f ms of CPU per entry%n", warm[0], warm[1]);
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
                            + "server threads%n"
                            + "raw Artemis persistent send+receive (%d bytes): %,.0f messages/s with 1 producer and 1 consumer, "
                            + "%,.0f messages/s with 8 of each%n"
                            + "ratio: %.2f (to 1 pair), %.2f (to 8 pairs)%n%n", db.name(), entries,
                    seconds, relais, cpuPerEntry, measured[2], size, raw, raw8,
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
        long simulators = serverThreadsCpu();
        long t0 = System.nanoTime();
        app.getBean(SyncPlan.class).put(school, audience, List.of(
                new SyncPlan.Member("neo-cahier-de-textes", SyncPlan.Direction.BOTH),
                new SyncPlan.Member("neo-cahier-de-textes-77", SyncPlan.Direction.BOTH),
                new SyncPlan.Member("neo-cahier-de-textes-essonne", SyncPlan.Direction.BOTH)));
        long deadline = t0 + 600_000_000_000L;
        org.springframework.jdbc.core.JdbcTemplate jdbc = app.getBean(org.springframework.jdbc.core.JdbcTemplate.class);
        double applied = 0;
        while ((neo.count("ent77", audience) < entries || neo.count("essonne", audience) < entries)
                && System.nanoTime() < deadline) {
            Thread.sleep(250); // counting scans the tools: often enough for the figure, seldom enough not to weigh on it
            if (applied == 0 && jdbc.queryForObject("SELECT COUNT(*) FROM classlog_entry WHERE audience = ?",
                    Integer.class, audience) >= entries) {
                applied = (System.nanoTime() - t0) / 1e9;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("class %s: every entry in the canonical log after %.1f s, in both other tools after %.1f s%n",
                audience, applied, seconds);
        long b = neo.count("ent77", audience);
        long c = neo.count("essonne", audience);
        Thread.sleep(1000); // a tool's copy taken for a new lesson would come back into the first module by now
        long a = neo.count("paris", audience);
        if (a != entries || b != entries || c != entries) {
            throw new AssertionError("after " + seconds + " s: " + a + ", " + b + " and " + c + " of " + entries);
        }
        return new double[] {entries / seconds, (os.getProcessCpuTime() - cpu) / 1e6 / entries,
                (serverThreadsCpu() - simulators) / 1e6 / entries};
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
