package fr.relais.classlog.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogStore;
import fr.relais.classlog.Normalizer;
import fr.relais.classlog.ToolClient;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.aaf.Uai;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * What every class-log client must do against its tool (here its simulator, over real HTTP, in the running demo
 * Relais): an entry written comes back identical from polling, updates and deletes are seen, polling resumes
 * exactly after its watermark, the tool's session is renewed once, and each failure is classed as the engine
 * needs it (unavailable, or refused with the tool's reason).
 */
abstract class ClassLogToolContract extends SsoTestBaseAccess {

    static final String SCHOOL = Uai.of(690_100);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    ConnectorRegistry registry;

    abstract ToolClient client();

    abstract String toolId();

    /** The simulator's {@code _control} URL. */
    abstract String controlUrl();

    /** The ids the tool gave to the homework of one of its lessons, in order. */
    abstract List<String> toolHomeworkIds(String toolEntryId) throws Exception;

    /** How many tokens or sessions the tool has handed out so far. */
    abstract int sessionsOpened();

    /** The tool's descriptor with a secret the tool does not accept. */
    abstract Connector withWrongCredentials(Connector tool);

    /** What the message of a refused credential must say (the field to fix). */
    abstract String credentialField();

    /** The reason the tool gives when it refuses a title containing {@code word}. */
    abstract String refusalReason(String word);

    /** Stores, the way a teacher using the tool would, a lesson whose date, start and homework due date are not dates. */
    abstract String storeLessonWithInvalidDates(String title) throws Exception;

    Connector tool() {
        Connector tool = registry.find(toolId()).orElseThrow();
        assertThat(tool.errors()).as(tool.source()).isNull();
        return tool;
    }

    @AfterEach
    void toolBackToNormal() throws Exception {
        control("{}");
    }

    void control(String json) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(controlUrl()))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    static JsonNode getJson(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static ClassLogEntry entry(String title) {
        return new ClassLogEntry(SCHOOL, "6A", "061300", "4000002", LocalDate.of(2026, 11, 23), LocalTime.of(8, 0),
                LocalTime.of(8, 55), title, "<p>Théorème de <strong>Pythagore</strong> : démonstration</p>",
                List.of(new ClassLogEntry.Homework("h1", LocalDate.of(2026, 11, 23), LocalDate.of(2026, 11, 30),
                                "<p>Exercices 12 et 13 p. 154</p>", 30, "exercice",
                                List.of(new ClassLogEntry.Attachment("fiche-exercices.pdf", "application/pdf", 48213L,
                                        "https://docs.example.fr/fiche-exercices.pdf",
                                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))),
                        new ClassLogEntry.Homework("h2", LocalDate.of(2026, 11, 24), LocalDate.of(2026, 12, 1),
                                "Réviser le chapitre 3", null, "interrogation", List.of())),
                List.of(new ClassLogEntry.Attachment("cours-pythagore.pdf", "application/pdf", 120400L,
                        "https://docs.example.fr/cours-pythagore.pdf", null)), false, "1000001");
    }

    /** The entry as the tool holds it: the same, with the tool's ids for its homework. */
    ClassLogEntry asHeld(ClassLogEntry e, String toolEntryId) throws Exception {
        List<String> ids = toolHomeworkIds(toolEntryId);
        assertThat(ids).hasSize(e.homework().size()).doesNotContainNull();
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            ClassLogEntry.Homework h = e.homework().get(i);
            homework.add(new ClassLogEntry.Homework(ids.get(i), h.givenOn(), h.dueOn(), h.description(),
                    h.estimatedMinutes(), h.kind(), h.attachments()));
        }
        return new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(), e.end(),
                e.title(), e.content(), homework, e.attachments(), e.published(), e.visaBy());
    }

    static ClassLogEntry withHomework(ClassLogEntry e, List<ClassLogEntry.Homework> homework) {
        return new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(), e.end(),
                e.title(), e.content(), homework, e.attachments(), e.published(), e.visaBy());
    }

    /** The watermark after everything the tool holds for the school now. */
    String latest() throws ToolException {
        List<ToolClient.Polled> all = client().poll(tool(), SCHOOL, null);
        return all.isEmpty() ? null : all.get(all.size() - 1).watermark();
    }

    List<ClassLogStore.ToolChange> changesOf(String toolEntryId, String since) throws ToolException {
        return client().poll(tool(), SCHOOL, since).stream().map(ToolClient.Polled::change)
                .filter(c -> c.toolEntryId().equals(toolEntryId)).toList();
    }

    @Test
    void anEntryWithEveryFieldComesBackIdenticalFromPolling() throws Exception {
        String since = latest();
        ClassLogEntry written = entry("Pythagore " + System.nanoTime());

        ToolClient.Written w = client().write(tool(), null, written);

        List<ClassLogStore.ToolChange> changes = changesOf(w.toolEntryId(), since);
        assertThat(changes).hasSize(1);
        ClassLogStore.ToolChange change = changes.get(0);
        assertThat(change.tool()).isEqualTo(toolId());
        assertThat(change.toolVersion()).isEqualTo(w.toolVersion());
        assertThat(change.deleted()).isFalse();
        assertThat(change.modifiedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(change.entry()).isEqualTo(asHeld(written, w.toolEntryId()));
    }

    @Test
    void anUpdateReplacesTheLessonKeepsItsHomeworkIdsAndFindLinksIt() throws Exception {
        ClassLogEntry first = entry("Thalès " + System.nanoTime());
        ToolClient.Written created = client().write(tool(), null, first);
        String since = latest();
        List<String> ids = toolHomeworkIds(created.toolEntryId());
        ClassLogEntry.Homework kept = new ClassLogEntry.Homework(ids.get(0), LocalDate.of(2026, 11, 23),
                LocalDate.of(2026, 12, 2), "<p>Exercices 12, 13 et 14</p>", 45, "exercice", List.of());
        ClassLogEntry.Homework added = new ClassLogEntry.Homework("h3", LocalDate.of(2026, 11, 23),
                LocalDate.of(2026, 11, 26), "Lire p. 160", 15, "lecture", List.of());
        ClassLogEntry updated = new ClassLogEntry(SCHOOL, "6A", "061300", "4000002", LocalDate.of(2026, 11, 23),
                LocalTime.of(8, 0), LocalTime.of(9, 0), first.title(), "<p>Théorème de Thalès, corrigé</p>",
                List.of(kept, added), List.of(), true, null);

        ToolClient.Written w = client().write(tool(), created.toolEntryId(), updated);

        assertThat(w.toolEntryId()).isEqualTo(created.toolEntryId());
        assertThat(w.toolVersion()).isNotEqualTo(created.toolVersion());
        List<ClassLogStore.ToolChange> changes = changesOf(w.toolEntryId(), since);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).toolVersion()).isEqualTo(w.toolVersion());
        List<String> now = toolHomeworkIds(w.toolEntryId());
        assertThat(now.get(0)).isEqualTo(ids.get(0));
        assertThat(now).doesNotContain(ids.get(1), "h3");
        assertThat(changes.get(0).entry()).isEqualTo(asHeld(updated, w.toolEntryId()));

        // find links the copy and shows what it holds, as the change feed does
        assertThat(client().find(tool(), updated)).contains(new ToolClient.Written(w.toolEntryId(), w.toolVersion(),
                changes.get(0).entry()));
        assertThat(client().find(tool(), new ClassLogEntry(SCHOOL, "6A", null, null, updated.date(), updated.start(),
                null, "Autre titre", null, List.of(), List.of(), true, null))).isEmpty();
    }

    @Test
    void aDeletedEntryComesBackAsADeletion() throws Exception {
        ClassLogEntry e = entry("Aires " + System.nanoTime());
        ToolClient.Written w = client().write(tool(), null, e);
        String since = latest();

        client().delete(tool(), SCHOOL, w.toolEntryId());

        List<ClassLogStore.ToolChange> changes = changesOf(w.toolEntryId(), since);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).deleted()).isTrue();
        assertThat(changes.get(0).entry()).isNull();
        assertThat(changes.get(0).toolVersion()).isNotEqualTo(w.toolVersion());
        assertThat(client().find(tool(), e)).isEmpty();
        // an entry the tool no longer has is not an error
        assertThatCode(() -> client().delete(tool(), SCHOOL, w.toolEntryId())).doesNotThrowAnyException();
    }

    @Test
    void anUpdateOfALessonTheToolNoLongerHasIsAnsweredNotFound() throws Exception {
        ClassLogEntry e = entry("Disparue " + System.nanoTime());
        ToolClient.Written w = client().write(tool(), null, e);
        client().delete(tool(), SCHOOL, w.toolEntryId());

        ToolException gone = catchThrowableOfType(() -> client().write(tool(), w.toolEntryId(), e), ToolException.class);

        // the engine takes it for a copy gone from the tool (not a refusal of the lesson): see ClassLogSync#write
        assertThat(gone).isNotNull();
        assertThat(gone.notFound()).as(gone.getMessage()).isTrue();
        assertThat(gone.getMessage()).startsWith(toolId()).contains("404");
    }

    @Test
    void pollingResumesAfterItsWatermarkEvenForTwoChangesInTheSameSecond() throws Exception {
        String since = latest();
        control("{\"clock\": \"2026-11-23T10:00:00Z\"}");
        ToolClient.Written a = client().write(tool(), null, entry("Fractions " + System.nanoTime()));
        ToolClient.Written b = client().write(tool(), null, entry("Décimaux " + System.nanoTime()));

        List<ToolClient.Polled> both = client().poll(tool(), SCHOOL, since);
        assertThat(both).extracting(p -> p.change().toolEntryId()).containsExactly(a.toolEntryId(), b.toolEntryId());
        assertThat(both).extracting(p -> p.change().modifiedAt())
                .containsOnly(Instant.parse("2026-11-23T10:00:00Z"));

        List<ToolClient.Polled> afterA = client().poll(tool(), SCHOOL, both.get(0).watermark());
        assertThat(afterA).extracting(p -> p.change().toolEntryId()).containsExactly(b.toolEntryId());
        assertThat(client().poll(tool(), SCHOOL, both.get(1).watermark())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"revokeTokens", "expireTokens"})
    void aRevokedOrExpiredSessionIsRenewedOnceAndTheCallSucceeds(String action) throws Exception {
        client().poll(tool(), SCHOOL, latest());
        int opened = sessionsOpened();
        client().poll(tool(), SCHOOL, null);
        assertThat(sessionsOpened()).as("the session is kept between calls").isEqualTo(opened);

        control("{\"" + action + "\": true}");
        ToolClient.Written w = client().write(tool(), null, entry("Session " + System.nanoTime()));

        assertThat(sessionsOpened()).isEqualTo(opened + 1);
        assertThat(changesOf(w.toolEntryId(), null)).hasSize(1);
        assertThat(sessionsOpened()).isEqualTo(opened + 1);
    }

    @Test
    void refusedCredentialsMakeTheToolUnavailableAndSayWhatToFix() {
        ToolException e = catchThrowableOfType(() -> client().poll(withWrongCredentials(tool()), SCHOOL, null),
                ToolException.class);

        assertThat(e).isNotNull();
        assertThat(e.refused()).isFalse();
        assertThat(e.getMessage()).contains(toolId(), credentialField());
    }

    @Test
    void aToolThatIsDownIsUnavailable() throws Exception {
        client().poll(tool(), SCHOOL, latest()); // a session is open: the outage is the API's, not the login's
        control("{\"down\": true}");

        ToolException polling = catchThrowableOfType(() -> client().poll(tool(), SCHOOL, null), ToolException.class);
        ToolException writing = catchThrowableOfType(() -> client().write(tool(), null, entry("Panne")), ToolException.class);

        assertThat(polling).isNotNull().hasMessageContaining("503");
        assertThat(polling.refused()).isFalse();
        assertThat(writing).isNotNull();
        assertThat(writing.refused()).isFalse();
    }

    @Test
    void aRefusedTitleIsRefusedWithTheToolsReason() throws Exception {
        String since = latest();
        control("{\"refuseTitle\": \"interdit\"}");
        String title = "Sujet interdit " + System.nanoTime();

        ToolException e = catchThrowableOfType(() -> client().write(tool(), null, entry(title)), ToolException.class);

        assertThat(e).isNotNull();
        assertThat(e.refused()).isTrue();
        assertThat(e.getMessage()).contains(toolId(), refusalReason("interdit"), title);
        assertThat(client().poll(tool(), SCHOOL, since)).isEmpty();
    }

    @Test
    void anInvalidDateFromTheToolComesThroughNullSoTheNormalizerRefusesIt() throws Exception {
        String since = latest();
        String id = storeLessonWithInvalidDates("Date impossible " + System.nanoTime());

        List<ClassLogStore.ToolChange> changes = changesOf(id, since);

        assertThat(changes).hasSize(1);
        ClassLogEntry e = changes.get(0).entry();
        assertThat(e).isNotNull();
        assertThat(e.audience()).isEqualTo("6A");
        assertThat(e.date()).isNull();
        assertThat(e.start()).isNull();
        assertThat(e.homework()).singleElement().satisfies(h -> {
            assertThat(h.givenOn()).isEqualTo(LocalDate.of(2026, 11, 23));
            assertThat(h.dueOn()).isNull();
        });
        Normalizer.Outcome outcome = Normalizer.normalize(e, code -> true);
        assertThat(outcome).isInstanceOfSatisfying(Normalizer.Refused.class, r -> assertThat(r.reasons())
                .contains("date de la séance absente ou invalide")
                .anyMatch(reason -> reason.contains("date donnée et date due obligatoires")));
    }

    static Optional<JsonNode> first(JsonNode array, java.util.function.Predicate<JsonNode> test) {
        for (JsonNode n : array) {
            if (test.test(n)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }
}
