package fr.relais.classlog;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.directory.DirectoryImported;

/**
 * Changes that wait for the directory. A lesson typed in a tool for a class, a group or a school that the AAF feed
 * has not brought yet (the rentrée, a group made mid-year) is not refused: it is kept in {@code classlog_parked},
 * one row per tool entry (its latest change), and queued again as soon as the directory knows its target: after
 * every AAF import, and every {@code relais.classlog.parked-retry}. A change parked longer than
 * {@code relais.classlog.parked-alert} is reported once in the log, and listed as overdue by the admin API.
 * <p>
 * A change queued again carries {@code "parked": true}: it is applied only while its row still holds that very
 * version of the tool entry, and nothing was recorded of that tool entry since it was parked; otherwise a later
 * change of the entry was applied in between, and the older one is dropped (see {@link Rows#waiting}).
 */
@Component
public class ParkedEntries {

    private static final Logger log = LoggerFactory.getLogger(ParkedEntries.class);
    /** Changes per page queued again (a page is applied in one transaction). */
    private static final int PAGE = 500;

    /** One parked change as the admin API lists it; {@code parkedAt} is when it was first parked. */
    public record ParkedChange(String tool, String toolEntryId, String school, String audience, String title, LocalDate date,
                         String reason, Instant parkedAt, Instant lastParkedAt, long ageSeconds, String age,
                         boolean overdue) {
    }

    /** Parked changes of a class: how many, and how many are overdue. */
    public record Counts(long parked, long overdue) {
    }

    private final ClassLogSync sync;
    private final JdbcTemplate jdbc;
    private final Duration every;
    private final Duration alertAfter;
    private final ObjectMapper json = new ObjectMapper();
    private volatile long lastRetry = System.nanoTime();

    public ParkedEntries(ClassLogSync sync, JdbcTemplate jdbc,
                         @Value("${relais.classlog.parked-retry:PT5M}") Duration every,
                         @Value("${relais.classlog.parked-alert:PT24H}") Duration alertAfter) {
        this.sync = sync;
        this.jdbc = jdbc;
        this.every = every;
        this.alertAfter = alertAfter;
    }

    /** An AAF import completed: what waited for it is tried again at once. */
    @EventListener
    public void imported(DirectoryImported event) {
        try {
            int queued = retry();
            if (queued > 0) {
                log.info("Cahier de textes : {} changement(s) en attente de l'annuaire repris après l'import {}", queued,
                        event.file());
            }
        } catch (RuntimeException e) {
            // the import is done; the periodic retry takes over
            log.warn("Cahier de textes : reprise des changements en attente après l'import {} impossible ({}), "
                    + "reprise au prochain passage", event.file(), ClassLogSync.french(e));
        }
    }

    /** The timer's step (routes/classlog-sync.yaml): a retry when {@code parked-retry} has elapsed, then the alerts. */
    public void tick() {
        try {
            if (System.nanoTime() - lastRetry >= every.toNanos()) {
                retry();
            }
            alert();
        } catch (RuntimeException e) {
            log.warn("Cahier de textes : reprise des changements en attente de l'annuaire impossible ({}), reprise au "
                    + "prochain passage", ClassLogSync.french(e));
        }
    }

    /**
     * Queues again every parked change whose target the directory now knows (asked as the changes step asks it),
     * one page per tool and school at most {@value #PAGE} changes long, in the tool's order. Answers how many.
     */
    public int retry() {
        lastRetry = System.nanoTime();
        Map<String, Boolean> known = new HashMap<>();
        Map<List<String>, List<JsonNode>> pages = new LinkedHashMap<>();
        // (a change waiting for a check of its tool's feed is applied by that check, see ClassLogSync#checked)
        jdbc.query("SELECT tool, school, audience, page_item FROM classlog_parked WHERE NOT awaits_feed_check ORDER BY "
                + "tool, school, modified_at",
                rs -> {
                    String school = rs.getString(2);
                    String audience = rs.getString(3);
                    if (known.computeIfAbsent(school + "\u0000" + audience,
                            k -> sync.audiences.apply(school).contains(audience))) {
                        pages.computeIfAbsent(List.of(rs.getString(1), school), k -> new ArrayList<>())
                                .add(flagged(rs.getString(4)));
                    }
                });
        int queued = 0;
        for (Map.Entry<List<String>, List<JsonNode>> page : pages.entrySet()) {
            List<JsonNode> items = page.getValue();
            for (int from = 0; from < items.size(); from += PAGE) {
                sync.enqueue(page.getKey().get(0), page.getKey().get(1),
                        json.createArrayNode().addAll(items.subList(from, Math.min(items.size(), from + PAGE))).toString());
            }
            queued += items.size();
        }
        return queued;
    }

    /** The change as the poll queued it, marked as coming back from the parking (with its tool version). */
    private JsonNode flagged(String item) {
        return ((ObjectNode) sync.readItem(item)).put("parked", true);
    }

    /** One WARN line per change parked longer than {@code parked-alert}, once (and once for all nodes). */
    void alert() {
        Timestamp before = Timestamp.from(Instant.now().minus(alertAfter));
        List<Object[]> late = jdbc.query("SELECT tool, tool_entry_id, school, audience, first_parked_at, reason, "
                + "awaits_feed_check FROM classlog_parked WHERE alerted_at IS NULL AND first_parked_at < ?",
                (rs, n) -> new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getTimestamp(5).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), rs.getString(6),
                rs.getBoolean(7)}, before);
        for (Object[] p : late) {
            if (jdbc.update("UPDATE classlog_parked SET alerted_at = ? WHERE tool = ? AND tool_entry_id = ? AND "
                    + "alerted_at IS NULL", Timestamp.from(Instant.now()), p[0], p[1]) != 1) {
                continue; // alerted by another node
            }
            if ((Boolean) p[6]) {
                log.warn("Cahier de textes : le changement {} de {} attend depuis le {} la vérification du fil de "
                        + "changements de l'outil ({}) ; elle a lieu quand l'outil est lu sans rien de nouveau : "
                        + "vérifiez que {} répond et qu'il est lu pour l'établissement {}", p[1], p[0], p[4], p[5], p[0],
                        p[2]);
            } else {
                log.warn("Cahier de textes : le changement {} de {} attend l'annuaire depuis le {} ({}) ; vérifiez que "
                        + "l'import AAF amène l'établissement {} et sa classe ou son groupe '{}', ou corrigez la classe "
                        + "de la séance dans l'outil", p[1], p[0], p[4], p[5], p[2], p[3]);
            }
        }
    }

    /** Parked changes, oldest first, of a school and of a tool when given. */
    public List<ParkedChange> list(String school, String tool) {
        Instant now = Instant.now();
        List<Object> args = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (school != null && !school.isBlank()) {
            where.append(" AND school = ?");
            args.add(school);
        }
        if (tool != null && !tool.isBlank()) {
            where.append(" AND tool = ?");
            args.add(tool);
        }
        return jdbc.query("SELECT tool, tool_entry_id, school, audience, page_item, reason, first_parked_at, parked_at "
                + "FROM classlog_parked" + where + " ORDER BY first_parked_at, tool, tool_entry_id", (rs, n) -> {
            ClassLogEntry entry = entry(rs.getString(5));
            Instant first = rs.getTimestamp(7).toInstant();
            Duration age = Duration.between(first, now);
            return new ParkedChange(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    entry == null ? null : entry.title(), entry == null ? null : entry.date(), rs.getString(6), first,
                    rs.getTimestamp(8).toInstant(), age.toSeconds(), human(age), age.compareTo(alertAfter) > 0);
        }, args.toArray());
    }

    /** How many changes of this class wait for the directory, and how many for longer than {@code parked-alert}. */
    public Counts counts(String school, String audience) {
        return jdbc.queryForObject("SELECT COUNT(*), COUNT(CASE WHEN first_parked_at < ? THEN 1 END) FROM "
                + "classlog_parked WHERE school = ? AND audience = ?", (rs, n) -> new Counts(rs.getLong(1), rs.getLong(2)),
                Timestamp.from(Instant.now().minus(alertAfter)), school, audience);
    }

    private ClassLogEntry entry(String item) {
        try {
            JsonNode entry = json.readTree(item).path("entry");
            return entry.isTextual() ? sync.store().read(entry.asText()) : null;
        } catch (Exception e) {
            return null; // listed without its title and date
        }
    }

    /** {@code 3 j 4 h}, {@code 2 h 5 min}, {@code 40 s}. */
    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) {
            return s / 86_400 + " j " + s % 86_400 / 3600 + " h";
        }
        if (s >= 3600) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s >= 60 ? s / 60 + " min" : s + " s";
    }

    /**
     * The parked rows in the changes step's transaction: kept by {@link ClassLogStore#apply}, checked for a change
     * that comes back from the parking.
     */
    static final class Rows {

        private static final long RECHECK_NANOS = 1_000_000_000L;
        /** A row this node parked may not be committed yet when the table is checked: it is not taken as empty. */
        private static final long PARKED_LATELY_NANOS = 60_000_000_000L;
        private final JdbcTemplate jdbc;
        private final ObjectMapper json;
        /**
         * Whether the table may hold rows: while it is known empty (checked at most once a second), a change applied
         * costs no statement here. A row parked by this node sets it at once.
         */
        private volatile boolean any = true;
        private volatile long checkedAt = System.nanoTime() - RECHECK_NANOS;
        private volatile long parkedAt = System.nanoTime() - PARKED_LATELY_NANOS;

        private final ClassLogStore store;

        Rows(JdbcTemplate jdbc, ObjectMapper json, ClassLogStore store) {
            this.jdbc = jdbc;
            this.json = json;
            this.store = store;
        }

        /**
         * Keeps (or replaces) the tool entry's waiting change; the first time it was parked is kept.
         *
         * @param feedCheck it waits for a check of its tool's feed ({@link ClassLogStore.AwaitsFeedCheck}), not for
         *                  the directory
         */
        void park(ClassLogStore.ToolChange change, String entryDocument, List<String> reasons, Instant now,
                  boolean feedCheck) {
            parkedAt = System.nanoTime();
            any = true;
            String item = item(change, entryDocument, feedCheck);
            String reason = ClassLogSync.cut(String.join(" ; ", reasons));
            ClassLogEntry e = change.entry();
            Object[] update = {change.toolVersion(), Timestamp.from(change.modifiedAt()), item, e.school(), e.audience(),
                    reason, Timestamp.from(now), feedCheck, change.tool(), change.toolEntryId()};
            String sql = "UPDATE classlog_parked SET tool_version = ?, modified_at = ?, page_item = ?, school = ?, "
                    + "audience = ?, reason = ?, parked_at = ?, awaits_feed_check = ? WHERE tool = ? AND tool_entry_id = ?";
            if (jdbc.update(sql, update) == 0 && jdbc.update("INSERT INTO classlog_parked (tool, tool_entry_id, "
                    + "tool_version, modified_at, page_item, school, audience, reason, parked_at, first_parked_at, "
                    + "awaits_feed_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", change.tool(),
                    change.toolEntryId(), change.toolVersion(), Timestamp.from(change.modifiedAt()), item, e.school(),
                    e.audience(), reason, Timestamp.from(now), Timestamp.from(now), feedCheck) == 0) {
                jdbc.update(sql, update); // parked by another writer in between
            }
        }

        /** The change as {@link ClassLogSync}'s poll puts it in a page. */
        private String item(ClassLogStore.ToolChange c, String entryDocument, boolean feedCheck) {
            Map<String, Object> m = ClassLogSync.item(c, entryDocument);
            if (feedCheck && c.readAt() != null) {
                m.put("readAt", c.readAt().toString()); // what Relais recorded of the tool entry since comes after it
            }
            try {
                return json.writeValueAsString(m);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The tool entry waits no more (a later change of it was applied, refused or deleted it). */
        void forget(String tool, String toolEntryId) {
            if (mayHoldRows()) {
                jdbc.update("DELETE FROM classlog_parked WHERE tool = ? AND tool_entry_id = ?", tool, toolEntryId);
            }
        }

        /**
         * Whether a change coming back from the parking is still the one waiting: its row holds this very version,
         * and nothing was recorded of the tool entry since it was parked (a later change applied, or Relais' own
         * write into it). Otherwise the row, out of date, goes, and the change must not be applied.
         */
        boolean waiting(String tool, String toolEntryId, String toolVersion) {
            Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM classlog_parked k WHERE k.tool = ? AND "
                    + "k.tool_entry_id = ? AND k.tool_version = ? AND NOT EXISTS (SELECT 1 FROM classlog_provenance p "
                    + "WHERE p.tool = k.tool AND p.tool_entry_id = k.tool_entry_id AND p.last_seen > k.parked_at)",
                    Integer.class, tool, toolEntryId, toolVersion);
            if (n == null || n == 0) {
                jdbc.update("DELETE FROM classlog_parked WHERE tool = ? AND tool_entry_id = ? AND tool_version = ?", tool,
                        toolEntryId, toolVersion);
                return false;
            }
            return true;
        }

        /** Which of these entries of a tool wait here (one statement; none looked up while nothing is parked). */
        java.util.Set<String> among(String tool, List<String> toolEntryIds) {
            java.util.Set<String> found = new java.util.HashSet<>();
            if (toolEntryIds.isEmpty() || !mayHoldRows()) {
                return found;
            }
            store.amongToolEntries("k.tool_entry_id", "classlog_parked k", "", "k", tool, toolEntryIds,
                    (rs, n) -> found.add(rs.getString(1)));
            return found;
        }

        private boolean mayHoldRows() {
            long now = System.nanoTime();
            if (now - checkedAt >= RECHECK_NANOS) {
                checkedAt = now;
                any = now - parkedAt < PARKED_LATELY_NANOS
                        || !jdbc.queryForList("SELECT tool FROM classlog_parked FETCH FIRST 1 ROWS ONLY", String.class)
                        .isEmpty();
            }
            return any;
        }
    }
}
