package fr.relais.classlog;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.connector.Connector;
import fr.relais.platform.NotFoundException;

/**
 * Admin API of the cahier de textes sync: the plan of each class, its status (last success, lag, queued, dead
 * letters, conflicts, circuit of each tool, changes waiting for the directory), entry history, conflicts, refused
 * changes, changes waiting for the directory, dead letters and replay.
 */
@io.swagger.v3.oas.annotations.tags.Tag(name = "Cahier de textes", description = "Plans de synchronisation, état par outil, séances en attente, lettres mortes, conflits, refus, relecture d'un outil")
@RestController
@RequestMapping("/api/classlog")
public class ClassLogApi {

    /** The plan of a class as sent to {@code PUT /api/classlog/sync/{school}/{audience}}. */
    public record PlanRequest(List<ToolRequest> tools) {
    }

    public record ToolRequest(String tool, String direction) {
    }

    private final SyncPlan plan;
    private final ClassLogSync sync;
    private final ToolClients clients;
    private final JdbcTemplate jdbc;
    private final JmsTemplate jms;
    private final ParkedEntries parked;

    public ClassLogApi(SyncPlan plan, ClassLogSync sync, ToolClients clients, JdbcTemplate jdbc, JmsTemplate jms,
                       ParkedEntries parked) {
        this.parked = parked;
        this.plan = plan;
        this.sync = sync;
        this.clients = clients;
        this.jdbc = jdbc;
        this.jms = jms;
    }

    @GetMapping("/sync")
    public List<SyncPlan.ClassSync> plans() {
        return plan.all();
    }

    @GetMapping("/sync/{school}")
    public List<SyncPlan.ClassSync> plans(@PathVariable String school) {
        return plan.of(school);
    }

    @PutMapping("/sync/{school}/{audience}")
    public SyncPlan.ClassSync put(@PathVariable String school, @PathVariable String audience,
                                  @RequestBody PlanRequest request) {
        if (request == null || request.tools() == null) {
            throw new IllegalArgumentException("corps attendu : {\"tools\": [{\"tool\": \"...\", \"direction\": \"both\"}, ...]}");
        }
        List<SyncPlan.Member> members = new ArrayList<>();
        for (ToolRequest t : request.tools()) {
            if (t == null || t.tool() == null || t.tool().isBlank()) {
                throw new IllegalArgumentException("chaque outil a un identifiant (\"tool\")");
            }
            members.add(new SyncPlan.Member(t.tool(), t.direction() == null ? SyncPlan.Direction.BOTH
                    : SyncPlan.Direction.parse(t.direction())));
        }
        return plan.put(school, audience, members);
    }

    @DeleteMapping("/sync/{school}/{audience}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void remove(@PathVariable String school, @PathVariable String audience) {
        if (!plan.remove(school, audience)) {
            throw new NotFoundException("aucun plan de synchronisation pour " + school + " " + audience);
        }
    }

    /** Per class of the school, per tool: what Relais knows of its sync. */
    @GetMapping("/status/{school}")
    public List<Map<String, Object>> status(@PathVariable String school) {
        List<SyncPlan.ClassSync> classes = plan.of(school);
        if (classes.isEmpty()) {
            throw new NotFoundException("aucune classe de " + school + " n'est synchronisée");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (SyncPlan.ClassSync c : classes) {
            List<Map<String, Object>> tools = new ArrayList<>();
            for (SyncPlan.Member m : c.tools()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("tool", m.tool());
                t.put("direction", m.direction().name().toLowerCase(java.util.Locale.ROOT));
                jdbc.query("SELECT last_success, last_error, last_error_at, last_reset_at, last_reset_reason, reread_since "
                        + "FROM classlog_watermark WHERE tool = ? AND school = ?",
                        rs -> {
                            t.put("lastPoll", instant(rs.getTimestamp(1)));
                            t.put("pollError", rs.getString(2));
                            t.put("pollErrorAt", instant(rs.getTimestamp(3)));
                            // the tool's feed went backwards (restored, reinstalled): when, why, and whether it is
                            // being read again from its start
                            t.put("lastReset", instant(rs.getTimestamp(4)));
                            t.put("lastResetReason", rs.getString(5));
                            t.put("rereading", rs.getTimestamp(6) != null);
                        }, m.tool(), school);
                jdbc.query("SELECT last_success, last_error, last_error_at FROM classlog_target WHERE tool = ?", rs -> {
                    t.put("lastDelivery", instant(rs.getTimestamp(1)));
                    t.put("deliveryError", rs.getString(2));
                    t.put("deliveryErrorAt", instant(rs.getTimestamp(3)));
                }, m.tool());
                String selector = "relaisSchool = '" + quote(school) + "' AND relaisAudience = '" + quote(c.audience()) + "'";
                if (m.direction().writes()) {
                    // entries of the class whose current version the tool does not hold yet, and since when
                    jdbc.query("SELECT COUNT(*), MIN(h.recorded_at) FROM classlog_entry e "
                            + "JOIN classlog_history h ON h.entry_id = e.id AND h.version = e.version "
                            + "LEFT JOIN classlog_provenance p ON p.entry_id = e.id AND p.tool = ? "
                            + "WHERE e.school = ? AND e.audience = ? AND (p.synced_version IS NULL OR p.synced_version < e.version) "
                            + "AND NOT (e.deleted AND p.entry_id IS NULL)", rs -> {
                        t.put("queued", rs.getLong(1));
                        Timestamp oldest = rs.getTimestamp(2);
                        t.put("lagSeconds", oldest == null ? 0 : Duration.between(oldest.toInstant(), Instant.now()).toSeconds());
                    }, m.tool(), school, c.audience());
                }
                t.put("deadLetters", m.direction().writes() ? browse(ClassLogSync.DEAD + m.tool(), selector) : 0);
                t.put("conflicts", jdbc.queryForObject("SELECT COUNT(*) FROM classlog_conflict k JOIN classlog_entry e ON "
                        + "e.id = k.entry_id WHERE e.school = ? AND e.audience = ? AND k.tool = ?", Long.class, school,
                        c.audience(), m.tool()));
                t.put("circuit", m.direction().writes() ? sync.breaker(m.tool()).getState().name().toLowerCase(java.util.Locale.ROOT) : null);
                tools.add(t);
            }
            Map<String, Object> cls = new LinkedHashMap<>();
            cls.put("school", school);
            cls.put("audience", c.audience());
            cls.put("entries", jdbc.queryForObject("SELECT COUNT(*) FROM classlog_entry WHERE school = ? AND audience = ? "
                    + "AND deleted = FALSE", Long.class, school, c.audience()));
            // changes of the class waiting for the directory (GET /api/classlog/parked lists them)
            ParkedEntries.Counts waiting = parked.counts(school, c.audience());
            cls.put("parked", waiting.parked());
            cls.put("parkedOverdue", waiting.overdue());
            cls.put("tools", tools);
            out.add(cls);
        }
        return out;
    }

    /** One lesson of a class's list ({@link #entries}). */
    public record EntrySummary(String id, java.time.LocalDate date, java.time.LocalTime start, String title,
                               String subject, String teacher, long version, boolean deleted, String sourceTool,
                               Instant modifiedAt) {
    }

    /** The entries of a class, the latest lessons first (at most {@code limit}, 500 at most): what the console lists. */
    @GetMapping("/entries")
    public List<EntrySummary> entries(@RequestParam String school, @RequestParam String audience,
                                      @RequestParam(defaultValue = "200") int limit) {
        return jdbc.query("SELECT id, document, version, deleted, source_tool, modified_at FROM classlog_entry WHERE "
                + "school = ? AND audience = ? ORDER BY lesson_date DESC, id FETCH FIRST " + Math.max(1, Math.min(limit, 500))
                + " ROWS ONLY", (rs, n) -> {
                    ClassLogEntry e = sync.store().read(rs.getString(2));
                    return new EntrySummary(rs.getString(1), e.date(), e.start(), e.title(), e.subject(), e.teacher(),
                            rs.getLong(3), rs.getBoolean(4), rs.getString(5), instant(rs.getTimestamp(6)));
                }, school, audience);
    }

    /** An entry's current state and every version, with the tool each came from. */
    @GetMapping("/entries/{id}")
    public Map<String, Object> entry(@PathVariable String id) {
        List<Map<String, Object>> current = jdbc.queryForList("SELECT id, school, audience, lesson_date, version, deleted, "
                + "source_tool, modified_at FROM classlog_entry WHERE id = ?", id);
        if (current.isEmpty()) {
            throw new NotFoundException("entrée de cahier de textes inconnue : " + id);
        }
        Map<String, Object> out = new LinkedHashMap<>(current.get(0));
        out.put("provenance", jdbc.queryForList("SELECT tool, tool_entry_id, tool_version, synced_version, last_seen "
                + "FROM classlog_provenance WHERE entry_id = ? ORDER BY tool", id));
        out.put("history", sync.store().history(id));
        out.put("conflicts", jdbc.queryForList("SELECT tool, modified_at, winner_version, recorded_at, document FROM "
                + "classlog_conflict WHERE entry_id = ? ORDER BY id", id));
        return out;
    }

    @GetMapping("/conflicts")
    public List<Map<String, Object>> conflicts(@RequestParam String school) {
        return jdbc.queryForList("SELECT k.entry_id, e.audience, e.lesson_date, k.tool, k.modified_at, k.winner_version, "
                + "k.recorded_at FROM classlog_conflict k JOIN classlog_entry e ON e.id = k.entry_id WHERE e.school = ? "
                + "ORDER BY k.id DESC", school);
    }

    /**
     * Changes refused from a tool, with the reason (never silently dropped); for drop-folder tools, also the
     * files refused whole or read with rows in error.
     */
    @GetMapping("/rejections")
    public List<Map<String, Object>> rejections(@RequestParam(required = false) String tool) throws ToolException {
        List<Map<String, Object>> out = new ArrayList<>(tool == null
                ? jdbc.queryForList("SELECT tool, tool_entry_id, reason, recorded_at FROM classlog_rejection ORDER BY id DESC")
                : jdbc.queryForList("SELECT tool, tool_entry_id, reason, recorded_at FROM classlog_rejection WHERE tool = ? "
                        + "ORDER BY id DESC", tool));
        for (Connector c : clients.writable()) {
            if ((tool == null || tool.equals(c.id())) && clients.client(c) instanceof fr.relais.classlog.tools.FileExchangeClient files) {
                for (var r : files.rejectedFiles(c)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("tool", c.id());
                    m.put("file", r.file());
                    m.put("wholeFile", r.wholeFile());
                    m.put("reason", r.reason());
                    m.put("recorded_at", r.at());
                    out.add(m);
                }
            }
        }
        return out;
    }

    /**
     * Changes waiting for the directory (their school, class or group not imported yet), oldest first: the tool
     * entry, its class, title and date, why, since when, and whether it waits longer than {@code parked-alert}.
     */
    @GetMapping("/parked")
    public List<ParkedEntries.ParkedChange> parked(@RequestParam(required = false) String school,
                                             @RequestParam(required = false) String tool) {
        return parked.list(school, tool);
    }

    /** Dead letters of every target (or of one): the delivery, its entry and version, the last error. */
    @GetMapping("/dead-letters")
    public List<Map<String, Object>> deadLetters(@RequestParam(required = false) String tool) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Connector target : clients.writable()) {
            if (tool != null && !tool.equals(target.id())) {
                continue;
            }
            jms.browse(ClassLogSync.DEAD + target.id(), (session, browser) -> {
                for (Object o : Collections.list(browser.getEnumeration())) {
                    jakarta.jms.Message m = (jakarta.jms.Message) o;
                    Map<String, Object> letter = new LinkedHashMap<>();
                    String id = m.getStringProperty("relaisDelivery");
                    letter.put("id", id);
                    letter.put("tool", target.id());
                    letter.put("entry", m.getStringProperty("relaisEntry"));
                    letter.put("version", m.getLongProperty("relaisVersion"));
                    letter.put("school", m.getStringProperty("relaisSchool"));
                    letter.put("audience", m.getStringProperty("relaisAudience"));
                    jdbc.query("SELECT error, attempts, last_at FROM classlog_delivery_error WHERE delivery_id = ?", rs -> {
                        letter.put("error", rs.getString(1));
                        letter.put("attempts", rs.getInt(2));
                        letter.put("lastAttempt", instant(rs.getTimestamp(3)));
                    }, id);
                    out.add(letter);
                }
                return null;
            });
        }
        return out;
    }

    @PostMapping("/dead-letters/{id}/replay")
    @ResponseStatus(HttpStatus.ACCEPTED)
    public Map<String, Object> replay(@PathVariable String id) throws Exception {
        List<String> tools = jdbc.queryForList("SELECT tool FROM classlog_delivery_error WHERE delivery_id = ?", String.class, id);
        if (tools.isEmpty()) {
            tools = clients.writable().stream().map(Connector::id).toList();
        }
        for (String tool : tools) {
            if (sync.replay(tool, id)) {
                return Map.of("id", id, "tool", tool, "replayed", true);
            }
        }
        throw new NotFoundException("aucune lettre morte " + id);
    }

    /** Every dead letter of a target back on its queue (after the tool was fixed). */
    @PostMapping("/tools/{tool}/dead-letters/replay")
    @ResponseStatus(HttpStatus.ACCEPTED)
    public Map<String, Object> replayAll(@PathVariable String tool) throws Exception {
        if (clients.writable().stream().noneMatch(c -> c.id().equals(tool))) {
            throw new NotFoundException("outil de cahier de textes inconnu ou non écrit par Relais : " + tool);
        }
        int n = 0;
        for (Map<String, Object> letter : deadLetters(tool)) {
            if (sync.replay(tool, (String) letter.get("id"))) {
                n++;
            }
        }
        return Map.of("tool", tool, "replayed", n);
    }

    /**
     * An operator says a tool was reinstalled or restored from a backup: its feed is read again from its start for
     * the school at its next poll, each entry judged by its content (what Relais does when it sees a reset itself).
     * Some resets show nothing Relais can see (see the README): this is how they are told.
     */
    @PostMapping("/tools/{tool}/reread")
    @ResponseStatus(HttpStatus.ACCEPTED)
    public Map<String, Object> reread(@PathVariable String tool, @RequestParam String school) {
        if (jdbc.queryForObject("SELECT COUNT(*) FROM classlog_watermark WHERE tool = ? AND school = ?", Integer.class,
                tool, school) == 0) {
            throw new NotFoundException("l'outil " + tool + " n'est pas lu pour l'établissement " + school
                    + " (aucune relève enregistrée) : rien à relire");
        }
        boolean requested = jdbc.update("UPDATE classlog_watermark SET reset_requested = ? WHERE tool = ? AND school = ? "
                + "AND reread_since IS NULL", "relecture demandée par un administrateur (outil réinstallé ou restauré)",
                tool, school) > 0;
        return Map.of("tool", tool, "school", school, "requested", requested, "message", requested
                ? "relecture depuis le début à la prochaine relève de l'outil"
                : "une relecture depuis le début est déjà en cours");
    }

    /** How many messages of a queue match (messages a consumer already holds are not seen). */
    private long browse(String queue, String selector) {
        Long out = jms.browseSelected(queue, selector, (session, browser) -> (long) Collections.list(browser.getEnumeration()).size());
        return out == null ? 0 : out;
    }

    private static String quote(String s) {
        return s.replace("'", "''");
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
