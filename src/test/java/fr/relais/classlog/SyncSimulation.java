package fr.relais.classlog;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.springframework.core.env.StandardEnvironment;

import fr.relais.connector.ConnectorProperties;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.connector.families.EcoleDirecteFamily;
import fr.relais.connector.families.NeoDiaryFamily;
import fr.relais.connector.families.SkolengoFamily;

/**
 * One run of the deterministic simulation of the cahier de textes sync (in the spirit of FoundationDB's simulation
 * testing and TigerBeetle's VOPR): the engine's real steps ({@link ClassLogSync}: polls, the changes step, the
 * deliveries) on the real database, with the broker's guarantees ({@link SimBroker}) and tools of each family's
 * behaviour ({@link SimTool}), in an order chosen by a seeded random ({@link SimScheduler}), while teachers write,
 * edit and delete lessons, tools go down, refuse lessons or start their feed over, the directory learns a class,
 * and Relais is killed and restarted between any two steps. Then the world settles (every tool back, no more
 * edits) and the invariants are checked. The same seed replays the same run exactly.
 */
final class SyncSimulation {

    static final String SCHOOL = "0690100J";
    static final String NEO = "sim-neo";
    static final String ED = "sim-ed";
    static final String SKO = "sim-sko";
    private static final List<String> TOOLS = List.of(NEO, ED, SKO);
    private static ConnectorRegistry registry;

    /** What the run may do. */
    record Options(int steps, boolean crashes, boolean resets, boolean unknownClass, boolean outages,
                   boolean refusals, boolean deletes) {
        static Options all(int steps) {
            return new Options(steps, true, true, true, true, true, true);
        }
    }

    /** A teacher's action in a tool: on a copy (its id), at a version of the tool's counter. */
    record Action(String tool, String copyId, long seq, java.time.Instant at, String content, boolean deleted) {
    }

    /** One lesson as the teachers made it: what every tool of its class must end with. */
    static final class Truth {
        final List<Action> history = new ArrayList<>();
        final String title;
        final String audience;
        final String origin;
        final ClassLogEntry entry;
        String content;
        java.time.Instant at;
        boolean deleted;
        int actions = 1;

        Truth(String title, String audience, String origin, ClassLogEntry entry, java.time.Instant at) {
            this.title = title;
            this.audience = audience;
            this.origin = origin;
            this.entry = entry;
            this.content = entry.content();
            this.at = at;
        }
    }

    final long seed;
    final Options options;
    final SimScheduler scheduler;
    final SimTool.SimClock clock = new SimTool.SimClock();
    private static final java.time.Instant ENGINE_START = java.time.Instant.parse("2026-12-07T08:00:00Z");
    /** The engine's clock, kept across its crashes and restarts (see start). */
    private final java.util.concurrent.atomic.AtomicLong engineMillis = new java.util.concurrent.atomic.AtomicLong();
    final SimDatabase db;
    final SimBroker broker;
    final Map<String, SimTool> tools = new LinkedHashMap<>();
    final Map<String, Truth> truth = new TreeMap<>();
    final Set<String> known = new TreeSet<>(List.of("6A", "5B", "4C"));
    final List<String> trace = new ArrayList<>();
    final ClassLogSettings settings = new ClassLogSettings(List.of(), List.of(NEO, ED, SKO), 5, Duration.ofSeconds(2),
            Duration.ofMinutes(1), Duration.ofSeconds(10), 1000, false);
    /** The plan: class, tool, direction. */
    static final List<String[]> PLAN = List.of(
            new String[] {"6A", NEO, "BOTH"}, new String[] {"6A", ED, "BOTH"}, new String[] {"6A", SKO, "BOTH"},
            new String[] {"5B", NEO, "BOTH"}, new String[] {"5B", ED, "BOTH"}, new String[] {"5B", SKO, "TARGET"},
            new String[] {"4C", ED, "SOURCE"}, new String[] {"4C", SKO, "BOTH"});
    private final Map<String, SimTool.Backup> backups = new HashMap<>();
    /** The tools' changes a poll put on the changes queue (tool|id|version): from then on, Relais cannot lose them. */
    private final Set<String> read = new java.util.HashSet<>();
    private ClassLogSync engine;
    private SyncPlan plan;
    private ToolClients clients;
    private int lessons;
    private int crashes;
    private int resets;

    SyncSimulation(long seed, Options options) {
        this.seed = seed;
        this.options = options;
        this.scheduler = new SimScheduler(seed);
        this.db = new SimDatabase(scheduler);
        this.broker = new SimBroker(scheduler.random, settings.deliveryAttempts());
        var random = scheduler.random;
        tools.put(NEO, new SimTool(NEO, SimTool.Style.NEO, scheduler, clock, random, 1 + random.nextInt(3)));
        tools.put(ED, new SimTool(ED, SimTool.Style.ECOLEDIRECTE, scheduler, clock, random, 1 + random.nextInt(3)));
        tools.put(SKO, new SimTool(SKO, SimTool.Style.SKOLENGO, scheduler, clock, random, 1 + random.nextInt(3)));
        tools.values().forEach(t -> t.tracer = line -> trace(line + (Boolean.getBoolean("sim.debug")
                && line.startsWith("relève") ? " ; Relais connaît " + db.jdbc.queryForList("SELECT tool_entry_id || '@' "
                + "|| tool_version || '/' || synced_version FROM classlog_provenance WHERE tool = ?", String.class, t.id)
                : "")));
        this.clients = new ToolClients(List.of(SimTool.client("neo-diary", tools), SimTool.client("ecoledirecte", tools),
                SimTool.client("skolengo", tools)), registry());
        for (String[] p : PLAN) {
            db.jdbc.update("INSERT INTO classlog_sync (school, audience, tool, direction, updated_at) VALUES (?, ?, ?, ?, ?)",
                    SCHOOL, p[0], p[1], p[2], java.sql.Timestamp.from(clock.now()));
        }
        if (options.unknownClass() && random.nextBoolean()) {
            known.remove("4C"); // the class exists in the tools before the AAF feed brings it
        }
        start();
    }

    private static synchronized ConnectorRegistry registry() {
        if (registry == null) {
            try {
                Path dir = Files.createTempDirectory("relais-sim-connectors");
                Files.createDirectories(dir.resolve("tools"));
                for (String[] t : List.of(new String[] {NEO, "neo-diary", ""},
                        new String[] {ED, "ecoledirecte", ""},
                        new String[] {SKO, "skolengo", "  tokenUrl: \"https://sim.invalid/token\"\n"})) {
                    Files.writeString(dir.resolve("tools/" + t[0] + ".yaml"), "id: " + t[0] + "\nname: \"" + t[0]
                            + " (simulation)\"\nkind: tool\nfamily: " + t[1] + "\ncapabilities: [classlog.read, "
                            + "classlog.write, classlog.delete]\nclasslog:\n  baseUrl: \"https://sim.invalid/" + t[0]
                            + "\"\n" + t[2]);
                }
                registry = new ConnectorRegistry(new ConnectorProperties(dir, false), List.of(new NeoDiaryFamily(),
                        new EcoleDirecteFamily(), new SkolengoFamily()), new StandardEnvironment());
                if (registry.ready().size() != 3) {
                    throw new IllegalStateException("outils simulés en quarantaine : " + registry.all());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return registry;
    }

    /** Relais starts (again) on the same database and broker: nothing of the previous process is kept. */
    private void start() {
        plan = new SyncPlan(db.jdbc, registry(), null, settings, clients, db.transactions);
        plan.reloadForTests();
        jakarta.jms.ConnectionFactory none = (jakarta.jms.ConnectionFactory) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {jakarta.jms.ConnectionFactory.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException("pas de JMS dans la simulation");
                });
        engine = new ClassLogSync(settings, plan, clients, null, none, db.jdbc, db.tx, registry());
        var random = scheduler.random;
        engine.millis = clock::millis;
        // the engine's own instants (reads, answers, copies asked for, parkings) from the run, not the wall clock:
        // one millisecond further at each call, in the scheduler's order, so that a seed replays exactly
        engine.clock = () -> ENGINE_START.plusMillis(engineMillis.incrementAndGet());
        engine.store().clock = engine.clock;
        engine.uuids = () -> new UUID(random.nextLong(), random.nextLong());
        engine.store().ids = () -> new UUID(random.nextLong() & ~0xF000L | 0x7000L, random.nextLong()).toString();
        engine.audiences = school -> SCHOOL.equals(school) ? Set.copyOf(known) : Set.of();
        engine.resetCheck = Duration.ofDays(1); // checked at the first idle poll, then when the run says (tick)
        engine.pages = (tool, school, page) -> {
            try {
                for (var item : new com.fasterxml.jackson.databind.ObjectMapper().readTree(page)) {
                    // with what it says: a reinstalled tool gives the same id and counter to other content
                    boolean deleted = item.path("deleted").asBoolean(false);
                    read.add(readKey(item.path("tool").asText(), item.path("toolEntryId").asText(),
                            item.path("toolVersion").asText(), deleted, deleted || !item.path("entry").isTextual() ? null
                                    : engine.store().read(item.path("entry").asText()).content()));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            trace("page de " + tool + " mise en file : " + page.replaceAll(".*?\"toolEntryId\":\"([^\"]*)\","
                    + "\"toolVersion\":\"([^\"]*)\"[^{]*(\\{[^}]*}\"})?[^{]*", "$1@$2 "));
            broker.send(ClassLogSync.CHANGES, page, Map.of("JMSXGroupID", tool + ":" + school), 0);
        };
        engine.pause = (target, attempt) -> scheduler.yieldPoint("attente avant la tentative " + (attempt + 1)
                + " vers " + target);
    }

    // ------------------------------------------------------------------------------------------------ steps

    private void spawnPoll() {
        ClassLogSync e = engine;
        scheduler.spawn("relève", e::pollAll);
    }

    private void spawnConsumer(String queue) {
        ClassLogSync e = engine;
        scheduler.spawn("consommateur " + queue, () -> {
            SimBroker.Receipt r = broker.take(queue);
            if (r == null) {
                return;
            }
            try {
                if (queue.equals(ClassLogSync.CHANGES)) {
                    e.apply(r.message.body, r.sender());
                } else {
                    e.deliver(r.message.body, queue.substring(ClassLogSync.DELIVER.length()), r.message.redelivered,
                            r.sender());
                }
                scheduler.yieldPoint("avant l'acquittement");
            } catch (SimScheduler.Crash crash) {
                throw crash; // the broker takes it back at the restart
            } catch (Exception failure) {
                broker.rollback(r);
                return;
            }
            broker.commit(r);
        });
    }

    // --------------------------------------------------------------------------------------- the world acts

    private ClassLogEntry lesson(String audience, String title, String content, int n) {
        return new ClassLogEntry(SCHOOL, audience, "MATHEMATIQUES", "Mme Martin", LocalDate.of(2026, 9, 7).plusDays(n % 5),
                LocalTime.of(8, 0).plusMinutes(55L * (n % 8)), LocalTime.of(8, 55).plusMinutes(55L * (n % 8)), title,
                content, List.of(), List.of(), true, null);
    }

    private static ClassLogEntry withContent(ClassLogEntry e, String content) {
        return new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(), e.end(),
                e.title(), content, e.homework(), e.attachments(), e.published(), e.visaBy());
    }

    /** Whether Relais reads this tool for this class (a teacher's work there is synced). */
    private static boolean reads(String audience, String tool) {
        return PLAN.stream().anyMatch(p -> p[0].equals(audience) && p[1].equals(tool) && !p[2].equals("TARGET"));
    }

    private static boolean writes(String audience, String tool) {
        return PLAN.stream().anyMatch(p -> p[0].equals(audience) && p[1].equals(tool) && !p[2].equals("SOURCE"));
    }

    private void teacherWrites() {
        var random = scheduler.random;
        String[] p = PLAN.get(random.nextInt(PLAN.size()));
        if (!reads(p[0], p[1])) {
            return;
        }
        int n = ++lessons;
        String title = "Séance " + n;
        ClassLogEntry e = lesson(p[0], title, "Chapitre " + n + " : version 1", n);
        SimTool.Copy c = tools.get(p[1]).teacherWrites(e);
        Truth t = new Truth(title, p[0], p[1], e, c.modifiedAt);
        t.history.add(new Action(p[1], c.id, c.seq, c.modifiedAt, e.content(), false));
        truth.put(title, t);
        trace("un professeur écrit '" + title + "' (" + p[0] + ") dans " + p[1] + " : " + c.id + "@" + c.seq);
    }

    /** A teacher edits a lesson where it shows (its own tool, or a copy Relais made), never after it was deleted. */
    private void teacherEdits(boolean delete) {
        var random = scheduler.random;
        SimTool tool = tools.get(TOOLS.get(random.nextInt(TOOLS.size())));
        List<SimTool.Copy> editable = tool.editable().stream().filter(c -> reads(c.entry.audience(), tool.id)
                && truth.containsKey(c.entry.title()) && !truth.get(c.entry.title()).deleted
                && !(delete && unrecordedCopy(tool.id, c))).toList();
        if (editable.isEmpty()) {
            return;
        }
        SimTool.Copy c = editable.get(random.nextInt(editable.size()));
        Truth t = truth.get(c.entry.title());
        t.actions++;
        if (delete) {
            tool.teacherDeletes(c);
            t.deleted = true;
            t.at = c.modifiedAt;
            t.history.add(new Action(tool.id, c.id, c.seq, c.modifiedAt, t.content, true));
            trace("un professeur supprime '" + t.title + "' dans " + tool.id + " : " + c.id + "@" + c.seq);
            return;
        }
        String content = "Chapitre " + t.title.substring(7) + " : version " + t.actions + " (" + tool.id + ")";
        tool.teacherEdits(c, withContent(c.entry, content));
        t.content = content;
        t.at = c.modifiedAt;
        t.history.add(new Action(tool.id, c.id, c.seq, c.modifiedAt, content, false));
        trace("un professeur modifie '" + t.title + "' dans " + tool.id + " : " + c.id + "@" + c.seq);
    }

    /**
     * A copy Relais created but has not recorded yet (its answer lost in a crash). Deleted by a teacher before Relais
     * finds it again, it would be created again: the tool's delete carries no lesson to recognise it by (README,
     * "Limites"), so the simulated teachers do not delete those.
     */
    private boolean unrecordedCopy(String tool, SimTool.Copy c) {
        return !truth.get(c.entry.title()).origin.equals(tool) && db.jdbc.queryForObject("SELECT COUNT(*) FROM "
                + "classlog_provenance WHERE tool = ? AND tool_entry_id = ?", Long.class, tool, c.id) == 0;
    }

    /** The parked entries' retry of the running Relais (what the import event and the timer call). */
    private ParkedEntries parked() {
        return new ParkedEntries(engine, db.jdbc, Duration.ZERO, Duration.ofDays(1));
    }

    private void crash() {
        crashes++;
        trace("kill -9 de Relais (" + scheduler.tasks() + ")");
        scheduler.crash();
        broker.crashed();
        tools.values().forEach(t -> t.checked.clear());
        start();
    }

    private void reset() {
        SimTool tool = tools.get(TOOLS.get(scheduler.random.nextInt(TOOLS.size())));
        SimTool.Backup backup = backups.get(tool.id);
        resets++;
        Map<String, SimTool.Copy> kept;
        if (backup != null && scheduler.random.nextBoolean()) {
            tool.restore(backup);
            kept = backup.copies();
            trace(tool.id + " restauré d'une sauvegarde (compteur " + backup.sequence() + ")");
        } else {
            tool.reinstall();
            kept = Map.of();
            trace(tool.id + " réinstallé : vide, identifiants et compteur repartent de zéro");
        }
        // what teachers did there that the tool no longer holds (after the backup: the backup does not hold that
        // lesson in that state or a later one; a backup taken before an earlier reinstall may hold the same id and
        // counter for another lesson) and Relais had not read yet is lost with the tool: not expected. Judged at the
        // end of the run: a poll that had the tool's answer before the reset queues it after (Relais holds it then,
        // and writes it back), unless Relais crashes first
        for (Truth t : truth.values()) {
            t.history.stream().filter(a -> a.tool().equals(tool.id) && !holds(kept.get(a.copyId()), t.title, a)
                    && !read.contains(readKey(a))).forEach(a -> lostWith.put(a, tool.id));
        }
    }

    /** Whether a restored copy holds that lesson as the action left it, or a later state of it. */
    private static boolean holds(SimTool.Copy c, String title, Action a) {
        return c != null && c.entry.title().equals(title) && c.seq >= a.seq();
    }

    /** What identifies a teacher's action in the pages Relais queued: the tool's id and counter, and what it says. */
    private static String readKey(String tool, String id, String seq, boolean deleted, String content) {
        return tool + "|" + id + "|" + seq + "|" + (deleted ? "supprimée" : content);
    }

    private static String readKey(Action a) {
        return readKey(a.tool(), a.copyId(), String.valueOf(a.seq()), a.deleted(), a.content());
    }

    /** An entry's canonical history, for a failure's report: each version, its source, content and times. */
    private List<String> history(Object entryId) {
        return db.jdbc.query("SELECT version, source_tool, modified_at, recorded_at, conflict_lost, deleted, document "
                + "FROM classlog_history WHERE entry_id = ? ORDER BY version", (rs, n) -> "v" + rs.getLong(1) + " "
                + rs.getString(2) + " " + (rs.getBoolean(6) ? "supprimée" : "« " + engine.store().read(rs.getString(7))
                .content() + " »") + " modifiée " + rs.getTimestamp(3).toInstant() + " enregistrée "
                + rs.getTimestamp(4).toInstant() + (rs.getBoolean(5) ? " (perdante)" : ""), entryId);
    }

    /** Teachers' actions in a tool that was reset before Relais had queued them, and the tool. */
    private final Map<Action, String> lostWith = new java.util.LinkedHashMap<>();

    /** The actions lost with their tool's reset, never queued by Relais since: out of what the run expects. */
    private void forgetLost() {
        for (Truth t : new ArrayList<>(truth.values())) {
            if (t.history.removeIf(a -> lostWith.containsKey(a)
                    && !read.contains(readKey(a)))) {
                if (t.history.isEmpty()) {
                    truth.remove(t.title);
                    trace("'" + t.title + "' perdue avec la remise à zéro de son outil avant que Relais la lise");
                    continue;
                }
                Action last = t.history.stream().max(java.util.Comparator.comparing(Action::at)).orElseThrow();
                t.content = t.history.stream().filter(a -> !a.deleted()).max(java.util.Comparator.comparing(Action::at))
                        .map(Action::content).orElse(t.content);
                t.deleted = last.deleted();
                t.at = last.at();
            }
        }
    }

    void trace(String line) {
        trace.add("[" + scheduler.yields + "] " + line);
    }

    // ------------------------------------------------------------------------------- scripted (named scenarios)

    /** A teacher writes a lesson of this class in this tool; its title. */
    String write(String tool, String audience) {
        int n = ++lessons;
        String title = "Séance " + n;
        ClassLogEntry e = lesson(audience, title, "Chapitre " + n + " : version 1", n);
        SimTool.Copy c = tools.get(tool).teacherWrites(e);
        Truth t = new Truth(title, audience, tool, e, c.modifiedAt);
        t.history.add(new Action(tool, c.id, c.seq, c.modifiedAt, e.content(), false));
        truth.put(title, t);
        trace("un professeur écrit '" + title + "' (" + audience + ") dans " + tool + " : " + c.id + "@" + c.seq);
        return title;
    }

    /** A teacher edits the lesson where it shows in this tool (its own copy, or the one Relais made). */
    void edit(String tool, String title) {
        SimTool t = tools.get(tool);
        SimTool.Copy c = copyOf(t, title);
        Truth truthOf = truth.get(title);
        truthOf.actions++;
        String content = "Chapitre " + title.substring(7) + " : version " + truthOf.actions + " (" + tool + ")";
        t.teacherEdits(c, withContent(c.entry, content));
        truthOf.content = content;
        truthOf.at = c.modifiedAt;
        truthOf.history.add(new Action(tool, c.id, c.seq, c.modifiedAt, content, false));
        trace("un professeur modifie '" + title + "' dans " + tool + " : " + c.id + "@" + c.seq);
    }

    /** Runs the engine (polls, changes, deliveries; no one else acts) until a step stops at this point. */
    boolean runUntil(String where, int steps) {
        var random = scheduler.random;
        for (int i = 0; i < steps; i++) {
            if (scheduler.tasks().stream().anyMatch(t -> t.at.contains(where))) {
                return true;
            }
            if (!scheduler.tasks().isEmpty() && random.nextInt(3) > 0) {
                scheduler.step();
            } else if (!scheduler.running("relève") && random.nextBoolean()) {
                spawnPoll();
            } else {
                broker.ready().stream().filter(q -> scheduler.count("consommateur " + q) < 3).forEach(this::spawnConsumer);
            }
        }
        return false;
    }

    /** Everything back to normal and run until nothing moves: the failures, or null. */
    String settleAndCheck() {
        return settle();
    }

    /** kill -9 of Relais now, and its restart on the same data. */
    void killAndRestart() {
        crash();
    }

    private static SimTool.Copy copyOf(SimTool t, String title) {
        return t.live().stream().filter(x -> x.entry.title().equals(title)).findFirst().orElseThrow(
                () -> new AssertionError(t.id + " n'a pas '" + title + "'"));
    }

    /** A teacher deletes the lesson where it shows in this tool. */
    void delete(String tool, String title) {
        SimTool t = tools.get(tool);
        SimTool.Copy c = copyOf(t, title);
        Truth truthOf = truth.get(title);
        truthOf.actions++;
        t.teacherDeletes(c);
        truthOf.deleted = true;
        truthOf.at = c.modifiedAt;
        truthOf.history.add(new Action(tool, c.id, c.seq, c.modifiedAt, truthOf.content, true));
        trace("un professeur supprime '" + title + "' dans " + tool + " : " + c.id + "@" + c.seq);
    }

    /** The tool reinstalled: empty, its ids and counter start over (what Relais had there is lost). */
    void reinstall(String tool) {
        resets++;
        tools.get(tool).reinstall();
        trace(tool + " réinstallé : vide, identifiants et compteur repartent de zéro");
    }

    /** A backup of the tool as it is now. */
    SimTool.Backup backup(String tool) {
        return tools.get(tool).backup();
    }

    /** The tool restored from a backup: what it held then, its ids and counter as they were. */
    void restore(String tool, SimTool.Backup backup) {
        resets++;
        tools.get(tool).restore(backup);
        trace(tool + " restauré d'une sauvegarde (compteur " + backup.sequence() + ")");
    }

    /** The directory does not know this class yet. */
    void unknownClass(String audience) {
        known.remove(audience);
    }

    /** An AAF import brings the class: the parked entries' retry runs, as after a real import. */
    void importClass(String audience) {
        known.add(audience);
        parked().imported(new fr.relais.directory.DirectoryImported("sim.xml", "simulation"));
    }

    long parkedCount() {
        return db.jdbc.queryForObject("SELECT COUNT(*) FROM classlog_parked", Long.class);
    }

    // -------------------------------------------------------------------------------------------------- run

    /** The run: its failure, or null. */
    String run() {
        var random = scheduler.random;
        for (int step = 0; step < options.steps(); step++) {
            int dice = random.nextInt(100);
            if (!scheduler.tasks().isEmpty() && dice < 55) {
                scheduler.step();
            } else if (dice < 62) {
                if (!scheduler.running("relève")) {
                    spawnPoll();
                }
            } else if (dice < 72) {
                List<String> ready = broker.ready();
                if (!ready.isEmpty()) {
                    String q = ready.get(random.nextInt(ready.size()));
                    if (scheduler.count("consommateur " + q) < 3) {
                        spawnConsumer(q);
                    }
                }
            } else if (dice < 80) {
                if (lessons < 12) {
                    teacherWrites();
                }
            } else if (dice < 87) {
                teacherEdits(false);
            } else if (dice < 88 && options.deletes()) {
                teacherEdits(true);
            } else if (dice < 91 && options.outages()) {
                SimTool t = tools.get(TOOLS.get(random.nextInt(TOOLS.size())));
                t.down = !t.down;
                trace(t.id + (t.down ? " en panne" : " de retour"));
            } else if (dice < 92 && options.refusals() && !truth.isEmpty()) {
                SimTool t = tools.get(TOOLS.get(random.nextInt(TOOLS.size())));
                String title = new ArrayList<>(truth.keySet()).get(random.nextInt(truth.size()));
                t.refusedTitles.add(title);
                trace(t.id + " refuse désormais '" + title + "'");
            } else if (dice < 94 && options.crashes() && random.nextInt(3) == 0) {
                crash();
            } else if (dice < 95 && options.resets() && random.nextInt(3) == 0) {
                reset();
            } else if (dice < 96) {
                SimTool t = tools.get(TOOLS.get(random.nextInt(TOOLS.size())));
                backups.put(t.id, t.backup());
            } else if (dice < 98 && !known.contains("4C")) {
                known.add("4C");
                trace("l'annuaire apprend la classe 4C (import AAF)");
                parked().imported(new fr.relais.directory.DirectoryImported("sim.xml", "simulation")); // as the importer tells it
            } else if (dice < 99) {
                parked().tick(); // the periodic retry (its interval: zero here)
                engine.lastResetCheck.clear(); // and the periodic check of the feeds (reset-check)
            }
        }
        return settle();
    }

    /** Everything back to normal, then the engine runs until nothing moves; then the invariants. */
    private String settle() {
        trace("--- fin des perturbations : outils de retour, annuaire complet");
        tools.values().forEach(t -> {
            t.down = false;
            t.refusedTitles.clear();
        });
        if (known.add("4C")) {
            parked().imported(new fr.relais.directory.DirectoryImported("sim.xml", "simulation"));
        }
        int quiet = 0;
        long sends = -1;
        boolean checked = false;
        for (int round = 0; round < 20_000; round++) {
            if (!scheduler.tasks().isEmpty()) {
                // a delivery may wait for a poll (a copy changed in its tool): polls go on meanwhile
                if (scheduler.random.nextInt(10) == 0) {
                    if (!scheduler.running("relève")) {
                        spawnPoll();
                    }
                    broker.ready().stream().filter(q -> scheduler.count("consommateur " + q) < 3)
                            .forEach(this::spawnConsumer);
                }
                scheduler.step();
                continue;
            }
            List<String> ready = broker.ready();
            if (!ready.isEmpty()) {
                ready.forEach(this::spawnConsumer);
                quiet = 0;
                continue;
            }
            if (broker.replayDeadLetters() > 0) {
                trace("lettres mortes rejouées");
                quiet = 0;
                continue;
            }
            if (broker.sends != sends) {
                sends = broker.sends;
                quiet = 0;
                checked = false;
            }
            if (quiet >= 3) {
                if (checked) {
                    return check();
                }
                engine.lastResetCheck.clear(); // quiet: the feeds are checked once more (a reset not seen yet)
                checked = true;
                quiet = 0;
            }
            quiet++;
            spawnPoll();
        }
        return "le système ne se stabilise pas : " + broker.total() + " messages, tâches " + scheduler.tasks()
                + "\n  provenance : " + db.jdbc.queryForList("SELECT p.tool, p.tool_entry_id, p.tool_version, "
                + "p.synced_version, e.version, e.source_tool FROM classlog_provenance p JOIN classlog_entry e ON "
                + "e.id = p.entry_id ORDER BY p.entry_id, p.tool")
                + "\n  relèves : " + db.jdbc.queryForList("SELECT tool, watermark, reread_since, reread_pending, "
                + "reset_requested, check_requested FROM classlog_watermark ORDER BY tool")
                + "\n  en attente : " + db.jdbc.queryForList("SELECT tool, tool_entry_id, tool_version, awaits_feed_check, "
                + "reason FROM classlog_parked ORDER BY tool, tool_entry_id");
    }

    // ------------------------------------------------------------------------------------------- invariants

    private String check() {
        forgetLost();
        List<String> failures = new ArrayList<>();
        // every lesson exactly once, with the winning content, in every tool Relais writes for its class
        for (SimTool tool : tools.values()) {
            Map<String, List<SimTool.Copy>> byTitle = new TreeMap<>();
            tool.live().forEach(c -> byTitle.computeIfAbsent(c.entry.title(), k -> new ArrayList<>()).add(c));
            for (Truth t : truth.values()) {
                List<SimTool.Copy> copies = byTitle.getOrDefault(t.title, List.of());
                if (!writes(t.audience, tool.id)) {
                    continue;
                }
                if (t.deleted && !copies.isEmpty()) {
                    failures.add(tool.id + " garde '" + t.title + "' supprimée");
                } else if (!t.deleted && copies.size() != 1) {
                    failures.add(tool.id + " a " + copies.size() + " exemplaire(s) de '" + t.title + "' "
                            + copies.stream().map(c -> c.id + "@" + c.seq).toList());
                } else if (!t.deleted && !copies.get(0).entry.content().equals(t.content)) {
                    failures.add(tool.id + " a '" + t.title + "' avec « " + copies.get(0).entry.content()
                            + " » au lieu de « " + t.content + " »");
                }
            }
            byTitle.keySet().stream().filter(title -> !truth.containsKey(title))
                    .forEach(title -> failures.add(tool.id + " a une séance inconnue '" + title + "'"));
        }
        // the canonical log: one entry per lesson, the winning content, a version per teacher's action at most
        Map<String, List<Object[]>> entries = new TreeMap<>();
        db.jdbc.query("SELECT id, document, deleted, version FROM classlog_entry", rs -> {
            ClassLogEntry e = engine.store().read(rs.getString(2));
            entries.computeIfAbsent(e.title(), k -> new ArrayList<>()).add(new Object[] {rs.getString(1), e,
                    rs.getBoolean(3), rs.getLong(4)});
        });
        for (Truth t : truth.values()) {
            List<Object[]> found = entries.getOrDefault(t.title, List.of());
            if (t.deleted && found.isEmpty()) {
                continue; // deleted before Relais read it: nothing to keep
            }
            if (found.size() != 1) {
                failures.add("le cahier canonique a " + found.size() + " entrée(s) pour '" + t.title + "'"
                        + (found.size() > 1 ? " : " + found.stream().map(f -> history(f[0]).toString()).toList() : ""));
                continue;
            }
            Object[] e = found.get(0);
            if ((Boolean) e[2] != t.deleted) {
                failures.add("le cahier canonique a '" + t.title + "' " + ((Boolean) e[2] ? "supprimée" : "présente")
                        + " ; historique : " + history(e[0]));
            } else if (!t.deleted && !((ClassLogEntry) e[1]).content().equals(t.content)) {
                failures.add("le cahier canonique a '" + t.title + "' avec « " + ((ClassLogEntry) e[1]).content()
                        + " » au lieu de « " + t.content + " » ; historique : " + history(e[0]));
            }
            if ((Long) e[3] > t.actions) {
                failures.add("'" + t.title + "' a " + e[3] + " versions pour " + t.actions + " action(s) de professeurs"
                        + " (écho) : " + history(e[0]));
            }
        }
        entries.keySet().stream().filter(title -> !truth.containsKey(title))
                .forEach(title -> failures.add("le cahier canonique a une séance inconnue '" + title + "'"));
        if (resets == 0) {
            // no tool went back: a feed found gone backwards is a false alarm (a whole tool read again, and the
            // status showing an event that did not happen)
            List<String> alarms = db.jdbc.queryForList("SELECT tool || ' : ' || last_reset_reason FROM "
                    + "classlog_watermark WHERE last_reset_at IS NOT NULL OR reset_requested IS NOT NULL", String.class);
            if (!alarms.isEmpty()) {
                failures.add("fil de changements cru reparti en arrière sans remise à zéro : " + alarms);
            }
        }
        List<String> waiting = db.jdbc.queryForList("SELECT tool || ' ' || tool_entry_id || ' (' || audience || ')' "
                + "FROM classlog_parked", String.class);
        if (!waiting.isEmpty()) {
            failures.add("en attente de l'annuaire alors qu'il connaît leur classe : " + waiting);
        }
        long pending = db.jdbc.queryForObject("SELECT COUNT(*) FROM classlog_pending", Long.class);
        if (pending > 0) {
            failures.add(pending + " création(s) en cours jamais terminée(s)");
        }
        List<String> rejected = db.jdbc.queryForList("SELECT tool || ' ' || tool_entry_id || ' : ' || reason FROM "
                + "classlog_rejection", String.class);
        if (!rejected.isEmpty()) {
            failures.add("changements refusés : " + rejected);
        }
        return failures.isEmpty() ? null : String.join("\n  ", failures);
    }

    String summary() {
        return "graine " + seed + " : " + truth.size() + " séances, " + crashes + " arrêt(s) brutal(aux), " + resets
                + " remise(s) à zéro d'outil, " + scheduler.yields + " points de passage";
    }
}
