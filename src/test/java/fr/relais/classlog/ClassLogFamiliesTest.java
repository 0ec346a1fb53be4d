package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.RelaisTestSupport;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * One class kept in three tools of three different families (NEO, Skolengo, EcoleDirecte), each over its own
 * API: an entry typed in NEO reaches the two others with every field (both dates, attachments, published flag,
 * times), comes back edited from Skolengo, and a delete in EcoleDirecte reaches the two others. What each tool
 * holds is read through its own client, as Relais reads it. Also: the latency of a change at nominal load.
 */
class ClassLogFamiliesTest extends SsoTestBaseAccess {

    static final String SCHOOL = "0690100J";
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    @Autowired
    Directory directory;
    @Autowired
    ConnectorRegistry registry;
    @Autowired
    ToolClients clients;

    private final List<String> planned = new ArrayList<>();

    /** The classes planned here stop syncing: the engine leaves these tools (and their sessions) to other tests. */
    @org.junit.jupiter.api.AfterEach
    void unplan() throws Exception {
        for (String audience : planned) {
            call("DELETE", "/api/classlog/sync/" + SCHOOL + "/" + audience, null, true);
        }
        planned.clear();
    }

    private HttpResponse<String> call(String method, String path, String body, boolean admin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (admin) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:"
                    + RelaisTestSupport.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The tool's current copy of the lesson with this title, read through its client; empty when none or deleted. */
    private Optional<ClassLogStore.ToolChange> held(String tool, String title) throws Exception {
        Connector c = registry.find(tool).orElseThrow();
        ClassLogStore.ToolChange last = null;
        for (ToolClient.Polled p : clients.client(c).poll(c, SCHOOL, null)) {
            ClassLogStore.ToolChange ch = p.change();
            if (ch.entry() != null && title.equals(ch.entry().title())) {
                last = ch;
            } else if (ch.deleted() && last != null && ch.toolEntryId().equals(last.toolEntryId())) {
                last = ch;
            }
        }
        return Optional.ofNullable(last).filter(x -> !x.deleted());
    }

    private ClassLogStore.ToolChange await(String tool, String title, java.util.function.Predicate<ClassLogEntry> ok)
            throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            Optional<ClassLogStore.ToolChange> c = held(tool, title);
            if (c.isPresent() && ok.test(c.get().entry())) {
                return c.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(tool + " does not hold '" + title + "' as expected: " + held(tool, title));
    }

    private void awaitGone(String tool, String title) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline) && held(tool, title).isPresent()) {
            Thread.sleep(200);
        }
        assertThat(held(tool, title)).as(tool + " still holds " + title).isEmpty();
    }

    /** Plans a class (index among the school's classes other than 6A; -1: the school's first group). */
    private String plan(int index, String... tools) throws Exception {
        var structure = directory.structure(SCHOOL).orElseThrow();
        String audience = index < 0 ? structure.groups().stream().sorted().findFirst().orElseThrow()
                : structure.classes().stream().sorted().filter(c -> !c.equals("6A")).toList().get(index);
        StringBuilder body = new StringBuilder("{\"tools\":[");
        for (int i = 0; i < tools.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"tool\":\"").append(tools[i]).append("\",\"direction\":\"both\"}");
        }
        HttpResponse<String> put = call("PUT", "/api/classlog/sync/" + SCHOOL + "/" + audience, body + "]}", true);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        planned.add(audience);
        return audience;
    }

    @Test
    void anEntryTravelsNeoToSkolengoAndEcoleDirecteWithEveryFieldComesBackEditedAndIsDeletedEverywhere() throws Exception {
        String audience = plan(2, "neo-cahier-de-textes", "skolengo-cahier-de-textes", "ecoledirecte");
        String title = "Fractions " + System.nanoTime();
        String session = "{\"structure_id\":\"" + SCHOOL + "\",\"audience_id\":\"" + audience + "\",\"subject_id\":\"061300\","
                + "\"teacher_id\":\"4000002\",\"date\":\"2026-11-24\",\"start_time\":\"10:00\",\"end_time\":\"11:00\","
                + "\"title\":\"" + title + "\",\"description\":\"<p>Fractions <strong>égales</strong></p>\","
                + "\"is_published\":true,\"attachments\":[{\"name\":\"fiche.pdf\",\"mediaType\":\"application/pdf\","
                + "\"size\":48213,\"url\":\"https://docs.example.org/fiche.pdf\"}],"
                + "\"homeworks\":[{\"description\":\"Exercices 4 à 6\",\"given_date\":\"2026-11-24\","
                + "\"due_date\":\"2026-12-01\",\"workload\":45,\"type_id\":\"exercice\"}]}";
        assertThat(call("POST", "/sandbox/neo/paris/diary/session", session, false).statusCode()).isEqualTo(201);

        for (String tool : List.of("skolengo-cahier-de-textes", "ecoledirecte")) {
            ClassLogEntry e = await(tool, title, x -> true).entry();
            assertThat(e.date()).as(tool).isEqualTo(LocalDate.of(2026, 11, 24));
            assertThat(e.start()).as(tool).isEqualTo(LocalTime.of(10, 0));
            assertThat(e.end()).as(tool).isEqualTo(LocalTime.of(11, 0));
            assertThat(e.content()).as(tool).isEqualTo("<p>Fractions <strong>égales</strong></p>");
            assertThat(e.published()).as(tool).isTrue();
            assertThat(e.homework()).as(tool).hasSize(1);
            assertThat(e.homework().get(0).givenOn()).as(tool).isEqualTo(LocalDate.of(2026, 11, 24));
            assertThat(e.homework().get(0).dueOn()).as(tool).isEqualTo(LocalDate.of(2026, 12, 1));
            assertThat(e.homework().get(0).description()).as(tool).isEqualTo("Exercices 4 à 6");
            assertThat(e.attachments()).as(tool).extracting(ClassLogEntry.Attachment::url)
                    .containsExactly("https://docs.example.org/fiche.pdf");
        }

        // edited in Skolengo (unpublished, content corrected): back in NEO and in EcoleDirecte
        Connector skolengo = registry.find("skolengo-cahier-de-textes").orElseThrow();
        ClassLogStore.ToolChange inSkolengo = held("skolengo-cahier-de-textes", title).orElseThrow();
        ClassLogEntry e = inSkolengo.entry();
        ClassLogEntry edited = new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(),
                e.end(), e.title(), "<p>Fractions corrigées</p>", e.homework(), e.attachments(), false, e.visaBy());
        clients.client(skolengo).write(skolengo, inSkolengo.toolEntryId(), edited);
        for (String tool : List.of("neo-cahier-de-textes", "ecoledirecte")) {
            ClassLogEntry back = await(tool, title, x -> x.content().equals("<p>Fractions corrigées</p>")).entry();
            assertThat(back.published()).as(tool).isFalse();
            assertThat(back.homework().get(0).dueOn()).as(tool).isEqualTo(LocalDate.of(2026, 12, 1));
            assertThat(back.homework().get(0).givenOn()).as(tool).isEqualTo(LocalDate.of(2026, 11, 24));
            assertThat(back.attachments()).as(tool).hasSize(1);
        }

        // deleted in EcoleDirecte: gone from NEO and Skolengo
        Connector ecoledirecte = registry.find("ecoledirecte").orElseThrow();
        clients.client(ecoledirecte).delete(ecoledirecte, SCHOOL, held("ecoledirecte", title).orElseThrow().toolEntryId());
        awaitGone("neo-cahier-de-textes", title);
        awaitGone("skolengo-cahier-de-textes", title);
    }

    @Test
    void atNominalLoadAnEntryIsInTheOtherToolsWithinOnePollIntervalPlusTwoSeconds() throws Exception {
        String audience = plan(-1, "neo-cahier-de-textes", "neo-cahier-de-textes-77", "neo-cahier-de-textes-essonne");
        long poll = 300; // relais.classlog.poll-period of the test profile
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String title = "Latence " + System.nanoTime();
            String session = "{\"structure_id\":\"" + SCHOOL + "\",\"audience_id\":\"" + audience + "\",\"date\":\"2026-11-25\","
                    + "\"start_time\":\"14:00\",\"title\":\"" + title + "\",\"description\":\"<p>Séance " + i + "</p>\","
                    + "\"is_published\":true,\"homeworks\":[]}";
            long t0 = System.nanoTime();
            assertThat(call("POST", "/sandbox/neo/paris/diary/session", session, false).statusCode()).isEqualTo(201);
            while (System.nanoTime() - t0 < 10_000_000_000L) {
                JsonNode b = json.readTree(call("GET", "/sandbox/neo/ent77/diary/sessions", null, false).body());
                JsonNode c = json.readTree(call("GET", "/sandbox/neo/essonne/diary/sessions", null, false).body());
                if (contains(b, title) && contains(c, title)) {
                    break;
                }
                Thread.sleep(20);
            }
            latencies.add((System.nanoTime() - t0) / 1_000_000);
            Thread.sleep(250); // nominal load: a few lessons a second across the class
        }
        latencies.sort(null);
        System.out.printf("Cahier de textes latency (poll every %d ms): median %d ms, max %d ms%n", poll,
                latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
        assertThat(latencies.get(latencies.size() - 1)).isLessThan(poll + 2000);
    }

    private static boolean contains(JsonNode sessions, String title) {
        for (JsonNode s : sessions) {
            if (title.equals(s.path("title").asText())) {
                return true;
            }
        }
        return false;
    }
}
