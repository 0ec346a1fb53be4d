package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.RelaisTestSupport;
import fr.relais.sandbox.SimulatedNeoDiary;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * Kill -9 of Relais in the middle of syncing 10,000 entries between three tools, then a restart on the same data
 * directory (persistent Artemis journal, H2 file): every tool ends holding every entry exactly once, with the
 * same content. Relais runs in a child JVM; the three tools are simulated NEO modules served by this JVM, so
 * they outlive the kill.
 */
class ClassLogCrashTest extends SsoTestBaseAccess {

    static final int ENTRIES = Integer.getInteger("relais.crash-test.entries", 10_000);
    static final String SCHOOL = "0690100J";
    static final String AUDIENCE = "5A";
    static final List<String> INSTANCES = List.of("crash-a", "crash-b", "crash-c");

    @Autowired
    SimulatedNeoDiary tools;

    private Process start(Path data, int port) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Djava.io.tmpdir=" + data.toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                "fr.relais.RelaisApplication", "--spring.profiles.active=demo,test", "--relais.data-dir=" + data,
                "--server.port=" + port, "--relais.directory.demo-feed.enabled=true",
                "--relais.classlog.sync[0].school=" + SCHOOL, "--relais.classlog.sync[0].audience=" + AUDIENCE,
                "--relais.classlog.sync[0].tools[0]=neo-cahier-de-textes",
                "--relais.classlog.sync[0].tools[1]=neo-cahier-de-textes-77",
                "--relais.classlog.sync[0].tools[2]=neo-cahier-de-textes-essonne",
                "--relais.endpoints.neo-cahier-de-textes=" + base() + "/sandbox/neo/crash-a/diary",
                "--relais.endpoints.neo-cahier-de-textes-77=" + base() + "/sandbox/neo/crash-b/diary",
                "--relais.endpoints.neo-cahier-de-textes-essonne=" + base() + "/sandbox/neo/crash-c/diary",
                "--relais.classlog.poll-period=500", "--logging.level.fr.relais=WARN"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("relais.log").toFile())).start();
    }

    private static String title(int i) {
        return "Séance crash " + i;
    }

    private static String content(int i) {
        return "<p>Contenu " + i + "</p>";
    }

    private long holding(String instance) {
        return tools.count(instance, AUDIENCE);
    }

    @Test
    void killedInTheMiddleOfSyncingTenThousandEntriesAndRestartedEveryToolHoldsEveryEntryOnce() throws Exception {
        Path data = RelaisTestSupport.fresh("classlog-crash").toAbsolutePath();
        java.nio.file.Files.createDirectories(data);
        // 10,000 lessons typed in the three tools, a third in each
        for (int i = 0; i < ENTRIES; i++) {
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
            s.put("is_published", i % 7 != 0);
            s.put("homeworks", List.of(Map.of("id", "h" + i, "description", "Exercice " + i, "given_date", "2026-11-09",
                    "due_date", "2026-11-30", "workload", 20, "type_id", "exercice")));
            tools.create(INSTANCES.get(i % 3), s);
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process relais = start(data, port);
        try {
            // let it sync a good part, then kill -9
            Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
            long synced = 0;
            while (Instant.now().isBefore(deadline) && synced < ENTRIES / 3) {
                Thread.sleep(200);
                synced = INSTANCES.stream().mapToLong(this::holding).sum() - ENTRIES;
                assertThat(relais.isAlive()).as("Relais is running (see %s)", data.resolve("relais.log")).isTrue();
            }
            assertThat(synced).as("copies made before the kill").isGreaterThanOrEqualTo(ENTRIES / 3);
            relais.destroyForcibly().waitFor();
            long atKill = INSTANCES.stream().mapToLong(this::holding).sum();
            assertThat(atKill).as("the kill came in the middle of the sync").isLessThan(3L * ENTRIES);

            relais = start(data, port);
            deadline = Instant.now().plus(Duration.ofMinutes(8));
            while (Instant.now().isBefore(deadline) && INSTANCES.stream().anyMatch(i -> holding(i) < ENTRIES)) {
                Thread.sleep(500);
                assertThat(relais.isAlive()).as("Relais restarted (see %s)", data.resolve("relais.log")).isTrue();
            }
            Thread.sleep(3000); // a few more polls: nothing may come back
            for (String instance : INSTANCES) {
                Map<String, Integer> copies = new HashMap<>();
                for (Map<String, Object> s : tools.all(instance)) {
                    if (AUDIENCE.equals(s.get("audience_id")) && !Boolean.TRUE.equals(s.get("deleted"))) {
                        String t = (String) s.get("title");
                        copies.merge(t, 1, Integer::sum);
                        int i = Integer.parseInt(t.substring(title(0).length() - 1));
                        assertThat(s.get("description")).as(instance + " " + t).isEqualTo(content(i));
                        assertThat(s.get("is_published")).as(instance + " " + t).isEqualTo(i % 7 != 0);
                        @SuppressWarnings("unchecked")
                        Map<String, Object> hw = ((List<Map<String, Object>>) s.get("homeworks")).get(0);
                        assertThat(hw.get("due_date")).isEqualTo("2026-11-30");
                        assertThat(hw.get("given_date")).isEqualTo("2026-11-09");
                    }
                }
                assertThat(copies).as(instance + " holds every entry").hasSize(ENTRIES);
                assertThat(copies.values()).as(instance + " holds each entry once").containsOnly(1);
            }
            System.out.printf("Crash test: %,d copies in the tools at the kill, %,d of %,d after the restart%n", atKill,
                    INSTANCES.stream().mapToLong(this::holding).sum(), 3L * ENTRIES);
        } finally {
            relais.destroyForcibly().waitFor();
        }
    }
}
