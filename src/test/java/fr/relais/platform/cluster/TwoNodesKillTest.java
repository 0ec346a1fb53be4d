package fr.relais.platform.cluster;

import static fr.relais.platform.cluster.ClusterFixture.SCHOOL;
import static fr.relais.platform.cluster.ClusterFixture.await;
import static fr.relais.platform.cluster.ClusterFixture.get;
import static fr.relais.platform.cluster.ClusterFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.platform.cluster.ClusterFixture.Node;
import fr.relais.platform.cluster.ClusterFixture.NodeProcess;
import fr.relais.sandbox.SimulatedNeoDiary;

/**
 * Kill -9 of the leader node in the middle of a class-log sync: node A runs in a JVM of its own and takes every
 * single-node role (it starts first), node B is a Spring context of this JVM; both consume the shared queues of the
 * standalone Artemis and share one PostgreSQL ({@link ClusterFixture}). A few hundred lessons typed in the two NEO
 * modules of class 6A are being copied each to the other module when A is killed with SIGKILL: B must take the
 * poller and the timers within 30 s (PostgreSQL frees A's advisory locks when its connection drops), the broker must
 * give A's unacknowledged messages to B, and in the end each module holds each lesson exactly once, as typed.
 *
 * <p>The modules answer each write 40 ms after storing it, as a distant tool would: a kill often lands between a
 * write and its answer, the case where a lesson could be doubled. The kill's moment, counted in copies made, comes
 * from a seed, printed, that {@code -Drelais.kill-test.seed=...} replays (the threads' interleaving around it is the
 * machine's: a replay kills at the same count, not in the same instant of the same write).
 */
class TwoNodesKillTest {

    static final int LESSONS = Integer.getInteger("relais.kill-test.lessons", 300);
    static final String AUDIENCE = "6A";
    static final List<String> INSTANCES = List.of("paris", "ent77");
    static final List<String> ROLES = List.of("classlog-poll", "classlog-parked", "licence-expiry", "aaf-import");
    /** Both nodes alike: quick polls, few delivery consumers so that a few hundred copies take a few seconds. */
    static final String[] SETTINGS = {"--relais.classlog.poll-period=500", "--relais.classlog.poll-delay=500",
            "--relais.classlog.delivery-consumers=2", "--relais.classlog.apply-consumers=4"};

    static ClusterFixture cluster;
    static NodeProcess a;
    static Node b;

    @BeforeAll
    static void start() throws Exception {
        cluster = new ClusterFixture("cluster-kill").start();
        List<Integer> ports = cluster.peerPorts();
        a = cluster.process("a", ports.get(0)).start(SETTINGS);
        Instant started = Instant.now();
        await("node A (pid " + a.pid() + ", " + a.log() + ") polling", Duration.ofSeconds(120), () -> {
            assertThat(a.process.isAlive()).as("node A running:\n" + a.tail(40)).isTrue();
            return a.polls() > 0;
        });
        cluster.awaitTerritory(a);
        System.out.println("Nœud A (pid " + a.pid() + ") démarré et titulaire des rôles en "
                + Duration.between(started, Instant.now()).toMillis() + " ms");
        b = cluster.node("b", ports.get(1)).start(SETTINGS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String title(int i) {
        return "Leçon panne " + i;
    }

    private static String content(int i) {
        return "<p>Contenu de la leçon " + i + "</p>";
    }

    /** Copies made: the lessons of the class both modules hold, beyond those typed. */
    private static long copies() {
        SimulatedNeoDiary tools = cluster.tools();
        return INSTANCES.stream().mapToLong(i -> tools.count(i, SCHOOL, AUDIENCE)).sum() - LESSONS;
    }

    @Test
    void killNineOfTheLeaderInTheMiddleOfASyncLosesNoLessonAndDoublesNone() throws Exception {
        long seed = Long.getLong("relais.kill-test.seed", System.nanoTime());
        Random random = new Random(seed);
        StringBuilder story = new StringBuilder("graine " + seed + " (-Drelais.kill-test.seed=" + seed + "), "
                + LESSONS + " leçons, leader A pid " + a.pid() + " (" + a.log() + ")");
        try {
            for (String role : ROLES) {
                assertThat(b.holds(role)).as(role + " held by the leader A alone").isFalse();
            }
            // the lessons typed, half in each module; then each module answers its writes 40 ms late
            SimulatedNeoDiary tools = cluster.tools();
            for (int i = 0; i < LESSONS; i++) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("structure_id", SCHOOL);
                s.put("audience_id", AUDIENCE);
                s.put("subject_id", "061300");
                s.put("teacher_id", "4000002");
                s.put("date", "2026-11-" + (10 + i % 20));
                s.put("start_time", "08:00");
                s.put("end_time", "09:00");
                s.put("title", title(i));
                s.put("description", content(i));
                s.put("is_published", true);
                s.put("homeworks", List.of());
                tools.create(INSTANCES.get(i % 2), s);
            }
            for (String instance : INSTANCES) {
                tools.control(instance, Map.of("answerDelayMillis", 40));
            }
            Instant typed = Instant.now();
            long killAt = Math.round(LESSONS * (0.1 + 0.5 * random.nextDouble()));
            story.append(", kill -9 après ").append(killAt).append(" copies");
            await("the first " + killAt + " copies", Duration.ofSeconds(60), () -> copies() >= killAt);
            long pollsOfB = b.polls();
            a.kill();
            Instant killed = Instant.now();
            long atKill = copies();
            story.append(", ").append(atKill).append(" copies au kill (").append(Duration.between(typed, killed)
                    .toMillis()).append(" ms après la saisie)");
            assertThat(atKill).as("the kill came in the middle of the sync").isLessThan(LESSONS);

            await("node B holding every role", Duration.ofSeconds(30), () -> ROLES.stream().allMatch(b::holds));
            await("node B polling", Duration.ofSeconds(30), () -> b.polls() > pollsOfB);
            Duration takeover = Duration.between(killed, Instant.now());
            story.append(", relève par B en ").append(takeover.toMillis()).append(" ms");
            assertThat(takeover).isLessThan(Duration.ofSeconds(30));

            await("every lesson in both modules", Duration.ofSeconds(60), () -> copies() >= LESSONS);
            story.append(", synchronisé ").append(Duration.between(killed, Instant.now()).toMillis())
                    .append(" ms après le kill");
            Thread.sleep(3000); // a few more polls and redeliveries: nothing may come back twice
            for (String instance : INSTANCES) {
                Map<String, Integer> held = new HashMap<>();
                for (Map<String, Object> s : tools.all(instance)) {
                    if (AUDIENCE.equals(s.get("audience_id")) && !Boolean.TRUE.equals(s.get("deleted"))) {
                        String t = (String) s.get("title");
                        held.merge(t, 1, Integer::sum);
                        int i = Integer.parseInt(t.substring(title(0).length() - 1));
                        assertThat(s.get("description")).as(instance + " " + t).isEqualTo(content(i));
                        assertThat(s.get("date")).as(instance + " " + t).isEqualTo("2026-11-" + (10 + i % 20));
                        assertThat(s.get("structure_id")).as(instance + " " + t).isEqualTo(SCHOOL);
                    }
                }
                List<String> missing = new ArrayList<>();
                for (int i = 0; i < LESSONS; i++) {
                    if (!held.containsKey(title(i))) {
                        missing.add(title(i));
                    }
                }
                assertThat(missing).as(instance + ": lessons lost").isEmpty();
                assertThat(held.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                        .as(instance + ": lessons doubled").isEmpty();
                assertThat(held).hasSize(LESSONS);
            }
            JsonNode status = json.readTree(get(b, "/api/classlog/status/" + SCHOOL).body());
            for (JsonNode cls : status) {
                if (AUDIENCE.equals(cls.path("audience").asText())) {
                    assertThat(cls.path("entries").asLong()).as(cls.toString()).isEqualTo(LESSONS);
                    for (JsonNode t : cls.path("tools")) {
                        assertThat(t.path("queued").asLong()).as(t.toString()).isZero();
                        assertThat(t.path("deadLetters").asLong()).as(t.toString()).isZero();
                    }
                }
            }
            System.out.println("Panne du leader : " + story);
        } catch (AssertionError | RuntimeException e) {
            System.out.println("Panne du leader, échec : " + story + "\n--- fin du journal du nœud A ---\n" + a.tail(60));
            throw new AssertionError(story + ": " + e.getMessage(), e);
        }
    }
}
