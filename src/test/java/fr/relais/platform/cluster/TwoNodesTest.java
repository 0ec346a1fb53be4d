package fr.relais.platform.cluster;

import static fr.relais.platform.cluster.ClusterFixture.PUPIL;
import static fr.relais.platform.cluster.ClusterFixture.SCHOOL;
import static fr.relais.platform.cluster.ClusterFixture.await;
import static fr.relais.platform.cluster.ClusterFixture.get;
import static fr.relais.platform.cluster.ClusterFixture.json;
import static fr.relais.platform.cluster.ClusterFixture.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.RelaisTestSupport;
import fr.relais.licence.Subscription;
import fr.relais.licence.Subscriptions;
import fr.relais.platform.cluster.ClusterFixture.Node;

/**
 * Two Relais nodes (two Spring contexts of this JVM, sharing nothing in memory: each its own data directory, ports,
 * caches and connections) on the engines of {@link ClusterFixture}: one real PostgreSQL, one standalone Artemis
 * broker in its own process, one LDAP server, and the NEO cahier de textes modules served by a peer of their own
 * that counts which node polls them. {@link TwoNodesKillTest} kills -9 a node that runs in a JVM of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesTest {

    /** The figure README "Several nodes" documents: a change on one node reaches the others within it. */
    static final Duration BOUND = Duration.ofSeconds(5);

    static ClusterFixture cluster;
    static Node a;
    static Node b;

    @BeforeAll
    static void start() throws Exception {
        cluster = new ClusterFixture("cluster").start();
        List<Integer> ports = cluster.peerPorts();
        a = cluster.node("a", ports.get(0)).start();
        b = cluster.node("b", ports.get(1)).start();
        cluster.awaitTerritory(b);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
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
        Files.move(file, cluster.inbox().resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
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
        cluster.createLesson(first);
        await("the first lesson copied", Duration.ofSeconds(20), () -> cluster.count("ent77", first) == 1);
        poller.stop();
        Instant stopped = Instant.now();
        long before = other.polls();
        await("the other node polling", Duration.ofSeconds(30), () -> other.polls() > before);
        Duration takeover = Duration.between(stopped, Instant.now());
        System.out.println("Reprise de la relève par le nœud " + other.name + " en " + takeover.toMillis() + " ms");
        assertThat(takeover).isLessThan(Duration.ofSeconds(30));
        assertThat(other.holds("aaf-import") && other.holds("licence-expiry") && other.holds("classlog-parked")).isTrue();
        String second = "Cours après la panne " + System.nanoTime();
        cluster.createLesson(second);
        await("the second lesson copied", Duration.ofSeconds(20), () -> cluster.count("ent77", second) == 1);
        Thread.sleep(2000);
        assertThat(cluster.count("ent77", first)).isEqualTo(1);
        assertThat(cluster.count("ent77", second)).isEqualTo(1);
        assertThat(cluster.count("paris", first) + cluster.count("paris", second)).isEqualTo(2);
    }

    // --------------------------------------------------------------------------------------------- helpers

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
}
