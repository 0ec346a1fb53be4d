package fr.relais.classlog;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;

/**
 * The steps of the cahier de textes flow (routes/classlog-sync.yaml), for the {@code neo-diary} family so far:
 * poll each tool from its watermark onto the persistent queue {@code relais.classlog.changes}; apply each
 * change to the canonical log; fan a new version out, one message per other tool of the class, onto
 * {@code relais.classlog.deliver}; deliver it and record what the tool answered, so it never comes back as
 * a change.
 */
@Component("classLogSync")
public class ClassLogSync {

    public static final String CHANGES = "relais.classlog.changes";
    public static final String DELIVER = "relais.classlog.deliver";
    private static final Logger log = LoggerFactory.getLogger(ClassLogSync.class);

    private final ClassLogSettings settings;
    private final ConnectorRegistry registry;
    private final Directory directory;
    private final JmsTemplate jms;
    private final JdbcTemplate jdbc;
    private final ClassLogStore store;
    private final TransactionTemplate tx;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public ClassLogSync(ClassLogSettings settings, ConnectorRegistry registry, Directory directory, JmsTemplate jms,
                        JdbcTemplate jdbc, TransactionTemplate tx) {
        this.settings = settings;
        this.registry = registry;
        this.directory = directory;
        this.jms = jms;
        this.jdbc = jdbc;
        this.tx = tx;
        this.store = new ClassLogStore(jdbc, settings.precedence());
    }

    public ClassLogStore store() {
        return store;
    }

    /** Polls every tool named in the sync settings; a tool that cannot be reached is retried next time. */
    public void pollAll() {
        settings.sync().stream().flatMap(s -> s.tools().stream()).distinct().forEach(tool -> {
            try {
                poll(tool);
            } catch (Exception e) {
                log.warn("Cahier de textes : {} injoignable ({}), reprise au prochain passage", tool, e.toString());
            }
        });
    }

    void poll(String tool) throws Exception {
        String base = baseUrl(tool);
        String since = jdbc.queryForList("SELECT watermark FROM classlog_watermark WHERE tool = ?", String.class, tool)
                .stream().findFirst().orElse("0");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/changes?since=" + since))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode());
        }
        for (JsonNode session : json.readTree(r.body())) {
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("tool", tool);
            change.put("session", session);
            // on the persistent queue before the watermark moves: a crash repeats a change, never loses one
            jms.convertAndSend(CHANGES, json.writeValueAsString(change));
            String mark = session.path("modified").asText();
            tx.executeWithoutResult(s -> {
                if (jdbc.update("UPDATE classlog_watermark SET watermark = ?, updated_at = ? WHERE tool = ?", mark,
                        Timestamp.from(Instant.now()), tool) == 0) {
                    jdbc.update("INSERT INTO classlog_watermark (tool, watermark, updated_at) VALUES (?, ?, ?)", tool,
                            mark, Timestamp.from(Instant.now()));
                }
            });
        }
    }

    /** One change from the changes queue: into the canonical log, then out to the class's other tools. */
    public void apply(String message) throws Exception {
        JsonNode m = json.readTree(message);
        String tool = m.path("tool").asText();
        JsonNode s = m.path("session");
        boolean deleted = s.path("deleted").asBoolean(false);
        ClassLogEntry entry = deleted ? null : fromNeo(s);
        ClassLogStore.ToolChange change = new ClassLogStore.ToolChange(tool, s.path("id").asText(),
                s.path("modified").asText(), Instant.parse(s.path("modified_at").asText()), deleted, entry);
        if (entry != null && ownWriteUnderWay(change)) {
            return;
        }
        ClassLogStore.Result result = tx.execute(st -> store.apply(change, code ->
                directory.structure(entry == null ? "" : entry.school()).map(x -> x.classes().contains(code)
                        || x.groups().contains(code)).orElse(false)));
        if (result instanceof ClassLogStore.Rejected rejected) {
            log.warn("Cahier de textes : changement {} de {} refusé : {}", s.path("id").asText(), tool, rejected.reasons());
            return;
        }
        String id = result instanceof ClassLogStore.Created c ? c.id() : result instanceof ClassLogStore.Updated u ? u.id() : null;
        long version = result instanceof ClassLogStore.Created c ? c.version() : result instanceof ClassLogStore.Updated u ? u.version() : -1;
        if (id == null) {
            return;
        }
        String[] cls = jdbc.queryForObject("SELECT school, audience FROM classlog_entry WHERE id = ?",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2)}, id);
        for (ClassLogSettings.Sync sync : settings.sync()) {
            if (sync.school().equals(cls[0]) && sync.audience().equals(cls[1])) {
                for (String target : sync.tools()) {
                    if (!target.equals(tool)) {
                        jms.convertAndSend(DELIVER, json.writeValueAsString(Map.of("entry", id, "version", version,
                                "target", target)));
                    }
                }
            }
        }
    }

    /** One delivery: write the entry's version into the target tool, and remember what the tool made of it. */
    public void deliver(String message) throws Exception {
        JsonNode m = json.readTree(message);
        String id = m.path("entry").asText();
        long version = m.path("version").asLong();
        String target = m.path("target").asText();
        long current = jdbc.queryForObject("SELECT version FROM classlog_entry WHERE id = ?", Long.class, id);
        if (current > version) {
            return; // a later version is on its way: delivering this one would go backwards
        }
        boolean deleted = jdbc.queryForObject("SELECT deleted FROM classlog_entry WHERE id = ?", Boolean.class, id);
        Optional<String> targetId = jdbc.queryForList("SELECT tool_entry_id FROM classlog_provenance WHERE tool = ? "
                + "AND entry_id = ?", String.class, target, id).stream().findFirst();
        String base = baseUrl(target);
        HttpResponse<String> r;
        if (deleted) {
            if (targetId.isEmpty()) {
                return;
            }
            r = http.send(HttpRequest.newBuilder(URI.create(base + "/session/" + targetId.get())).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2 && r.statusCode() != 404) {
                throw new IllegalStateException(target + " : HTTP " + r.statusCode());
            }
            // the tool's tombstone comes back on its next poll with a new marker: recognise nothing, apply is idempotent
            return;
        }
        ClassLogEntry entry = store.entry(id).orElseThrow();
        String body = json.writeValueAsString(toNeo(entry));
        if (targetId.isEmpty()) {
            tx.executeWithoutResult(st -> {
                jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
                jdbc.update("INSERT INTO classlog_pending (tool, entry_id, version, created_at) VALUES (?, ?, ?, ?)",
                        target, id, version, Timestamp.from(Instant.now()));
            });
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/session" + targetId.map(t -> "/" + t).orElse("")))
                .header("Content-Type", "application/json");
        r = http.send((targetId.isPresent() ? req.PUT(HttpRequest.BodyPublishers.ofString(body))
                : req.POST(HttpRequest.BodyPublishers.ofString(body))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(target + " a refusé l'entrée " + id + " : HTTP " + r.statusCode() + " " + r.body());
        }
        JsonNode answer = json.readTree(r.body());
        tx.executeWithoutResult(st -> {
            store.delivered(id, version, target, answer.path("id").asText(), answer.path("modified").asText());
            jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
        });
    }

    /**
     * A change from a tool that Relais is writing to right now, for an entry of the same lesson (school, class,
     * date, title): it is Relais' own write seen before its answer was recorded, so it is linked, not applied.
     */
    private boolean ownWriteUnderWay(ClassLogStore.ToolChange change) {
        boolean known = !jdbc.queryForList("SELECT entry_id FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?",
                String.class, change.tool(), change.toolEntryId()).isEmpty();
        if (known) {
            return false;
        }
        for (var pending : jdbc.queryForList("SELECT entry_id, version FROM classlog_pending WHERE tool = ?", change.tool())) {
            String id = (String) pending.get("entry_id");
            Optional<ClassLogEntry> e = store.entry(id);
            ClassLogEntry c = change.entry();
            if (e.isPresent() && e.get().school().equals(c.school()) && e.get().audience().equals(c.audience())
                    && e.get().date().equals(c.date()) && java.util.Objects.equals(e.get().title(), c.title())) {
                long version = ((Number) pending.get("version")).longValue();
                tx.executeWithoutResult(st -> store.delivered(id, version, change.tool(), change.toolEntryId(),
                        change.toolVersion()));
                return true;
            }
        }
        return false;
    }

    private String baseUrl(String tool) {
        Connector c = registry.find(tool).orElseThrow(() -> new IllegalStateException("outil inconnu : " + tool));
        return c.descriptor().path("classlog").path("baseUrl").asText().replaceAll("/+$", "");
    }

    /** NEO's session (with its homework) -> the canonical entry. */
    static ClassLogEntry fromNeo(JsonNode s) {
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        for (JsonNode h : s.path("homeworks")) {
            homework.add(new ClassLogEntry.Homework(h.path("id").asText(null), date(h.path("given_date").asText(
                    s.path("date").asText(null))), date(h.path("due_date").asText(null)), h.path("description").asText(""),
                    h.hasNonNull("workload") ? h.path("workload").asInt() : null, h.path("type_id").asText(null), List.of()));
        }
        return new ClassLogEntry(s.path("structure_id").asText(null), s.path("audience_id").asText(null),
                s.path("subject_id").asText(null), s.path("teacher_id").asText(null), date(s.path("date").asText(null)),
                time(s.path("start_time").asText(null)), time(s.path("end_time").asText(null)), s.path("title").asText(null),
                s.path("description").asText(""), homework, List.of(), s.path("is_published").asBoolean(true), null);
    }

    static Map<String, Object> toNeo(ClassLogEntry e) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("structure_id", e.school());
        s.put("audience_id", e.audience());
        s.put("subject_id", e.subject());
        s.put("teacher_id", e.teacher());
        s.put("date", e.date().toString());
        s.put("start_time", e.start() == null ? null : e.start().toString());
        s.put("end_time", e.end() == null ? null : e.end().toString());
        s.put("title", e.title());
        s.put("description", e.content());
        s.put("is_published", e.published());
        List<Map<String, Object>> homeworks = new ArrayList<>();
        for (ClassLogEntry.Homework h : e.homework()) {
            Map<String, Object> hw = new LinkedHashMap<>();
            hw.put("id", h.id());
            hw.put("description", h.description());
            hw.put("given_date", h.givenOn().toString());
            hw.put("due_date", h.dueOn().toString());
            hw.put("workload", h.estimatedMinutes());
            hw.put("type_id", h.kind());
            homeworks.add(hw);
        }
        s.put("homeworks", homeworks);
        return s;
    }

    private static LocalDate date(String text) {
        try {
            return text == null || text.isBlank() ? null : LocalDate.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static LocalTime time(String text) {
        try {
            return text == null || text.isBlank() ? null : LocalTime.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
