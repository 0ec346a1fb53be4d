package fr.relais.classlog;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.directory.Directory;

/**
 * The steps of the cahier de textes flow (routes/classlog-sync.yaml):
 * <ol>
 * <li>poll each (tool, school) of the sync plan from its watermark onto the persistent queue
 * {@value #CHANGES}; the watermark moves only once the changes are on the queue;</li>
 * <li>apply each change to the canonical log (idempotent by tool, tool id and tool version; conflict rule);</li>
 * <li>fan a new version out, one message per other tool of the class, onto that tool's queue
 * {@code relais.classlog.deliver.<tool>};</li>
 * <li>deliver it: a tool that cannot be reached is waited for behind its circuit breaker, without limit and
 * without using up attempts; a tool that refuses the entry gets it again after a delay (the broker's back-off)
 * and, after the configured attempts, the delivery goes to that tool's dead-letter queue
 * {@code DLQ.relais.classlog.deliver.<tool>}, from which the admin API replays it.</li>
 * </ol>
 * What Relais wrote into a tool is recorded with the tool's id and version, so that it never comes back as a
 * change; a create interrupted by a crash is found in the tool again instead of being made twice. That record may
 * come late or be lost with a crash, so nothing relies on its timing: a tool's copy is recognised by its content
 * (what a create under way sent, the canonical version or an earlier one Relais wrote there), a copy holding an edit
 * not read yet is never overwritten (the delivery waits for the poll), and counter versions never go back. A tool
 * whose feed went backwards is read again from its start ({@link #probe}). Every order of these steps, crashes
 * included, is explored by the deterministic simulation in the tests ({@code SyncSimulationTest}).
 */
@Component("classLogSync")
public class ClassLogSync {

    public static final String CHANGES = "relais.classlog.changes";
    public static final String DELIVER = "relais.classlog.deliver.";
    public static final String DEAD = "DLQ." + DELIVER;
    private static final Logger log = LoggerFactory.getLogger(ClassLogSync.class);

    private final ClassLogSettings settings;
    private final SyncPlan plan;
    private final ToolClients clients;
    private final Directory directory;
    private final jakarta.jms.ConnectionFactory connectionFactory;
    private final JdbcTemplate jdbc;
    private final ClassLogStore store;
    private final TransactionTemplate tx;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Map<String, Long> lastSuccess = new ConcurrentHashMap<>();
    private final Map<List<String>, Long> lastPolled = new ConcurrentHashMap<>();
    /** When each (tool, school)'s poll success was last recorded. */
    private final Map<List<String>, Long> lastMarked = new ConcurrentHashMap<>();
    private static final long IDLE_MARK_MILLIS = 5000;
    private final fr.relais.connector.ConnectorRegistry registry;
    private final JmsTemplate batch;
    private final Map<jakarta.jms.Session, Map<String, jakarta.jms.MessageProducer>> producers =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private static final int MAX_PAGES_PER_ROUND = 20;
    /** Pages a feed check reads to find the end of a tool's feed (see probe). */
    private static final int FEED_CHECK_PAGES = 5;
    /** Message groups per class on a target's queue (as many consumers can deliver a class's entries at once). */
    private static final int DELIVERY_GROUPS = 8;

    // What the deterministic simulation (src/test: fr.relais.classlog.SyncSimulation) replaces: the clock, the
    // random ids, the directory's classes, the queue the polls fill and the wait between attempts. Production
    // keeps these defaults; the engine's steps, transactions and broker semantics are the same in both.
    /** The clock of the engine's own bookkeeping (idle marks, success records). */
    java.util.function.LongSupplier millis = System::currentTimeMillis;
    /**
     * The engine's clock for what it records and compares (when a tool was read, answered, a copy asked for, a
     * change parked): the system's; the simulation's own, so that a seed replays exactly (see SyncSimulation).
     */
    java.util.function.Supplier<Instant> clock = Instant::now;
    /** Delivery ids. */
    java.util.function.Supplier<UUID> uuids = UUID::randomUUID;
    /** The classes and groups the directory knows in a school. */
    java.util.function.Function<String, java.util.Set<String>> audiences;
    /** Where a poll's page goes (the persistent changes queue). */
    PageSink pages = this::send;
    /** Waits before attempt {@code attempt + 1} of a delivery; throws when Relais stops meanwhile. */
    Pause pause = this::await;
    /** How often an idle tool's feed is checked for having gone backwards ({@code relais.classlog.reset-check}). */
    Duration resetCheck = Duration.ofMinutes(10);
    /** When each (tool, school)'s feed was last checked for having gone backwards ({@link #millis}). */
    final Map<List<String>, Long> lastResetCheck = new ConcurrentHashMap<>();

    @org.springframework.beans.factory.annotation.Autowired
    void resetCheck(@org.springframework.beans.factory.annotation.Value("${relais.classlog.reset-check:PT10M}")
                    Duration every) {
        this.resetCheck = every;
    }

    interface PageSink {
        void enqueue(String toolId, String school, String page);
    }

    interface Pause {
        void pause(String target, int attempt) throws InterruptedException;
    }

    public ClassLogSync(ClassLogSettings settings, SyncPlan plan, ToolClients clients, Directory directory,
                        jakarta.jms.ConnectionFactory connectionFactory, JdbcTemplate jdbc,
                        TransactionTemplate tx, fr.relais.connector.ConnectorRegistry registry) {
        this.registry = registry;
        this.connectionFactory = connectionFactory;
        this.batch = new JmsTemplate(connectionFactory);
        this.batch.setSessionTransacted(true);
        this.settings = settings;
        this.plan = plan;
        this.clients = clients;
        this.directory = directory;
        this.jdbc = jdbc;
        this.tx = tx;
        this.store = new ClassLogStore(jdbc, settings.precedence());
        this.audiences = directory == null ? school -> java.util.Set.of() : directory::audiences;
    }

    public ClassLogStore store() {
        return store;
    }

    /** Deliveries waiting for an unreachable tool give up their wait at shutdown; the broker keeps them. */
    @EventListener(ContextClosedEvent.class)
    public void stopping() {
        stopping.countDown();
    }

    // ---------------------------------------------------------------------------------------------- polling

    /** Polls every (tool, school) of the plan; a tool that cannot be reached is recorded and polled next time. */
    public void pollAll() {
        long now = System.nanoTime();
        for (List<String> source : plan.sources()) {
            Duration every = interval(source.get(0));
            Long last = lastPolled.get(source);
            if (last != null && now - last < every.toNanos()) {
                continue; // this tool's own interval (schedules.classlogPoll) has not elapsed
            }
            lastPolled.put(source, now);
            try {
                // a tool answers its changes a page at a time: read on while pages come
                for (int page = 0; page < MAX_PAGES_PER_ROUND && poll(source.get(0), source.get(1)) > 0; page++) {
                    // next page
                }
            } catch (Exception e) {
                // the tool or the database unavailable, a quarantined descriptor: expected, one line; a bug: its trace
                boolean expected = e instanceof ToolException || e instanceof org.springframework.dao.DataAccessException
                        || e instanceof IllegalStateException && e.getCause() == null;
                String reason = french(e);
                if (expected) {
                    log.warn("Cahier de textes : relève de {} pour {} impossible ({}), reprise au prochain passage",
                            source.get(0), source.get(1), reason);
                } else {
                    log.error("Cahier de textes : relève de {} pour {} impossible ({}), reprise au prochain passage",
                            source.get(0), source.get(1), reason, e);
                }
                try {
                    mark(source.get(0), source.get(1), null, reason);
                } catch (RuntimeException unrecorded) {
                    // the database may be the cause: the status shows the last poll's time, the next one tries again
                    log.debug("Cahier de textes : échec de relève non enregistré ({})", french(unrecorded));
                }
            }
        }
    }

    /**
     * What went wrong, for the log and the status: French, without Java class names (a tool's message is French
     * already; a database failure says so, with its cause).
     */
    static String french(Throwable e) {
        if (e instanceof org.springframework.dao.DataAccessException) {
            Throwable cause = org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e);
            return "base de données indisponible : " + (cause.getMessage() != null ? cause.getMessage()
                    : cause.getClass().getSimpleName());
        }
        if (e instanceof ToolException || e instanceof IllegalStateException && e.getCause() == null) {
            return e.getMessage(); // Relais' own words (a tool unavailable, a descriptor in quarantine)
        }
        return "erreur interne de Relais (" + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                + "), voir le journal";
    }

    /** The tool's polling interval: its descriptor's {@code schedules.classlogPoll}, unless tool schedules are off. */
    private Duration interval(String toolId) {
        if (!settings.toolSchedules()) {
            return Duration.ZERO;
        }
        return registry.find(toolId).map(c -> c.descriptor().path("schedules").path("classlogPoll").asText(""))
                .filter(t -> !t.isBlank()).map(Duration::parse).orElse(Duration.ZERO);
    }

    /** One (tool, school): its changes after the watermark onto the changes queue, then the watermark moves. */
    public int poll(String toolId, String school) throws ToolException {
        var lock = plan.pollLock(toolId, school);
        lock.lock();
        try {
            return pollLocked(toolId, school);
        } finally {
            lock.unlock();
        }
    }

    private int pollLocked(String toolId, String school) throws ToolException {
        Connector tool = clients.tool(toolId);
        List<Object[]> marks = jdbc.query("SELECT watermark, reread_since, reset_requested, check_requested FROM "
                + "classlog_watermark WHERE tool = ? AND school = ?", (rs, n) -> new Object[] {rs.getString(1),
                rs.getTimestamp(2), rs.getString(3), rs.getTimestamp(4)}, toolId, school);
        String since = marks.isEmpty() ? null : (String) marks.get(0)[0];
        Timestamp reread = marks.isEmpty() ? null : (Timestamp) marks.get(0)[1];
        String back = marks.isEmpty() ? null : (String) marks.get(0)[2];
        if (back != null) {
            // the changes step found the feed gone backwards (see checkFeed): read again from the start
            log.warn("Cahier de textes : le fil de changements de {} pour {} est reparti en arrière ({}) ; relecture "
                    + "depuis le début, sans rien dupliquer", toolId, school, back);
            heldForReread(toolId, school);
            reread = Timestamp.from(clock.get());
            since = null;
            jdbc.update("UPDATE classlog_watermark SET watermark = NULL, reread_since = ?, reread_pending = ?, "
                    + "last_reset_at = ?, last_reset_reason = ?, reset_requested = NULL WHERE tool = ? AND school = ?",
                    reread, reread, new Timestamp(millis.getAsLong()), back, toolId, school);
        }
        Instant readAt = clock.get(); // after the start of a re-read: what it reads is seen after it began
        List<ToolClient.Polled> changes = clients.client(tool).poll(tool, school, since);
        // after the tool's answer: what it shows was there at that moment (see ClassLogStore#readBeforeCopyMade)
        Instant answeredAt = clock.get();
        log.debug("Cahier de textes : {} changements de {} pour {} depuis {}", changes.size(), toolId, school, since);
        if (changes.isEmpty() && reread != null) {
            // the feed read again to its end: behind its last page, the marker that writes back what the tool lost
            enqueue(toolId, school, json.createArrayNode().add(json.createObjectNode().put("tool", toolId)
                    .put("school", school).put("rereadDone", reread.toInstant().toString())).toString());
            jdbc.update("UPDATE classlog_watermark SET reread_since = NULL WHERE tool = ? AND school = ?", toolId, school);
            return 0;
        }
        boolean checkRequested = !marks.isEmpty() && marks.get(0)[3] != null;
        if (changes.isEmpty() && since != null && (checkRequested || resetCheckDue(toolId, school))) {
            if (checkRequested) {
                jdbc.update("UPDATE classlog_watermark SET check_requested = NULL WHERE tool = ? AND school = ?", toolId,
                        school);
            }
            probe(tool, school, since);
        }
        if (changes.isEmpty()) {
            // nothing new: the watermark stays, and the poll's success is recorded at most every few seconds (each
            // record is a commit, and a tool is polled every half second in some plans)
            Long last = lastMarked.get(List.of(toolId, school));
            if (last == null || millis.getAsLong() - last >= IDLE_MARK_MILLIS) {
                mark(toolId, school, since, null);
            }
            return 0;
        }
        // what Relais wrote itself, and lessons of classes this tool is not read for, need not cross the broker (the
        // changes step would skip them: see applyOne)
        // (read again from its start after the feed went back: everything goes, for the changes step to judge by content)
        List<ToolClient.Polled> news = reread != null ? changes
                : withoutEchoes(tool, changes).stream().filter(p -> read(p.change())).toList();
        if (log.isDebugEnabled() && news.size() < changes.size()) {
            log.debug("Cahier de textes : {} de {} non transmis (écritures de Relais relues, classes non lues)",
                    changes.stream().filter(p -> !news.contains(p)).map(p -> p.change().toolEntryId() + "@"
                            + p.change().toolVersion()).toList(), toolId);
        }
        // the page on the persistent queue as one message, before the watermark moves: a crash repeats changes,
        // never loses one; the pages of one (tool, school) share a message group, so they are applied in order
        // (split by entry over several groups, a page was not applied any faster: the deliveries it feeds were the
        // slower step, and more of the tools' read-backs then crossed the broker before their delivery was recorded)
        if (!news.isEmpty()) {
            enqueue(toolId, school, page(news, reread != null, readAt, answeredAt));
        }
        mark(toolId, school, changes.get(changes.size() - 1).watermark(), null);
        return changes.size();
    }

    /**
     * A page of changes of one (tool, school) onto the persistent changes queue, committed when this returns; the
     * pages of one (tool, school) share a message group, so they are applied in the order they were queued.
     */
    void enqueue(String toolId, String school, String page) {
        pages.enqueue(toolId, school, page);
    }

    private void send(String toolId, String school, String page) {
        batch.execute(session -> {
            var message = session.createTextMessage(page);
            message.setStringProperty("JMSXGroupID", toolId + ":" + school);
            session.createProducer(session.createQueue(CHANGES)).send(message);
            session.commit();
            return null;
        });
    }

    /**
     * The page without what Relais itself wrote into the tool and reads back (the tool's version is the one
     * recorded for its entry, and that version did not make the entry's current one, see
     * {@link ClassLogStore#readBack}): applying those would change nothing, so they need not cross the broker.
     * A read back that races with the recording of Relais' write still goes through and is recognised there.
     */
    private List<ToolClient.Polled> withoutEchoes(Connector tool, List<ToolClient.Polled> changes) {
        String toolId = tool.id();
        Map<String, ClassLogStore.ReadBack> recorded = store.readBack(toolId,
                changes.stream().map(p -> p.change().toolEntryId()).distinct().toList());
        List<ToolClient.Polled> rest = changes.stream().filter(p -> {
            ClassLogStore.ReadBack written = recorded.get(p.change().toolEntryId());
            return written == null || !written.writtenByRelais() || !written.toolVersion().equals(p.change().toolVersion());
        }).toList();
        // Relais' own creates read back before their record (a batch of creates takes a while, and the tool is polled
        // meanwhile): the delivery records them, with the removal of their creates under way, when the batch ends
        // (after a crash, its retry finds them, see write: so only in a tool whose find sees every copy). Applied,
        // each cost the changes step its own look-ups and transaction, and the delivery's record then fell back to
        // statements of its own for every copy of the batch.
        List<ToolClient.Polled> unknown = rest.stream().filter(p -> !recorded.containsKey(p.change().toolEntryId())
                && !p.change().deleted() && p.change().entry() != null && p.change().entry().school() != null
                && p.change().entry().audience() != null && p.change().entry().date() != null).toList();
        if (unknown.isEmpty() || legacyPending() || !findsEveryCopy(tool)) {
            return rest;
        }
        Map<String, List<String>> sent = createsUnderWay(toolId,
                unknown.stream().map(p -> p.change().entry().lessonKey()).distinct().toList(), true);
        if (sent.isEmpty()) {
            return rest;
        }
        java.util.Set<ToolClient.Polled> own = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ToolClient.Polled p : unknown) {
            ClassLogEntry copy = p.change().entry();
            for (String document : sent.getOrDefault(copy.lessonKey(), List.of())) {
                // what the create sent, as it sent it (the same lesson: same key): a copy edited in the tool since goes
                // on, and is linked as that tool's edit (see ownCreateUnderWay)
                if (document != null && store.sameContent(copy, document)) {
                    own.add(p);
                    break;
                }
            }
        }
        return own.isEmpty() ? rest : rest.stream().filter(p -> !own.contains(p)).toList();
    }

    /**
     * The creates under way in a tool for these lessons (by lesson key), one statement per 500: lesson key to what
     * each create sent ({@code documents}; else null), or only the keys.
     */
    private Map<String, List<String>> createsUnderWay(String tool, List<String> lessons, boolean documents) {
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (int from = 0; from < lessons.size(); from += 500) {
            ClassLogStore.KeyIn key = store.keyIn("p", "lesson", tool, lessons.subList(from,
                    Math.min(lessons.size(), from + 500)));
            jdbc.query("SELECT p.lesson" + (documents ? ", " + SENT : "") + " FROM " + key.from("classlog_pending p")
                    + " WHERE " + key.sql(), (org.springframework.jdbc.core.RowCallbackHandler) rs -> out.computeIfAbsent(
                            rs.getString(1), k -> new java.util.ArrayList<>()).add(documents ? rs.getString(2) : null),
                    key.args().toArray());
        }
        return out;
    }

    private boolean findsEveryCopy(Connector tool) {
        try {
            return clients.client(tool).findsEveryCopy(tool);
        } catch (ToolException e) {
            return false;
        }
    }

    /** Whether the change is of a class its tool is read for (or says too little to tell: the changes step decides). */
    private boolean read(ClassLogStore.ToolChange c) {
        ClassLogEntry e = c.entry();
        return e == null || e.school() == null || e.audience() == null || plan.reads(e.school(), e.audience(), c.tool());
    }

    /**
     * Whether the feed of this (tool, school), idle, is due for a check that it did not go backwards: at the first
     * idle poll after Relais starts (a tool restarted with it, as in the demo), then every {@code reset-check}.
     */
    private boolean resetCheckDue(String toolId, String school) {
        long now = millis.getAsLong();
        Long last = lastResetCheck.get(List.of(toolId, school));
        if (last != null && now - last < resetCheck.toMillis()) {
            return false;
        }
        lastResetCheck.put(List.of(toolId, school), now);
        return true;
    }

    /**
     * A check that the tool's feed did not go backwards (restored from a backup, reinstalled, its counter started
     * over): its first page from the start, what lies at or under Relais' watermark, queued behind the tool's pages
     * (same group), so that the changes step judges it once every page read before is applied (see checkFeed).
     */
    private void probe(Connector tool, String school, String watermark) throws ToolException {
        var items = json.createArrayNode();
        var all = json.createArrayNode();
        Instant readAt = clock.get();
        List<ToolClient.Polled> first = clients.client(tool).poll(tool, school, null);
        // the whole feed, when it ends within a few pages (a small school's tool, or a new one): then every copy
        // Relais recorded there must show. (Read to its end, not only the first page: a page of one or two lessons,
        // or an edit made between two reads, would otherwise leave the check without the whole feed.)
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        first.forEach(p -> ids.add(p.change().toolEntryId()));
        List<ToolClient.Polled> pages = new java.util.ArrayList<>(first);
        boolean complete = first.isEmpty();
        List<ToolClient.Polled> next = first;
        for (int page = 1; !complete && page < FEED_CHECK_PAGES; page++) {
            next = clients.client(tool).poll(tool, school, next.get(next.size() - 1).watermark());
            next.forEach(p -> ids.add(p.change().toolEntryId()));
            pages.addAll(next);
            complete = next.isEmpty();
        }
        if (complete) {
            ids.forEach(all::add);
        }
        // every entry read under the watermark, not only the first page's: an entry whose version went back below
        // the one Relais recorded may lie on any page (a copy a delivery keeps finding changed waits for this check)
        for (ToolClient.Polled p : pages) {
            ClassLogStore.ToolChange c = p.change();
            if (atOrUnder(p.watermark(), watermark)) {
                var item = items.addObject().put("id", c.toolEntryId()).put("version", c.toolVersion())
                        .put("deleted", c.deleted()).put("read", read(c) && c.entry() != null
                                && c.entry().school() != null);
                if (c.entry() != null && c.entry().audience() != null && c.entry().date() != null) {
                    item.put("lesson", c.entry().lessonKey());
                }
            }
        }
        if (!items.isEmpty() || complete) {
            var check = json.createObjectNode().put("tool", tool.id()).put("school", school).put("watermark", watermark)
                    .put("readAt", readAt.toString());
            check.set("probe", items);
            if (complete) {
                check.set("feed", all);
            }
            enqueue(tool.id(), school, json.createArrayNode().add(check).toString());
        }
    }

    /**
     * The changes step's side of {@link #probe}: every page read before it is applied, so an entry of the pages it
     * read, at or under the watermark, with a version older than the one Relais recorded for it, or (in a
     * class Relais reads there) never seen (neither recorded, waiting, refused, nor a create under way), means the
     * feed went backwards: the tool's next poll starts it again (see pollLocked). The reason, in French, or null.
     */
    private String checkFeed(JsonNode m) {
        String tool = m.path("tool").asText();
        Timestamp readAt = Timestamp.from(Instant.parse(m.path("readAt").asText()));
        if (m.has("feed")) {
            // the tool's whole feed was read: a live copy Relais recorded there before, and that the feed no longer
            // shows (not even deleted), is gone: the tool lost it
            java.util.Set<String> shown = new java.util.HashSet<>();
            m.path("feed").forEach(id -> shown.add(id.asText()));
            List<String> gone = jdbc.queryForList("SELECT p.tool_entry_id FROM classlog_provenance p JOIN classlog_entry e "
                    + "ON e.id = p.entry_id WHERE p.tool = ? AND e.school = ? AND NOT e.deleted AND p.last_seen < ? AND "
                    + "p.tool_entry_id NOT LIKE '#%'", String.class, tool, m.path("school").asText(), readAt);
            for (String id : gone) {
                if (!shown.contains(id)) {
                    return "séance " + id + ", que Relais y avait écrite ou lue, n'y est plus";
                }
            }
            // so is a change Relais read there and keeps waiting (for the directory, or for this very check)
            for (String id : jdbc.queryForList("SELECT tool_entry_id FROM classlog_parked WHERE tool = ? AND school = ? "
                    + "AND parked_at < ?", String.class, tool, m.path("school").asText(), readAt)) {
                if (!shown.contains(id)) {
                    return "séance " + id + ", lue dans l'outil et en attente dans Relais, n'y est plus";
                }
            }
        }
        // what Relais recorded of each entry of the page (a check reads up to a page of the tool, 500 entries for
        // NEO), in one statement per 500: whether before the check read the tool (Relais may have written a later
        // version since), and the entry as it now is
        Map<String, Object[]> recorded = new java.util.HashMap<>();
        List<String> probed = new java.util.ArrayList<>();
        m.path("probe").forEach(p -> probed.add(p.path("id").asText()));
        store.amongToolEntries("p.tool_entry_id, p.entry_id, p.tool_version, p.last_seen, e.document, p.synced_version",
                "classlog_provenance p JOIN classlog_entry e ON e.id = p.entry_id", "", "p", tool,
                probed.stream().distinct().toList(), (rs, n) -> {
                    Timestamp seen = rs.getTimestamp(4);
                    return recorded.put(rs.getString(1), new Object[] {rs.getString(2), rs.getString(3),
                            seen != null && seen.before(readAt), rs.getString(5), rs.getLong(6)});
                });
        for (JsonNode p : m.path("probe")) {
            String id = p.path("id").asText();
            String version = p.path("version").asText();
            Object[] row = recorded.get(id);
            Optional<String[]> known = row == null ? Optional.empty()
                    : Optional.of(new String[] {(String) row[0], (String) row[1]});
            if (known.isPresent()) {
                boolean before = (Boolean) row[2];
                if (before && ClassLogStore.older(version, known.get()[1])) {
                    return "séance " + id + " en version " + version + ", Relais en connaît la version " + known.get()[1];
                }
                // a later version than the one recorded, under the watermark, that no page brought (the pages read
                // before the check are applied by now, and a recorded version never goes back): the counter started
                // again below the watermark, and this edit would never be read
                if (!p.path("deleted").asBoolean() && p.path("read").asBoolean() && ClassLogStore.older(known.get()[1], version)
                        && !store.known(tool, id, version)) {
                    return "séance " + id + " en version " + version + ", jamais relue sous le repère "
                            + m.path("watermark").asText() + " (Relais en connaît la version " + known.get()[1] + ")";
                }
                // the same id and version deleted, where Relais recorded a live lesson: a version is one state of an
                // entry, so the tool gave them again (a reinstalled tool whose new lesson was then deleted). Left as
                // it was, an update of Relais' copy there waited for ever for a copy no read would ever show
                if (before && version.equals(known.get()[1]) && p.path("deleted").asBoolean()
                        && jdbc.queryForObject("SELECT COUNT(*) FROM classlog_history WHERE entry_id = ? AND version = ? "
                        + "AND NOT deleted", Long.class, row[0], row[4]) > 0) {
                    return "séance " + id + " supprimée en version " + version + ", où Relais a lu ou écrit une séance";
                }
                // the same id and version for another lesson: the tool gave them again (an edit makes a new version)
                if (before && version.equals(known.get()[1]) && p.has("lesson")
                        && !store.read((String) row[3]).lessonKey().equals(p.path("lesson").asText())
                        && !lessonsOf(known.get()[0]).contains(p.path("lesson").asText())) {
                    return "séance " + id + " en version " + version + " pour une autre séance que celle que Relais "
                            + "connaît sous ce numéro";
                }
            } else if (!p.path("deleted").asBoolean() && p.path("read").asBoolean() && !store.known(tool, id, version)
                    && !(p.has("lesson") && jdbc.queryForObject("SELECT COUNT(*) FROM classlog_pending WHERE tool = ? "
                    + "AND (lesson = ? OR lesson IS NULL)", Long.class, tool, p.path("lesson").asText()) > 0)) {
                return "séance " + id + " (version " + version + ") jamais vue, sous le repère " + m.path("watermark")
                        .asText();
            }
        }
        return null;
    }

    /**
     * The changes that waited for this check of their tool's feed ({@link ClassLogStore.AwaitsFeedCheck}) and were
     * parked before it read the tool, when it found the feed did not go backwards: each is what it looks like (a
     * teacher gave the lesson another title, date or start), to apply now as an edit, in the tool's order. (When it
     * did go back, they are read again at the start of the re-read, see {@link #heldForReread}.)
     */
    private List<JsonNode> checked(JsonNode check) {
        return jdbc.query("SELECT page_item FROM classlog_parked WHERE tool = ? AND school = ? AND awaits_feed_check AND "
                + "parked_at < ? ORDER BY modified_at", (rs, n) -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                        readItem(rs.getString(1))).put("parked", true).put("feedChecked", true),
                check.path("tool").asText(), check.path("school").asText(),
                Timestamp.from(Instant.parse(check.path("readAt").asText())));
    }

    /**
     * At the start of a re-read, the changes of the tool that waited for a check of its feed: the feed went back,
     * so they are judged by their content as the re-read judges what it reads (a lesson that the id names, beside
     * the one Relais knew under it), queued first, as what the tool showed before the re-read (the tool may have
     * lost them since: a restored backup, and the re-read would not bring them). Each is applied once, while its
     * row still holds its version (see ClassLogStore#applyHeldReread); those a crash kept from being queued are
     * applied at the end of the re-read (see rereadDone).
     */
    private void heldForReread(String toolId, String school) {
        List<JsonNode> held = held(toolId, school);
        if (!held.isEmpty()) {
            // the rows stay until each is applied: a later change of the same entry read before the re-read (a
            // delete, another version) replaces or removes its row, and the one queued here is then dropped
            enqueue(toolId, school, json.createArrayNode().addAll(held).toString());
        }
    }

    /** The changes of a tool that wait for a check of its feed, as items of a re-read (see heldForReread). */
    private List<JsonNode> held(String toolId, String school) {
        return jdbc.query("SELECT page_item, parked_at FROM classlog_parked WHERE tool = ? AND school = ? AND "
                + "awaits_feed_check ORDER BY modified_at", (rs, n) -> {
            var item = (com.fasterxml.jackson.databind.node.ObjectNode) readItem(rs.getString(1));
            if (!item.hasNonNull("readAt")) {
                item.put("readAt", rs.getTimestamp(2).toInstant().toString());
            }
            return (JsonNode) item.put("reread", true).put("held", true);
        }, toolId, school);
    }

    /** A parked change as the poll put it in its page (classlog_parked.page_item). */
    JsonNode readItem(String item) {
        try {
            return json.readTree(item);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("changement en attente illisible : " + e.getMessage(), e);
        }
    }

    /** Whether a watermark comes at or before another: as numbers when both are, else in text order (file names). */
    private static boolean atOrUnder(String mark, String watermark) {
        if (mark == null) {
            return false;
        }
        if (mark.chars().allMatch(Character::isDigit) && watermark.chars().allMatch(Character::isDigit)
                && mark.length() <= 18 && watermark.length() <= 18 && !mark.isEmpty() && !watermark.isEmpty()) {
            return Long.parseLong(mark) <= Long.parseLong(watermark);
        }
        return mark.compareTo(watermark) <= 0;
    }

    /** The lessons (school, class, date, start, title: {@link ClassLogEntry#lessonKey}) an entry has been. */
    private java.util.Set<String> lessonsOf(String entryId) {
        java.util.Set<String> out = new java.util.HashSet<>();
        jdbc.query("SELECT document FROM classlog_history WHERE entry_id = ?", rs -> {
            out.add(store.read(rs.getString(1)).lessonKey());
        }, entryId);
        jdbc.query("SELECT document FROM classlog_conflict WHERE entry_id = ?", rs -> {
            out.add(store.read(rs.getString(1)).lessonKey());
        }, entryId);
        return out;
    }

    /** A page of changes as the changes queue carries it: a JSON array, in the tool's order. */
    private String page(List<ToolClient.Polled> changes) {
        return page(changes, false, null);
    }

    /** One change as a page carries it (the poll's pages, and the parked entries queued again). */
    static Map<String, Object> item(ClassLogStore.ToolChange c, String entryDocument) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", c.tool());
        m.put("toolEntryId", c.toolEntryId());
        m.put("toolVersion", c.toolVersion());
        m.put("modifiedAt", c.modifiedAt().toString());
        m.put("deleted", c.deleted());
        m.put("entry", entryDocument);
        return m;
    }

    /**
     * @param reread the tool's feed read again from its start (see {@link ClassLogStore#applyReread})
     * @param readAt when the tool was asked for this page (see {@link ClassLogStore.ToolChange#readAt}), or null
     */
    private String page(List<ToolClient.Polled> changes, boolean reread, Instant readAt) {
        return page(changes, reread, readAt, null);
    }

    /** @param answeredAt when the tool's answer came back (null when unknown) */
    private String page(List<ToolClient.Polled> changes, boolean reread, Instant readAt, Instant answeredAt) {
        List<Map<String, Object>> page = new java.util.ArrayList<>(changes.size());
        for (ToolClient.Polled polled : changes) {
            ClassLogStore.ToolChange c = polled.change();
            Map<String, Object> m = item(c, c.entry() == null ? null : store.write(c.entry()));
            if (reread) {
                m.put("reread", true);
            }
            if (readAt != null) {
                m.put("readAt", readAt.toString());
            }
            if (answeredAt != null) {
                m.put("answeredAt", answeredAt.toString());
            }
            page.add(m);
        }
        try {
            return json.writeValueAsString(page);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void mark(String tool, String school, String watermark, String error) {
        Timestamp now = new Timestamp(millis.getAsLong());
        if (error == null) {
            lastMarked.put(List.of(tool, school), now.getTime());
        } else {
            lastMarked.remove(List.of(tool, school));
        }
        tx.executeWithoutResult(s -> {
            int n = error == null
                    // a success clears the last error: the status shows an error only while the tool fails
                    ? jdbc.update("UPDATE classlog_watermark SET watermark = ?, last_success = ?, last_error = NULL, "
                            + "last_error_at = NULL WHERE tool = ? AND school = ?", watermark, now, tool, school)
                    : jdbc.update("UPDATE classlog_watermark SET last_error = ?, last_error_at = ? WHERE tool = ? AND school = ?",
                            cut(error), now, tool, school);
            if (n == 0) {
                jdbc.update("INSERT INTO classlog_watermark (tool, school, watermark, last_success, last_error, last_error_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?)", tool, school, watermark, error == null ? now : null, cut(error),
                        error == null ? null : now);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ apply

    /** Sends one delivery message (queue, body, string properties, version). */
    interface Sender {
        void send(String queue, String body, Map<String, String> properties, long version) throws Exception;
    }

    /**
     * The changes route's step: the deliveries are sent on the session that received the change, so they join
     * its local transaction: the change is acknowledged together with its fan-out, in one journal write.
     */
    public void apply(org.apache.camel.Exchange exchange) throws Exception {
        jakarta.jms.Session session = exchange.getMessage(org.apache.camel.component.jms.JmsMessage.class).getJmsSession();
        try {
            apply(exchange.getMessage().getBody(String.class), sessionSender(session));
        } catch (Exception e) {
            // the page goes back to the broker, which hands it out again at once, before the pages behind it (the
            // changes queue has no redelivery delay: a delayed page would be overtaken by the next ones of its
            // tool, and an older edit applied after a newer one). The wait between attempts is made here.
            Integer attempt = exchange.getMessage().getHeader("JMSXDeliveryCount", Integer.class);
            log.warn("Cahier de textes : page de changements remise à plus tard ({}), tentative {}", e.toString(), attempt);
            if (stopping.getCount() > 0) {
                stopping.await(backOff(attempt == null ? 1 : attempt), TimeUnit.MILLISECONDS);
            }
            throw e;
        }
    }

    /** Sends on the session of the message being processed, in its local transaction. */
    private Sender sessionSender(jakarta.jms.Session session) {
        Map<String, jakarta.jms.MessageProducer> sessionProducers = producers.computeIfAbsent(session,
                x -> new java.util.HashMap<>());
        return (queue, body, properties, version) -> {
            jakarta.jms.TextMessage m = session.createTextMessage(body);
            for (Map.Entry<String, String> p : properties.entrySet()) {
                m.setStringProperty(p.getKey(), p.getValue());
            }
            m.setLongProperty("relaisVersion", version);
            jakarta.jms.MessageProducer producer = sessionProducers.get(queue);
            if (producer == null) {
                producer = session.createProducer(session.createQueue(queue));
                sessionProducers.put(queue, producer); // one producer per queue and session: created once
            }
            producer.send(m);
        };
    }

    /**
     * A page of changes (a JSON array; a single change object, as an earlier version queued them, is a page of one):
     * into the canonical log in one database transaction, each change out to the other tools of its class through
     * {@code sender}. A change that fails for a reason of its own (not the database's) is rolled back alone, to a
     * savepoint, and recorded as refused with that reason; a database failure rolls the whole page back, and the
     * broker delivers it again (applying is idempotent).
     */
    void apply(String message, Sender sender) throws Exception {
        log.debug("Cahier de textes : changements {}", message);
        JsonNode m = json.readTree(message);
        List<JsonNode> changes = new java.util.ArrayList<>();
        if (m.isArray()) {
            m.forEach(changes::add);
        } else {
            changes.add(m);
        }
        var manager = tx.getTransactionManager();
        var status = manager.getTransaction(tx);
        Map<String, Batch> batches = new LinkedHashMap<>();
        try {
            Map<JsonNode, NewLesson> fresh = newLessons(changes);
            List<NewLesson> creates = new java.util.ArrayList<>();
            for (JsonNode change : changes) {
                NewLesson lesson = fresh.get(change);
                if (lesson != null && lesson.accepted() == null) {
                    continue; // an echo: nothing to apply, nothing to spread
                }
                if (lesson != null) {
                    creates.add(lesson);
                    continue;
                }
                createAll(creates, status, batches); // in the tool's order: what came before is applied first
                applyAlone(change, status, batches);
            }
            createAll(creates, status, batches);
            for (Batch batch : batches.values()) {
                batch.send(sender);
            }
            manager.commit(status);
        } catch (Exception | Error e) {
            if (!status.isCompleted()) {
                manager.rollback(status);
            }
            throw e;
        }
    }

    /** One change of a page, to a savepoint of its own: refused alone when it fails for a reason of its own. */
    private void applyAlone(JsonNode change, org.springframework.transaction.TransactionStatus status,
                            Map<String, Batch> batches) throws Exception {
        Object savepoint = status.createSavepoint();
        Applied out;
        try {
            if (change.has("probe")) {
                String back = checkFeed(change);
                if (back != null) {
                    jdbc.update("UPDATE classlog_watermark SET reset_requested = ? WHERE tool = ? AND school = ? "
                            + "AND reread_since IS NULL", cut(back), change.path("tool").asText(),
                            change.path("school").asText());
                }
                List<JsonNode> held = back == null ? checked(change) : List.of();
                status.releaseSavepoint(savepoint);
                for (JsonNode h : held) {
                    applyAlone(h, status, batches);
                }
                return;
            }
            if (change.has("rereadDone")) {
                for (Applied lost : rereadDone(change)) {
                    fanOut(lost, batches);
                }
                status.releaseSavepoint(savepoint);
                return;
            }
            out = applyOne(change);
        } catch (RuntimeException e) {
            if (!ownFault(e)) {
                throw e; // the database or the directory, not the change: the page comes back later
            }
            status.rollbackToSavepoint(savepoint);
            log.error("Cahier de textes : changement {} de {} refusé sur une erreur interne", change.path(
                    "toolEntryId").asText(), change.path("tool").asText(), e);
            jdbc.update("INSERT INTO classlog_rejection (tool, tool_entry_id, reason, recorded_at) VALUES "
                    + "(?, ?, ?, ?)", change.path("tool").asText(), change.path("toolEntryId").asText(),
                    cut("erreur interne de Relais : " + e), Timestamp.from(clock.get()));
            return;
        }
        status.releaseSavepoint(savepoint);
        if (out != null) {
            fanOut(out, batches);
        }
    }

    /** A new lesson of a page (see {@link #newLessons}): its change, and the entry as the log will hold it. */
    private record NewLesson(JsonNode item, ClassLogStore.ToolChange change, Normalizer.Accepted accepted) {
    }

    /**
     * The changes of a page that are new lessons and nothing else, most of a page in a busy school: a tool entry
     * of a class this tool is read for, that nothing is recorded of, that no create of Relais may have made (no
     * create under way for its lesson), that does not wait in the parking, and that appears once in the page,
     * with an entry the normaliser accepts. Found in three statements for the page, and applied together by
     * {@link #createAll}; every other change goes through {@link #applyOne}. (A page of a feed check, a re-read
     * or the parking goes wholly one by one.) The creates under way are read before the records: a delivery that
     * recorded its copy in between (its record and the removal of its create under way commit together) is seen
     * in the records, as in {@link #applyOne}.
     */
    private Map<JsonNode, NewLesson> newLessons(List<JsonNode> changes) {
        Map<JsonNode, NewLesson> out = new java.util.IdentityHashMap<>();
        Map<String, Integer> times = new java.util.HashMap<>();
        for (JsonNode c : changes) {
            if (c.has("probe") || c.has("rereadDone") || c.path("parked").asBoolean(false)
                    || c.path("reread").asBoolean(false)) {
                return out;
            }
            times.merge(c.path("tool").asText() + "\n" + c.path("toolEntryId").asText(), 1, Integer::sum);
        }
        if (legacyPending()) {
            return out;
        }
        Map<String, List<NewLesson>> candidates = new LinkedHashMap<>();
        for (JsonNode m : changes) {
            String tool = m.path("tool").asText();
            if (m.path("deleted").asBoolean(false) || !m.path("entry").isTextual()
                    || times.get(tool + "\n" + m.path("toolEntryId").asText()) > 1) {
                continue;
            }
            ClassLogEntry entry;
            Instant modifiedAt;
            try {
                entry = store.read(m.path("entry").asText());
                modifiedAt = Instant.parse(m.path("modifiedAt").asText());
            } catch (RuntimeException unreadable) {
                continue; // refused on its own, with its reason, by applyOne
            }
            if (entry.school() == null || entry.audience() == null || entry.date() == null
                    || !plan.reads(entry.school(), entry.audience(), tool)) {
                continue;
            }
            candidates.computeIfAbsent(tool, k -> new java.util.ArrayList<>()).add(new NewLesson(m,
                    new ClassLogStore.ToolChange(tool, m.path("toolEntryId").asText(), m.path("toolVersion").asText(),
                            modifiedAt, false, entry, m.hasNonNull("readAt")
                            ? Instant.parse(m.path("readAt").asText()) : null), null));
        }
        for (var byTool : candidates.entrySet()) {
            String tool = byTool.getKey();
            List<NewLesson> news = byTool.getValue();
            java.util.Set<String> underWay = createsUnderWay(tool, news.stream().map(n -> n.change().entry().lessonKey())
                    .toList(), false).keySet();
            // what is recorded of each: its version there, and whether that version made the entry's current one
            Map<String, String[]> recorded = new java.util.HashMap<>();
            store.amongToolEntries("p.tool_entry_id, p.tool_version, CASE WHEN e.source_tool = p.tool AND "
                    + "e.version = p.synced_version THEN 1 ELSE 0 END", "classlog_provenance p JOIN classlog_entry e ON "
                    + "e.id = p.entry_id", "", "p", tool, news.stream().map(n -> n.change().toolEntryId()).toList(),
                    (rs, k) -> recorded.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)}));
            java.util.Set<String> waiting = store.parked().among(tool, news.stream().map(n -> n.change().toolEntryId())
                    .toList());
            for (NewLesson n : news) {
                ClassLogStore.ToolChange change = n.change();
                String[] known = recorded.get(change.toolEntryId());
                if (waiting.contains(change.toolEntryId())) {
                    continue;
                }
                if (known != null) {
                    if (known[0].equals(change.toolVersion()) && known[1].equals("0")) {
                        // Relais' own write read back, recorded since the poll: nothing to apply (see applyOne)
                        out.put(n.item(), n);
                    }
                    continue;
                }
                if (underWay.contains(change.entry().lessonKey())) {
                    continue;
                }
                String school = change.entry().school();
                if (Normalizer.normalize(change.entry(), code -> audiences.apply(school).contains(code))
                        instanceof Normalizer.Accepted accepted) {
                    out.put(n.item(), new NewLesson(n.item(), change, accepted));
                }
            }
        }
        return out;
    }

    /**
     * The new lessons gathered so far, into the log together (see {@link ClassLogStore#createAll}), each out to the
     * other tools of its class. Should one fail for a reason of its own (a value the columns cannot hold), they are
     * applied again one by one, so that only that one is refused.
     */
    private void createAll(List<NewLesson> creates, org.springframework.transaction.TransactionStatus status,
                           Map<String, Batch> batches) throws Exception {
        if (creates.isEmpty()) {
            return;
        }
        Object savepoint = status.createSavepoint();
        List<ClassLogStore.Created> made;
        try {
            made = store.createAll(creates.stream().map(NewLesson::change).toList(),
                    creates.stream().map(NewLesson::accepted).toList());
        } catch (RuntimeException e) {
            if (!ownFault(e)) {
                throw e;
            }
            status.rollbackToSavepoint(savepoint);
            for (NewLesson n : creates) {
                applyAlone(n.item(), status, batches);
            }
            creates.clear();
            return;
        }
        status.releaseSavepoint(savepoint);
        for (int i = 0; i < creates.size(); i++) {
            ClassLogEntry e = creates.get(i).accepted().entry();
            fanOut(new Applied(made.get(i).id(), false, e.school(), e.audience(), made.get(i).version(),
                    creates.get(i).change().tool()), batches);
        }
        creates.clear();
    }

    /**
     * Whether a change failed for a reason of its own, that trying again cannot cure: it cannot be read, or the
     * database refuses its values. Anything else (the database or the directory unreachable, a lock, two writers
     * at once) sends the page back to the broker: the watermark has moved, so a change refused for such a reason
     * would never be read again.
     */
    static boolean ownFault(RuntimeException e) {
        if (e instanceof org.springframework.dao.DuplicateKeyException) {
            return false; // two writers of the same entry at once: applied again, it goes through
        }
        if (e instanceof org.springframework.dao.DataIntegrityViolationException) {
            return true; // a value the columns cannot hold
        }
        return e instanceof IllegalStateException && e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException
                || e instanceof java.time.DateTimeException || e instanceof NullPointerException
                || e instanceof IllegalArgumentException || e instanceof ClassCastException;
    }

    /**
     * A change applied to the canonical log, to fan out: only to the tools missing the entry's current version
     * when the change was applied before; {@code school} is null when the entry as it now is was not read (it is
     * then read for the fan-out).
     */
    private record Applied(String id, boolean onlyMissing, String school, String audience, long version,
                           String sourceTool, String also) {
        Applied(String id, boolean onlyMissing, String school, String audience, long version, String sourceTool) {
            this(id, onlyMissing, school, audience, version, sourceTool, null);
        }
    }

    /** One change into the canonical log: what to fan out, or null. */
    private Applied applyOne(JsonNode m) {
        String tool = m.path("tool").asText();
        boolean deleted = m.path("deleted").asBoolean(false);
        ClassLogEntry entry = deleted || m.path("entry").isNull() ? null : store.read(m.path("entry").asText());
        ClassLogStore.ToolChange change = new ClassLogStore.ToolChange(tool, m.path("toolEntryId").asText(),
                m.path("toolVersion").asText(), Instant.parse(m.path("modifiedAt").asText()), deleted, entry,
                m.hasNonNull("readAt") ? Instant.parse(m.path("readAt").asText()) : null);
        boolean unparked = m.path("parked").asBoolean(false); // queued again by ParkedEntries
        boolean feedChecked = m.path("feedChecked").asBoolean(false); // released by a check of its tool's feed
        boolean reread = m.path("reread").asBoolean(false); // the tool's feed read again from its start
        if (entry != null && entry.school() != null && entry.audience() != null
                && !plan.reads(entry.school(), entry.audience(), tool)) {
            if (reread) {
                // a copy Relais made there: still there, under the tool's new counter; written again if it went back
                Optional<String> behind = store.seenAgainWritten(change);
                if (behind.isPresent()) {
                    return new Applied(behind.get(), true, null, null, 0, null, tool);
                }
                return null;
            }
            if (unparked) {
                store.parked().forget(tool, change.toolEntryId()); // the class left the plan while it waited
            }
            return null; // a class this tool is not read for (not in the plan, or a target only): not Relais' business
        }
        Optional<String[]> recorded = store.recorded(tool, change.toolEntryId());
        if (!reread && !unparked) {
            Optional<String> before = store.setAsideFor(change);
            if (before.isPresent()) {
                // read before the tool gave this id to another lesson: a change of the lesson set aside
                change = new ClassLogStore.ToolChange(tool, before.get(), change.toolVersion(), change.modifiedAt(),
                        deleted, entry, change.readAt());
                recorded = store.recorded(tool, before.get());
            }
        }
        if (!reread && !unparked && m.hasNonNull("answeredAt")
                && store.readBeforeCopyMade(change, recorded, Instant.parse(m.path("answeredAt").asText()))) {
            // read before Relais asked the tool for the copy that now has this id: the tool went back and gave the
            // id again. Not applied to that copy: kept for the re-read that follows
            String reason = cut("séance " + change.toolEntryId() + " lue dans l'outil avant que Relais y crée la copie "
                    + "qui porte désormais ce numéro : l'outil a redonné le numéro");
            log.debug("Cahier de textes : changement {}@{} de {} gardé pour la relecture ({})", change.toolEntryId(),
                    change.toolVersion(), tool, reason);
            store.keepForReread(change, reason);
            String school = jdbc.queryForObject("SELECT school FROM classlog_entry WHERE id = ?", String.class,
                    recorded.get()[0]);
            if (store.requestReread(tool, school, reason)) {
                log.warn("Cahier de textes : {} pour {} : {} ; relecture depuis le début demandée", tool, school, reason);
            }
            return null;
        }
        if (deleted && !deleteReadable(change)) {
            if (reread) {
                store.seenAgainWritten(change);
            }
            return null; // a delete in a tool only written for that class: the entry lives on in the others
        }
        if (entry != null && recorded.isEmpty()) {
            if (ownCreateUnderWay(change)) {
                return null;
            }
            // read again after the pending rows: a delivery that recorded this very entry in between (its record
            // and the removal of its pending row commit together) is seen here, not taken for a new lesson. (On H2
            // this needs OPTIMIZE_REUSE_RESULTS=FALSE, see application-demo.yaml: the same query run again during
            // that commit could otherwise be answered with its first, empty, result.)
            recorded = store.recorded(tool, change.toolEntryId());
        }
        Predicate<String> knownClass = code -> audiences.apply(entry == null ? "" : entry.school()).contains(code);
        if (log.isDebugEnabled() && (reread || unparked)) {
            log.debug("Cahier de textes : changement {}@{} de {} ({}), enregistré : {}", change.toolEntryId(),
                    change.toolVersion(), tool, m.path("held").asBoolean(false) ? "gardé, relu" : reread ? "relu"
                    : "repris", recorded.map(java.util.Arrays::toString).orElse("rien"));
        }
        if (reread && !m.path("held").asBoolean(false) && entry != null && recorded.isPresent()
                && !store.namesLesson(recorded.get()[0], entry)) {
            // read again after a reset, the id names another lesson than the one Relais recorded there: that one is
            // gone from the tool (set aside, written back at the end of the re-read), and this one may be the copy a
            // create of Relais is making there (the reinstalled tool gave it the id): then it is linked, not taken
            // for a new lesson
            store.setAside(tool, change.toolEntryId());
            if (ownCreateUnderWay(change)) {
                return null;
            }
            // linked but edited there since (recorded with its version unknown): applied as that tool's edit
            recorded = store.recorded(tool, change.toolEntryId());
        }
        ClassLogStore.Result result = unparked ? store.applyUnparked(change, knownClass, recorded, feedChecked)
                : reread && m.path("held").asBoolean(false) ? store.applyHeldReread(change, knownClass, recorded)
                : reread ? store.applyReread(change, knownClass, recorded)
                : store.apply(change, knownClass, recorded);
        if (result instanceof ClassLogStore.Rejected rejected) {
            log.warn("Cahier de textes : changement {} de {} refusé : {}", change.toolEntryId(), tool, rejected.reasons());
            return null;
        }
        if (result instanceof ClassLogStore.AwaitsFeedCheck held) {
            log.info("Cahier de textes : changement {} de {} en attente de la vérification du fil de l'outil ({})",
                    change.toolEntryId(), tool, held.reason());
            jdbc.update("UPDATE classlog_watermark SET check_requested = ? WHERE tool = ? AND school = ? AND "
                    + "check_requested IS NULL", Timestamp.from(clock.get()), tool, entry.school());
            return null;
        }
        if (result instanceof ClassLogStore.ReadAgain again) {
            log.warn("Cahier de textes : {} pour {} : {} ; relecture depuis le début demandée", tool, entry.school(),
                    again.reason());
            return null;
        }
        if (result instanceof ClassLogStore.Parked parked) {
            log.info("Cahier de textes : changement {} de {} en attente de l'annuaire ({}) ; appliqué dès qu'un import "
                    + "l'y amène", change.toolEntryId(), tool, String.join(" ; ", parked.reasons()));
            return null;
        }
        String id = result instanceof ClassLogStore.Created c ? c.id()
                : result instanceof ClassLogStore.Updated u ? u.id()
                : result instanceof ClassLogStore.Unchanged u ? u.id() : null;
        // a change applied before is fanned out again to the tools missing the current version: its first fan-out
        // may have been lost with a crash after the canonical write (the broker does not keep delivery counts
        // across a restart, so a redelivery cannot be told apart)
        boolean repeated = result instanceof ClassLogStore.Unchanged u && u.repeated();
        if (id == null || !repeated && result instanceof ClassLogStore.Unchanged) {
            return null;
        }
        // what the entry now is, when this change made it (a created or updated lesson): no need to read it back
        long version = result instanceof ClassLogStore.Created c ? c.version()
                : result instanceof ClassLogStore.Updated u ? u.version() : 0;
        if (repeated && reread) {
            // what the tool holds after going back: the current version goes to it again if it lacks it, even
            // when it made that version itself (a restored backup lost its own later edit)
            return new Applied(id, true, null, null, 0, null, tool);
        }
        return version > 0 && entry != null ? new Applied(id, repeated, entry.school(), entry.audience(), version, tool)
                : new Applied(id, repeated, null, null, 0, null);
    }

    /**
     * The end of a tool's feed read again from its start (its marker follows the last page of the re-read on the
     * changes queue): the copies the tool no longer has are written into it again.
     */
    private List<Applied> rereadDone(JsonNode m) {
        String tool = m.path("tool").asText();
        String school = m.path("school").asText();
        Instant since = Instant.parse(m.path("rereadDone").asText());
        // changes kept for a re-read while this one was under way (read before it began): judged now, before the
        // copies the tool no longer has are counted
        List<Applied> out = new java.util.ArrayList<>();
        for (JsonNode h : held(tool, school)) {
            Applied applied = applyOne(h);
            if (applied != null) {
                out.add(applied);
            }
        }
        List<String> lost = store.lostSince(tool, school, since);
        // every page of the re-read is applied: Relais' records name the tool's copies again (see write)
        jdbc.update("UPDATE classlog_watermark SET reread_pending = NULL WHERE tool = ? AND school = ? AND "
                + "reread_pending <= ?", tool, school, Timestamp.from(since));
        if (!lost.isEmpty()) {
            log.warn("Cahier de textes : {} séance(s) que {} n'a plus pour {} après être reparti en arrière lui "
                    + "sont réécrites", lost.size(), tool, school);
        }
        // the lessons it lost and holds no copy of yet, this time or an earlier one (whose deliveries a crash after
        // its commit may have lost: the records they were computed from are gone)
        store.stillLost(tool, school).forEach(id -> out.add(new Applied(id, true, null, null, 0, null, tool)));
        return out;
    }

    /**
     * One delivery per other tool of the class. After a change already applied (a change read twice, or redelivered
     * after a crash), only the tools that do not hold the current version yet get one: a crash between the
     * canonical write and the fan-out delays a delivery, never loses it.
     */
    private void fanOut(Applied applied, Map<String, Batch> batches) {
        String id = applied.id();
        Applied made = applied.school() != null ? applied : jdbc.queryForObject("SELECT school, audience, version, "
                + "source_tool FROM classlog_entry WHERE id = ?", (rs, n) -> new Applied(id, applied.onlyMissing(),
                rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), applied.also()), id);
        String school = made.school();
        String audience = made.audience();
        long version = made.version();
        // the deliveries of one entry share a message group (in order, one at a time); a class's entries are spread
        // over a few groups, so that a tool gets them from several consumers at once, and an entry that waits holds
        // up only part of its own class. (An entry moved to another class changes group: its delivery for the old
        // class may run beside the new one, and the version check in write skips it if it comes second.)
        String group = school + ":" + audience + ":" + Math.floorMod(id.hashCode(), DELIVERY_GROUPS);
        List<String> targets = new java.util.ArrayList<>(plan.targets(school, audience, made.sourceTool()));
        if (made.also() != null && !targets.contains(made.also())
                && plan.targets(school, audience, null).contains(made.also())) {
            targets.add(made.also());
        }
        for (String target : targets) {
            if (made.onlyMissing() && syncedVersion(target, id) >= version) {
                continue;
            }
            batches.computeIfAbsent(String.join("|", target, school, audience, group),
                            k -> new Batch(target, school, audience, group))
                    .items.add(Map.of("delivery", uuids.get().toString(), "entry", id, "version", version));
        }
    }

    /** One delivery (one version of one entry) on the target's queue, with the properties the admin API reads. */
    private void sendDelivery(Sender sender, String target, String group, String school, String audience,
                              String deliveryId, String entryId, long version) throws Exception {
        sender.send(DELIVER + target, json.writeValueAsString(Map.of("delivery", deliveryId, "entry", entryId,
                "version", version)), Map.of("JMSXGroupID", group, "relaisDelivery", deliveryId, "relaisEntry", entryId,
                "relaisSchool", school, "relaisAudience", audience), version);
    }

    /** The deliveries of a page of changes to one tool, for one group of a class: one message. */
    private final class Batch {
        final String target;
        final String school;
        final String audience;
        final String group;
        final List<Map<String, Object>> items = new java.util.ArrayList<>();

        Batch(String target, String school, String audience, String group) {
            this.target = target;
            this.school = school;
            this.audience = audience;
            this.group = group;
        }

        void send(Sender sender) throws Exception {
            Map<String, Object> first = items.get(0);
            long version = items.stream().mapToLong(i -> (Long) i.get("version")).max().orElse(0);
            if (items.size() == 1) {
                sendDelivery(sender, target, group, school, audience, (String) first.get("delivery"),
                        (String) first.get("entry"), version);
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            String id = uuids.get().toString();
            body.put("delivery", id);
            body.put("school", school);
            body.put("audience", audience);
            body.put("group", group);
            body.put("items", items);
            sender.send(DELIVER + target, json.writeValueAsString(body), Map.of("JMSXGroupID", group, "relaisDelivery", id,
                    "relaisSchool", school, "relaisAudience", audience, "relaisEntries", String.valueOf(items.size())),
                    version);
        }
    }

    private long syncedVersion(String tool, String entryId) {
        return jdbc.queryForList("SELECT synced_version FROM classlog_provenance WHERE tool = ? AND entry_id = ?",
                Long.class, tool, entryId).stream().findFirst().orElse(0L);
    }

    /** Whether the entry this tool deleted belongs to a class the tool is read for. */
    private boolean deleteReadable(ClassLogStore.ToolChange change) {
        List<String[]> cls = jdbc.query("SELECT e.school, e.audience FROM classlog_provenance p JOIN classlog_entry e "
                + "ON e.id = p.entry_id WHERE p.tool = ? AND p.tool_entry_id = ?", (rs, n) -> new String[] {rs.getString(1),
                rs.getString(2)}, change.tool(), change.toolEntryId());
        return cls.isEmpty() || plan.reads(cls.get(0)[0], cls.get(0)[1], change.tool());
    }

    /** Whether pending creates from before V19 (without a lesson key) were left at the last check. */
    private volatile boolean legacyPending = true;
    private volatile long legacyCheckedAt = System.nanoTime() - 120_000_000_000L;

    /**
     * A change from a tool Relais is creating an entry in right now, for the same lesson (school, class, date,
     * start, title): it is Relais' own create seen before the tool's answer was recorded, so it is linked.
     */
    /**
     * Whether creates recorded before the lesson key (V19) are left, to be compared one by one. Checked again
     * every minute: a node of an older version may still be running during an upgrade.
     */
    private boolean legacyPending() {
        long now = System.nanoTime();
        if (now - legacyCheckedAt > 60_000_000_000L) {
            legacyPending = jdbc.queryForObject("SELECT COUNT(*) FROM classlog_pending WHERE lesson IS NULL",
                    Long.class) > 0;
            legacyCheckedAt = now;
        }
        return legacyPending;
    }

    private boolean ownCreateUnderWay(ClassLogStore.ToolChange change) {
        ClassLogEntry c = change.entry(); // a tool entry Relais has no record of (the caller checked)
        if (c.school() == null || c.audience() == null || c.date() == null) {
            return false;
        }
        org.springframework.jdbc.core.RowMapper<Object[]> row = (rs, n) -> new Object[] {rs.getString(1), rs.getLong(2),
                rs.getString(3)};
        List<Object[]> pendings = new java.util.ArrayList<>(jdbc.query("SELECT p.entry_id, p.version, " + SENT
                + " FROM classlog_pending p WHERE p.tool = ? AND p.lesson = ?", row, change.tool(), c.lessonKey()));
        if (legacyPending()) {
            pendings.addAll(jdbc.query("SELECT p.entry_id, p.version, " + SENT + " FROM classlog_pending p JOIN "
                    + "classlog_entry e ON e.id = p.entry_id WHERE p.tool = ? AND p.lesson IS NULL AND e.school = ? AND "
                    + "e.audience = ? AND e.lesson_date = ?", row, change.tool(), c.school(), c.audience(),
                    java.sql.Date.valueOf(c.date())));
        }
        for (Object[] pending : pendings) {
            String id = (String) pending[0];
            // compared with what the create sent (the entry may have changed since)
            Optional<ClassLogEntry> e = pending[2] != null ? Optional.of(store.read((String) pending[2])) : store.entry(id);
            if (e.isPresent() && e.get().sameLesson(change.entry())) {
                long version = (Long) pending[1];
                // Relais' copy, but edited in the tool since (the teacher was quicker than the record of the create):
                // linked with its version unknown, so that the change is applied as that tool's edit
                boolean edited = pending[2] != null && !store.sameContent(change.entry(), (String) pending[2]);
                tx.executeWithoutResult(st -> {
                    store.delivered(id, version, change.tool(), change.toolEntryId(), edited ? "" : change.toolVersion());
                    // the create is recorded now: its pending row goes (a delivery repeated after a crash would
                    // otherwise find the version delivered and leave the row for ever)
                    jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", change.tool(), id);
                });
                return !edited;
            }
        }
        return false;
    }


    // --------------------------------------------------------------------------------------------- delivery

    /** The delivery routes' step: refused entries of a batch go back on the queue alone, in its transaction. */
    public void deliver(org.apache.camel.Exchange exchange, String target) throws Exception {
        jakarta.jms.Session session = exchange.getMessage(org.apache.camel.component.jms.JmsMessage.class).getJmsSession();
        deliver(exchange.getMessage().getBody(String.class), target,
                exchange.getMessage().getHeader("JMSRedelivered", Boolean.class), sessionSender(session));
    }

    /**
     * One message from the target's queue: a delivery (one version of one entry), or a batch of deliveries of one
     * class (the fan-out of a page of changes). A batch is delivered entry by entry, in order; its database writes
     * are grouped (the creates' pending rows in one transaction before the tool is written, what the tool answered
     * in one after). An entry of a batch that the tool refuses, or that fails for a reason of its own, leaves the
     * batch as a delivery of its own on the same queue (in the same transaction), with the redelivery, back-off
     * and dead letter of any delivery (its attempts are counted from there: the tool sees it once more than the
     * configured attempts); the rest of the batch goes on.
     *
     * @param redelivered whether the broker delivers this message again (an earlier attempt may have failed)
     */
    void deliver(String message, String target, Boolean redelivered, Sender sender) throws Exception {
        JsonNode m = json.readTree(message);
        if (!m.has("items")) {
            deliver(m.path("delivery").asText(), m.path("entry").asText(), m.path("version").asLong(), target,
                    Boolean.TRUE.equals(redelivered), java.util.Set.of(), null);
            return;
        }
        java.util.Set<String> ownPending = new java.util.HashSet<>();
        Map<String, Current> states = new java.util.HashMap<>();
        if (!Boolean.TRUE.equals(redelivered)) {
            // the creates' pending rows, committed before any of them is sent to the tool (see write): the entries of
            // the batch not in the tool yet (no provenance) and with no create under way, read in one statement per
            // 500 entries rather than one per entry (round trips, with a database on another host)
            Map<String, Long> latest = new LinkedHashMap<>();
            for (JsonNode item : m.path("items")) {
                latest.merge(item.path("entry").asText(), item.path("version").asLong(), Math::max);
            }
            List<String> ids = new java.util.ArrayList<>(latest.keySet());
            java.util.Set<String> made = new java.util.HashSet<>();
            persistently(target, () -> tx.executeWithoutResult(st -> {
                made.clear(); // a retry after the database failed starts again
                states.clear();
                List<Object[]> rows = new java.util.ArrayList<>();
                Timestamp now = Timestamp.from(clock.get());
                for (int from = 0; from < ids.size(); from += 500) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
                    List<Object> args = new java.util.ArrayList<>(chunk);
                    args.add(target);
                    args.add(target);
                    jdbc.query("SELECT e.id, e.version, e.document, e.school, e.audience FROM classlog_entry e WHERE e.id IN ("
                            + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ") AND NOT e.deleted "
                            + "AND NOT EXISTS (SELECT 1 FROM classlog_provenance p WHERE p.tool = ? AND p.entry_id = e.id) "
                            + "AND NOT EXISTS (SELECT 1 FROM classlog_pending k WHERE k.tool = ? AND k.entry_id = e.id)",
                            rs -> {
                                String id = rs.getString(1);
                                long version = latest.get(id);
                                // a version later than the batch's is delivered by its own message
                                if (rs.getLong(2) <= version && made.add(id)) {
                                    ClassLogEntry entry = store.read(rs.getString(3));
                                    // what is sent is that version's document, which the history keeps (see SENT)
                                    rows.add(new Object[] {target, id, version, now, entry.lessonKey()});
                                    // what write reads of the entry first, known from here: no copy, no earlier create,
                                    // no feed read again (no copy to doubt), and the document already read
                                    states.put(id, new Current(rs.getLong(2), false, rs.getString(4), rs.getString(3),
                                            null, null, 1L, null, null, rs.getString(5), 0L, false, entry));
                                }
                            }, args.toArray());
                }
                store.insertRows("INSERT INTO classlog_pending (tool, entry_id, version, created_at, lesson)",
                        "(?, ?, ?, ?, ?)", "", rows);
            }));
            ownPending.addAll(made);
        }
        // one delivery per entry: its latest version (an earlier one would be skipped; twice, it would be created twice
        // while the first create is not recorded yet)
        Map<String, JsonNode> items = new LinkedHashMap<>();
        for (JsonNode item : m.path("items")) {
            items.remove(item.path("entry").asText());
            items.put(item.path("entry").asText(), item);
        }
        List<Runnable> records = new java.util.ArrayList<>();
        try {
            for (JsonNode item : items.values()) {
                String deliveryId = item.path("delivery").asText();
                String id = item.path("entry").asText();
                long version = item.path("version").asLong();
                try {
                    deliver(deliveryId, id, version, target, Boolean.TRUE.equals(redelivered), ownPending, records,
                            states.get(id));
                } catch (Exception e) {
                    if (stopping.getCount() == 0) {
                        throw e; // Relais stops: the broker keeps the batch (what was written is recorded below)
                    }
                    // refused, or failed on its own: a delivery of its own from now on, so that the batch goes on
                    sendDelivery(sender, target, m.path("group").asText(id), m.path("school").asText(),
                            m.path("audience").asText(), deliveryId, id, version);
                }
            }
        } finally {
            record(target, records);
        }
    }

    /**
     * A delivery still waits for the tool's poll to bring a change of Relais' copy after a poll had its chance: the
     * change may lie under Relais' watermark (a counter restored below it), where no poll will read it. The tool's
     * next idle poll checks its feed ({@link #probe}), which reads it again from its start if it went backwards.
     */
    private void requestFeedCheck(String target, String id) {
        try {
            jdbc.update("UPDATE classlog_watermark SET check_requested = ? WHERE tool = ? AND check_requested IS NULL "
                    + "AND school = (SELECT school FROM classlog_entry WHERE id = ?)", Timestamp.from(clock.get()),
                    target, id);
        } catch (org.springframework.dao.DataAccessException e) {
            log.warn("Cahier de textes : vérification du fil de {} non demandée ({})", target, e.getMessage());
        }
    }

    /** Records what the tool answered (one transaction), waiting out a database that cannot take it now. */
    private void record(String target, List<Runnable> records) throws InterruptedException {
        if (!records.isEmpty()) {
            persistently(target, () -> recordNow(records));
        }
    }

    private void recordNow(List<Runnable> records) {
        tx.executeWithoutResult(st -> {
            List<Copy> copies = records.stream().filter(Copy.class::isInstance).map(Copy.class::cast).toList();
            copies(copies);
            records.stream().filter(r -> !(r instanceof Copy)).forEach(Runnable::run);
        });
        records.clear();
    }

    /**
     * A tool that gives a new copy an id Relais has recorded there for another entry has gone backwards (reinstalled,
     * restored from a backup: its ids start again): the copy recorded under that id is no longer in the tool. Its
     * record is set aside under an id no tool gives, and the tool's feed is read again from its start (see
     * pollLocked), whose end writes that entry back into the tool ({@link ClassLogStore#lostSince}).
     */
    private void idGivenAgain(Copy c) {
        List<String[]> other = jdbc.query("SELECT p.entry_id, e.school FROM classlog_provenance p JOIN classlog_entry e "
                + "ON e.id = p.entry_id WHERE p.tool = ? AND p.tool_entry_id = ? AND p.entry_id <> ?",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2)}, c.target(), c.toolEntryId(), c.id());
        if (other.isEmpty()) {
            return; // the same entry: the tool's poll read the copy back before this record
        }
        store.setAside(c.target(), c.toolEntryId(), uuids.get().toString());
        String reason = cut("séance " + c.toolEntryId() + " redonnée par l'outil à une autre séance que celle que Relais "
                + "y connaissait sous ce numéro");
        if (store.requestReread(c.target(), other.get(0)[1], reason)) {
            log.warn("Cahier de textes : {} pour {} : {} ; relecture depuis le début demandée", c.target(),
                    other.get(0)[1], reason);
        }
    }

    /** A copy the tool has just made of an entry (its id not recorded yet): recorded with the others of its batch. */
    private record Copy(String target, String id, long version, String toolEntryId, String toolVersion,
                        Instant writtenAt) implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("recorded with its batch, see copies");
        }
    }

    /**
     * Records new copies in one target, with the removal of their creates under way: a statement for them all
     * rather than two per copy. A copy already recorded by the tool's poll (it read the copy back before this
     * record) makes the insert fall short: then each is recorded the way that tolerates it.
     */
    private void copies(List<Copy> copies) {
        if (copies.isEmpty()) {
            return;
        }
        if (store.newCopies(copies.stream().map(c -> new ClassLogStore.NewCopy(c.target(), c.toolEntryId(), c.id(),
                c.version(), c.toolVersion(), c.writtenAt())).toList()) < copies.size()) {
            // those the insert made hold what it wrote: the others (read back by the tool's poll first, or an id the
            // tool gave again) are recorded one by one
            Map<String, Copy> mine = new java.util.HashMap<>();
            for (var byTarget : copies.stream().collect(java.util.stream.Collectors.groupingBy(Copy::target)).entrySet()) {
                Map<String, Copy> asked = new java.util.HashMap<>();
                byTarget.getValue().forEach(c -> asked.put(c.toolEntryId(), c));
                store.amongToolEntries("p.tool_entry_id, p.entry_id, p.tool_version, p.synced_version, p.written_at",
                        "classlog_provenance p", "", "p", byTarget.getKey(), new java.util.ArrayList<>(asked.keySet()),
                        (rs, n) -> {
                            Copy c = asked.get(rs.getString(1));
                            Timestamp at = rs.getTimestamp(5);
                            if (c != null && c.id().equals(rs.getString(2)) && c.toolVersion() != null
                                    && c.toolVersion().equals(rs.getString(3)) && rs.getLong(4) == c.version()
                                    && (c.writtenAt() == null ? at == null : at != null && at.toInstant()
                                    .equals(c.writtenAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS)))) {
                                mine.put(c.target() + "\n" + c.toolEntryId(), c);
                            }
                            return null;
                        });
            }
            for (Copy c : copies) {
                if (mine.get(c.target() + "\n" + c.toolEntryId()) == c) {
                    continue;
                }
                idGivenAgain(c);
                store.delivered(c.id(), c.version(), c.target(), c.toolEntryId(), c.toolVersion());
                if (c.writtenAt() != null) {
                    store.writtenAt(c.target(), c.toolEntryId(), c.id(), c.writtenAt());
                }
            }
        }
        for (var byTarget : copies.stream().collect(java.util.stream.Collectors.groupingBy(Copy::target)).entrySet()) {
            store.createsDone(byTarget.getKey(), byTarget.getValue().stream().map(Copy::id).toList());
        }
    }

    /** Milliseconds to wait before attempt {@code attempt + 1}: the redelivery delay, doubled each time, capped. */
    private long backOff(int attempt) {
        return Math.min(settings.maxRedeliveryDelay().toMillis(),
                settings.redeliveryDelay().toMillis() << Math.min(Math.max(attempt, 1) - 1, 16));
    }

    /** Waits before the next attempt (the delivery back-off); throws when Relais stops meanwhile. */
    private void pause(String target, int attempt) throws InterruptedException {
        pause.pause(target, attempt);
    }

    private void await(String target, int attempt) throws InterruptedException {
        if (stopping.await(backOff(attempt), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Relais s'arrête : livraison à " + target + " reprise au redémarrage");
        }
    }

    /**
     * Runs a database step of a batch until it succeeds: a database that is down or busy is waited for with the
     * delivery back-off, as a single delivery waits, instead of failing the batch (its attempts would count).
     */
    private void persistently(String target, Runnable step) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (org.springframework.dao.DataAccessException e) {
                log.warn("Cahier de textes : livraison à {} en attente de la base ({})", target, e.toString());
            }
            pause(target, attempt);
        }
    }

    /**
     * One delivery. Returns when the tool holds the entry's current version (or a later version is queued);
     * throws when the tool refuses it (the broker then redelivers it later, and dead-letters it after the
     * configured attempts) or when Relais stops while the tool is unreachable.
     *
     * @param ownPending entries whose pending row this very message made (no earlier attempt to look for)
     * @param records    where what the tool answered is recorded, for one transaction after the batch; null: now
     */
    private void deliver(String deliveryId, String id, long version, String target, boolean redelivered,
                         java.util.Set<String> ownPending, List<Runnable> records) throws Exception {
        deliver(deliveryId, id, version, target, redelivered, ownPending, records, null);
    }

    /** @param state what {@link #write} reads of the entry first, when its batch knows it already (or null) */
    private void deliver(String deliveryId, String id, long version, String target, boolean redelivered,
                         java.util.Set<String> ownPending, List<Runnable> records, Current state) throws Exception {
        CircuitBreaker breaker = breaker(target);
        for (int attempt = 1; ; attempt++) {
            boolean first = attempt == 1; // a failed attempt may have created the entry before failing
            try {
                breaker.executeCheckedSupplier(() -> {
                    write(target, id, version, first && ownPending.contains(id), records, first ? state : null);
                    return null;
                });
                if (redelivered || attempt > 1) {
                    jdbc.update("DELETE FROM classlog_delivery_error WHERE delivery_id = ?", deliveryId);
                }
                target(target, null);
                return;
            } catch (ToolException e) {
                if (e.refused()) {
                    log.warn("Cahier de textes : livraison de l'entrée {} à {} refusée ({}) ; le broker la représentera "
                            + "puis la mettra en lettre morte", id, target, e.getMessage());
                    if (records == null) {
                        failed(deliveryId, target, id, version, e.getMessage()); // in a batch: counted from its own
                    }
                    // a refused create made nothing in the tool: its pending row must not capture a teacher's lesson
                    jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ? AND NOT EXISTS (SELECT 1 "
                            + "FROM classlog_provenance p WHERE p.tool = ? AND p.entry_id = ?)", target, id, target, id);
                    throw e;
                }
                if (e.changed()) {
                    log.info("Cahier de textes : livraison de l'entrée {} à {} en attente de la relève de l'outil ({})",
                            id, target, e.getMessage());
                    if (attempt > 1) {
                        requestFeedCheck(target, id);
                    }
                } else {
                    log.warn("Cahier de textes : livraison à {} en attente, outil injoignable ({})", target, e.getMessage());
                    target(target, e.getMessage());
                }
            } catch (CallNotPermittedException e) {
                // circuit open: wait, without using up the delivery's attempts
            } catch (org.springframework.dao.DataAccessException | IllegalStateException e) {
                // the database, or the tool's descriptor (quarantined), not the entry: wait like for a tool down
                log.warn("Cahier de textes : livraison à {} en attente ({})", target, e.toString());
                try {
                    target(target, e.toString());
                } catch (RuntimeException ignored) {
                    // the database may be the cause; the wait goes on
                }
            } catch (Exception e) {
                if (records == null) {
                    failed(deliveryId, target, id, version, e.toString());
                }
                throw e;
            } catch (Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            if (records != null && !records.isEmpty()) {
                // the batch waits: what was written before is recorded first, so that the tool's poll recognises it
                try {
                    recordNow(records);
                } catch (org.springframework.dao.DataAccessException e) {
                    // the database is the cause: they are recorded when the batch ends
                }
            }
            pause(target, attempt);
        }
    }

    /**
     * What a delivery reads of its entry and of the target's copy before writing: the entry's current version,
     * whether it is deleted, its school, document and audience; the copy's record (synced version, id, tool version,
     * the document of the synced version and whether that version was a delete); how many creates are under way
     * into the target (pending rows) and whether the target's feed is being read again for that school; and the
     * entry already parsed when the batch had it ({@code null}: parsed from {@code document}).
     */
    private record Current(long version, boolean deleted, String school, String document, Long syncedVersion,
                           String toolEntryId, long pendingRows, String toolVersion, String syncedDocument,
                           String audience, long rereading, boolean syncedDeleted, ClassLogEntry entry) {
    }

    /**
     * Writes the entry's version into the tool, unless it holds it or a later one is queued.
     *
     * @param ownPending the entry's pending row was made by this delivery, just before: no earlier create to find
     * @param state      what the query below reads, as the batch read it when it made the pending row (or null)
     */
    private void write(String target, String id, long version, boolean ownPending, List<Runnable> records,
                       Current state) throws ToolException {
        Current c = state != null ? state : jdbc.query("SELECT e.version, e.deleted, e.school, e.document, p.synced_version, "
                + "p.tool_entry_id, (SELECT COUNT(*) FROM classlog_pending k WHERE k.tool = ? AND k.entry_id = e.id), "
                + "p.tool_version, h.document, e.audience, (SELECT COUNT(*) FROM classlog_watermark w WHERE w.tool = ? "
                + "AND w.school = e.school AND (w.reset_requested IS NOT NULL OR w.reread_pending IS NOT NULL)), "
                + "h.deleted FROM classlog_entry e LEFT JOIN classlog_provenance p ON p.entry_id = e.id AND p.tool = ? "
                + "LEFT JOIN classlog_history h ON h.entry_id = e.id AND h.version = p.synced_version WHERE e.id = ? "
                + "ORDER BY p.synced_version DESC", (rs, n) -> new Current(rs.getLong(1), rs.getBoolean(2),
                rs.getString(3), rs.getString(4), rs.getObject(5) == null ? null : rs.getLong(5), rs.getString(6),
                rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getLong(11), rs.getBoolean(12), null),
                target, target, target, id).stream().findFirst().orElseThrow(); // two copies in one tool (see README, limits): the most recent
        // a later version is queued behind this one (writing this one would go backwards), or this one is already
        // delivered (a delivery repeated after a crash, a replay): nothing to write, and a pending row made for it goes
        if (c.version() > version || c.syncedVersion() != null && c.syncedVersion() >= version) {
            if (ownPending || c.toolEntryId() != null && c.pendingRows() > 0) {
                // made for this delivery, or left by a create recorded since: nothing is under way any more
                jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
            }
            return;
        }
        Connector tool = clients.tool(target);
        ToolClient client = clients.client(tool);
        Optional<String> targetId = Optional.ofNullable(c.toolEntryId());
        if (targetId.isPresent() && c.rereading() > 0) {
            // the tool's feed went backwards and is being read again: the id recorded may name another lesson now
            throw ToolException.changedSince("le fil de changements de l'outil est relu depuis le début après être "
                    + "reparti en arrière ; la copie " + targetId.get() + " sera écrite une fois la relecture appliquée");
        }
        if (c.deleted()) {
            if (targetId.isEmpty() && c.pendingRows() > 0) {
                // a create into this tool was cut by a crash: the copy it may have made goes too
                Optional<ToolClient.Written> copy = client.find(tool, sent(target, id, c.document()));
                if (copy.isPresent()) {
                    targetId = Optional.of(copy.get().toolEntryId());
                    linkFound(target, id, copy.get());
                }
                jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
            } else if (targetId.isPresent() && plan.reads(c.school(), c.audience(), target)) {
                unchangedSinceSynced(client, tool, target, targetId.get(), c.toolVersion(), c.syncedDocument());
            } else if (targetId.isPresent()) {
                targetId = ownCopy(client, tool, target, targetId.get(), c.syncedDocument());
                if (targetId.isEmpty()) {
                    // no copy of that lesson any more in a tool only written for the class: nothing to delete there
                    jdbc.update("UPDATE classlog_provenance SET synced_version = ? WHERE tool = ? AND entry_id = ?",
                            version, target, id);
                }
            }
            if (targetId.isPresent()) {
                if (!tool.can(Capability.CLASSLOG_DELETE)) {
                    rejectedDelete(target, targetId.get());
                } else {
                    client.delete(tool, c.school(), targetId.get());
                }
                jdbc.update("UPDATE classlog_provenance SET synced_version = ? WHERE tool = ? AND entry_id = ?", version,
                        target, id);
            }
            return;
        }
        ClassLogEntry entry = c.entry() != null ? c.entry() : store.read(c.document());
        boolean pending = c.pendingRows() > 0;
        String goneCopy = null;
        if (targetId.isPresent() && c.syncedDeleted()) {
            // the copy recorded there holds a delete (a teacher's there, or Relais'), and the entry lives again (an
            // edit elsewhere won over the delete): the tool has no copy to update, a new one is made, and the record
            // of the deleted one goes with the new one's
            goneCopy = targetId.get();
            targetId = Optional.empty();
        }
        if (targetId.isPresent()) {
            if (plan.reads(entry.school(), entry.audience(), target)) {
                unchangedSinceSynced(client, tool, target, targetId.get(), c.toolVersion(), c.syncedDocument());
            } else {
                // a tool only written for this class: what teachers change there is not Relais' to keep, but the id
                // must still name Relais' copy (a tool gone back gives it to another lesson, maybe of a class it is
                // read for): a copy the tool no longer holds under its lesson is made again
                String recorded = targetId.get();
                targetId = ownCopy(client, tool, target, recorded, c.syncedDocument());
                if (!targetId.equals(Optional.of(recorded))) {
                    goneCopy = recorded;
                }
                if (targetId.isEmpty()) {
                    if (!pending) {
                        pending(target, id, version, entry);
                    }
                }
            }
        } else {
            if (pending && !ownPending) {
                // an earlier attempt may have created it before Relais could record the answer: look for what it sent
                Optional<ToolClient.Written> copy = client.find(tool, sent(target, id, c.document()));
                if (copy.isPresent()) {
                    targetId = Optional.of(copy.get().toolEntryId());
                    linkFound(target, id, copy.get());
                }
            } else if (!pending) {
                pending(target, id, version, entry);
            }
        }
        log.debug("Cahier de textes : écriture de l'entrée {} (version {}, livraison de la version {}) dans {} ({})", id,
                c.version(), version, target, targetId.map(t -> "copie " + t).orElse(pending ? "création reprise" : "création"));
        ToolClient.Written answer;
        Instant sentAt = clock.get(); // before the tool makes a new copy: see ClassLogStore#readBeforeCopyMade
        try {
            answer = client.write(tool, targetId.orElse(null), entry);
        } catch (ToolException e) {
            if (!e.notFound() || targetId.isEmpty()) {
                throw e;
            }
            if (plan.reads(entry.school(), entry.audience(), target)) {
                // a tool read for the class: the copy deleted there (its delete not read yet: the conflict rule
                // decides) or lost with a reset (the feed check finds it): the poll or the check says which
                requestFeedCheck(target, id);
                throw ToolException.changedSince("la copie " + targetId.get() + " n'existe plus dans l'outil ("
                        + e.getMessage() + ") ; la relève ou la vérification du fil de l'outil dira pourquoi");
            }
            // a tool only written for the class: the copy there is Relais' own, and a new one replaces the lost one
            log.info("Cahier de textes : la copie {} de l'entrée {} n'existe plus dans {} ({}) ; nouvelle copie",
                    targetId.get(), id, target, e.getMessage());
            goneCopy = targetId.get();
            targetId = Optional.empty();
            if (!pending) {
                pending(target, id, version, entry);
            }
            sentAt = clock.get();
            answer = client.write(tool, null, entry);
        }
        Instant writtenAt = sentAt;
        ToolClient.Written written = answer;
        boolean created = targetId.isEmpty() || pending;
        boolean fresh = targetId.isEmpty(); // the tool has just made this entry: its id is not recorded yet
        Runnable record = fresh ? new Copy(target, id, version, written.toolEntryId(), written.toolVersion(), writtenAt)
                : () -> {
            store.delivered(id, version, target, written.toolEntryId(), written.toolVersion());
            if (created) {
                jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
            }
        };
        List<Runnable> these = records == null ? new java.util.ArrayList<>() : records;
        these.add(record);
        if (goneCopy != null && !goneCopy.equals(written.toolEntryId())) {
            // (a tool that went back may give the new copy the very id of the one it lost: then its record is the
            // new copy's, updated by the record above, and must stay)
            String gone = goneCopy;
            these.add(() -> jdbc.update("DELETE FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ? AND "
                    + "entry_id = ?", target, gone, id));
        }
        if (records == null) {
            recordNow(these);
        }
    }

    /**
     * The copy a create cut by a crash made in the tool, found again: recorded as the tool's copy of the entry, with
     * the version the create wrote. When it no longer holds what the create sent (a teacher edited Relais' copy
     * before Relais could record it), its version is recorded as unknown, so that the tool's poll brings that edit as
     * a change of the tool (the conflict rule then decides), and this delivery waits for it instead of overwriting it.
     */
    private void linkFound(String target, String id, ToolClient.Written copy) throws ToolException {
        List<Object[]> sent = jdbc.query("SELECT p.version, " + SENT + ", p.created_at FROM classlog_pending p WHERE "
                + "p.tool = ? AND p.entry_id = ?", (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2),
                rs.getTimestamp(3)}, target, id);
        if (sent.isEmpty()) {
            // the tool's poll recognised and recorded that copy while Relais was looking for it (and may have applied
            // an edit made there): the delivery starts again from what is recorded now
            throw ToolException.changedSince("la copie " + copy.toolEntryId() + " a été enregistrée entre-temps");
        }
        long version = (Long) sent.get(0)[0];
        boolean edited = copy.entry() != null && sent.get(0)[1] != null
                && !store.sameContent(copy.entry(), (String) sent.get(0)[1]);
        tx.executeWithoutResult(st -> {
            // the id found may be one Relais recorded there for another lesson (a tool gone back reuses its ids)
            idGivenAgain(new Copy(target, id, version, copy.toolEntryId(), copy.toolVersion(), null));
            store.delivered(id, version, target, copy.toolEntryId(), edited ? "" : copy.toolVersion());
            // made by the create cut by the crash: asked for after its create under way was noted
            store.writtenAt(target, copy.toolEntryId(), id, ((Timestamp) sent.get(0)[2]).toInstant());
            jdbc.update("DELETE FROM classlog_pending WHERE tool = ? AND entry_id = ?", target, id);
        });
        if (edited) {
            throw ToolException.changedSince("la copie " + copy.toolEntryId() + " a été modifiée dans l'outil avant que "
                    + "Relais enregistre sa création");
        }
    }

    /**
     * Before Relais overwrites or deletes its copy in a tool: the copy must still be what Relais last wrote or read
     * there (the tool's version recorded, or the same content). A copy changed since (a teacher's edit the poll has
     * not brought yet) is not overwritten: the delivery waits for the poll, and the conflict rule decides. Nor is a
     * copy the tool cannot find by its lesson (its title or time changed, it is gone, or a tool gone back gave its id
     * to another lesson), unless the tool's search does not see every copy it holds.
     */
    private void unchangedSinceSynced(ToolClient client, Connector tool, String target, String toolEntryId,
                                      String recordedVersion, String held) throws ToolException {
        if (held == null) {
            return;
        }
        Optional<ToolClient.Written> copy = client.find(tool, store.read(held));
        log.debug("Cahier de textes : copie {} de {} avant écriture : {} (Relais connaît la version {})", toolEntryId,
                target, copy.map(w -> w.toolEntryId() + "@" + w.toolVersion()).orElse("introuvable"), recordedVersion);
        if (copy.isEmpty() && client.findsEveryCopy(tool) && lostThere(client, tool, target, toolEntryId, recordedVersion)) {
            return;
        }
        if (copy.isEmpty() && client.findsEveryCopy(tool)) {
            // no copy of that lesson any more: its title or time was changed there, it was deleted, or the tool went
            // back and gave its id to another lesson. The poll brings the first two; the third is found by the feed
            // check a delivery that keeps waiting asks for. Writing under the id now could overwrite another lesson.
            throw ToolException.changedSince("la copie " + toolEntryId + " ne porte plus dans l'outil la séance que "
                    + "Relais y a écrite (titre, horaire modifiés, supprimée ou numéro redonné)");
        }
        if (copy.isEmpty() || !copy.get().toolEntryId().equals(toolEntryId)
                || copy.get().toolVersion().equals(recordedVersion)
                || copy.get().entry() == null || store.sameContent(copy.get().entry(), held)) {
            return;
        }
        throw ToolException.changedSince("la copie " + toolEntryId + " a changé dans l'outil depuis la dernière relève "
                + "(version " + copy.get().toolVersion() + ", Relais connaît " + recordedVersion + ")");
    }

    /** A create into the tool begins: noted before the call, so that a crash cannot make the copy twice. */
    private void pending(String target, String id, long version, ClassLogEntry entry) {
        jdbc.update("INSERT INTO classlog_pending (tool, entry_id, version, created_at, lesson) VALUES (?, ?, ?, ?, ?)",
                target, id, version, Timestamp.from(clock.get()), entry.lessonKey());
    }

    /**
     * Relais' copy in a tool only written for the class, before it is overwritten or deleted: the id recorded, unless
     * the tool (whose search sees every copy) no longer holds the lesson there. Then the lesson is found under
     * another id, or nowhere: its copy is gone (deleted, or lost with a reset that may have given the id to another
     * lesson, which must not be overwritten). A teacher's new title or time there makes it gone too: the lesson is
     * written again and the renamed copy stays as the teacher left it.
     */
    private Optional<String> ownCopy(ToolClient client, Connector tool, String target, String toolEntryId, String held)
            throws ToolException {
        if (held == null || !client.findsEveryCopy(tool)) {
            return Optional.of(toolEntryId);
        }
        Optional<ToolClient.Written> copy = client.find(tool, store.read(held));
        if (copy.isEmpty()) {
            log.info("Cahier de textes : la copie {} de {} ne porte plus la séance que Relais y a écrite ; nouvelle copie",
                    toolEntryId, target);
        }
        return copy.map(ToolClient.Written::toolEntryId);
    }

    /**
     * Whether the copy holds, under its id and at the version Relais recorded, the edit made there that Relais read
     * and that lost a conflict (a new title or time, say, against a later edit elsewhere): Relais knows what it
     * overwrites, and the winner goes over it as any conflict's loser is overwritten.
     */
    private boolean lostThere(ToolClient client, Connector tool, String target, String toolEntryId, String recordedVersion)
            throws ToolException {
        List<String> lost = jdbc.queryForList("SELECT c.document FROM classlog_conflict c JOIN classlog_provenance p ON "
                + "p.entry_id = c.entry_id AND p.tool = c.tool WHERE p.tool = ? AND p.tool_entry_id = ? ORDER BY "
                + "c.recorded_at DESC FETCH FIRST 1 ROWS ONLY", String.class, target, toolEntryId);
        if (lost.isEmpty()) {
            return false;
        }
        Optional<ToolClient.Written> copy = client.find(tool, store.read(lost.get(0)));
        return copy.isPresent() && copy.get().toolEntryId().equals(toolEntryId)
                && copy.get().toolVersion().equals(recordedVersion);
    }

    /**
     * What a create under way ({@code classlog_pending p}) sent to the tool: the version it wrote, as the history
     * keeps it (rows from before this change carry their document).
     */
    private static final String SENT = "COALESCE(p.document, (SELECT h.document FROM classlog_history h WHERE "
            + "h.entry_id = p.entry_id AND h.version = p.version))";

    /** What the create under way sent to the tool (the entry as it was then), else the given document. */
    private ClassLogEntry sent(String target, String id, String fallback) {
        List<String> docs = jdbc.queryForList("SELECT " + SENT + " FROM classlog_pending p WHERE p.tool = ? AND "
                + "p.entry_id = ?", String.class, target, id);
        return store.read(docs.isEmpty() || docs.get(0) == null ? fallback : docs.get(0));
    }

    private void rejectedDelete(String target, String toolEntryId) {
        jdbc.update("INSERT INTO classlog_rejection (tool, tool_entry_id, reason, recorded_at) VALUES (?, ?, ?, ?)", target,
                toolEntryId, "suppression non transmise : l'outil ne permet pas de supprimer (classlog.delete absent), "
                        + "à supprimer à la main", Timestamp.from(clock.get()));
    }

    private void failed(String deliveryId, String target, String id, long version, String error) {
        tx.executeWithoutResult(s -> {
            Timestamp now = Timestamp.from(clock.get());
            if (jdbc.update("UPDATE classlog_delivery_error SET error = ?, attempts = attempts + 1, last_at = ? "
                    + "WHERE delivery_id = ?", cut(error), now, deliveryId) == 0) {
                jdbc.update("INSERT INTO classlog_delivery_error (delivery_id, tool, entry_id, version, error, attempts, "
                        + "last_at) VALUES (?, ?, ?, ?, ?, 1, ?)", deliveryId, target, id, version, cut(error), now);
            }
        });
    }

    /** Records a delivery's outcome for the tool's status (package-private: its test plays two nodes' race). */
    void target(String tool, String error) {
        long nowMillis = millis.getAsLong();
        if (error == null) {
            // a success is recorded at most once a second per tool: the status needs no more precision
            Long last = lastSuccess.put(tool, nowMillis);
            if (last != null && nowMillis - last < 1000) {
                lastSuccess.put(tool, last);
                return;
            }
        }
        Timestamp now = new Timestamp(nowMillis);
        if (updateTarget(tool, error, now) == 0) {
            try {
                jdbc.update("INSERT INTO classlog_target (tool, last_success, last_error, last_error_at) VALUES (?, ?, ?, ?)",
                        tool, error == null ? now : null, cut(error), error == null ? null : now);
            } catch (org.springframework.dao.DuplicateKeyException e) {
                // another node (or consumer) recorded the tool's first outcome meanwhile: this one goes on its row
                updateTarget(tool, error, now);
            }
        }
    }

    private int updateTarget(String tool, String error, Timestamp now) {
        return error == null
                ? jdbc.update("UPDATE classlog_target SET last_success = ? WHERE tool = ?", now, tool)
                : jdbc.update("UPDATE classlog_target SET last_error = ?, last_error_at = ? WHERE tool = ?", cut(error), now, tool);
    }

    /** The target's circuit breaker: opened by consecutive failures to reach it, never by refusals. */
    public CircuitBreaker breaker(String target) {
        return breakers.computeIfAbsent(target, t -> CircuitBreaker.of("classlog-" + t, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerFailures())
                .minimumNumberOfCalls(settings.breakerFailures())
                .failureRateThreshold(100)
                .waitDurationInOpenState(settings.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(e -> e instanceof ToolException te && !te.refused() && !te.changed())
                .ignoreException(e -> e instanceof ToolException te && (te.refused() || te.changed()))
                .build()));
    }

    // ------------------------------------------------------------------------------------------ dead letters

    /** Puts a dead letter back on its target's queue (same delivery id); false when there is no such letter. */
    public boolean replay(String target, String deliveryId) throws jakarta.jms.JMSException {
        boolean moved;
        try (jakarta.jms.Connection connection = connectionFactory.createConnection();
             jakarta.jms.Session session = connection.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED)) {
            connection.start();
            try (var consumer = session.createConsumer(session.createQueue(DEAD + target), "relaisDelivery = '"
                    + deliveryId.replace("'", "''") + "'");
                 var producer = session.createProducer(session.createQueue(DELIVER + target))) {
                var message = consumer.receive(2000);
                moved = message != null;
                if (moved) {
                    var copy = session.createTextMessage(((jakarta.jms.TextMessage) message).getText());
                    for (String p : List.of("relaisDelivery", "relaisEntry", "relaisSchool", "relaisAudience")) {
                        copy.setStringProperty(p, message.getStringProperty(p));
                    }
                    copy.setLongProperty("relaisVersion", message.getLongProperty("relaisVersion"));
                    String group = message.getStringProperty("JMSXGroupID");
                    copy.setStringProperty("JMSXGroupID", group != null ? group : message.getStringProperty("relaisEntry"));
                    producer.send(copy);
                }
                session.commit(); // the letter leaves the dead-letter queue and joins the target's queue at once
            }
        }
        if (moved) {
            jdbc.update("UPDATE classlog_delivery_error SET attempts = 0 WHERE delivery_id = ?", deliveryId);
        }
        return moved;
    }

    static String cut(String s) {
        return s == null ? null : s.length() > 990 ? s.substring(0, 990) + "…" : s;
    }
}
