package fr.relais.classlog;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.annotation.PostConstruct;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;
import fr.relais.platform.cluster.ClusterNode;

/**
 * Which tools keep the log of which class or group of a school, and in which direction: the sync plan, kept in
 * the database ({@code classlog_sync}) and held in memory for the flow. A class has at least two tools, at least
 * one that Relais reads and one other that it writes.
 *
 * <p>With several nodes, a plan saved on one is announced to the others ({@link ClusterNode}), which read it
 * again; the node that polls (role {@value #POLL_ROLE}) resets the watermarks the new plan asks for.
 */
@Component
public class SyncPlan {

    /** {@code both}: read and written; {@code source}: only read; {@code target}: only written. */
    public enum Direction {
        BOTH, SOURCE, TARGET;

        public boolean reads() {
            return this != TARGET;
        }

        public boolean writes() {
            return this != SOURCE;
        }

        public static Direction parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("sens '" + text + "' inconnu : both, source ou target");
            }
        }
    }

    public record Member(String tool, Direction direction) {
    }

    public record ClassSync(String school, String audience, List<Member> tools) {
    }

    /** The role of the node that polls the tools (route {@code classlog-poll} of routes/classlog-sync.yaml). */
    public static final String POLL_ROLE = "classlog-poll";
    private static final String CHANGES = "classlog-plan";

    private final JdbcTemplate jdbc;
    private final ConnectorRegistry registry;
    private final Directory directory;
    private final ClassLogSettings settings;
    private final ToolClients clients;
    private final ClusterNode cluster;
    private final org.springframework.transaction.support.TransactionTemplate ownTransaction;
    /**
     * Held by a poll of (tool, school) from reading its watermark to moving it, and by a reset of that watermark:
     * a poll under way when the plan changes can never move the watermark back over the reset.
     */
    private final Map<String, java.util.concurrent.locks.ReentrantLock> pollLocks = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile List<ClassSync> plan = List.of();
    /** The same plan by (school, class): looked up for every change polled and applied. */
    private volatile Map<List<String>, List<Member>> byClass = Map.of();
    /** (tool, school) whose watermark a saved plan asked to reset, as the last reload read them. */
    private volatile Set<List<String>> rereads = Set.of();

    /** One node alone (the simulation, tests that build the engine by hand). */
    public SyncPlan(JdbcTemplate jdbc, ConnectorRegistry registry, Directory directory, ClassLogSettings settings,
                    ToolClients clients, org.springframework.transaction.PlatformTransactionManager transactions) {
        this(jdbc, registry, directory, settings, clients, transactions, ClusterNode.single());
    }

    @org.springframework.beans.factory.annotation.Autowired
    public SyncPlan(JdbcTemplate jdbc, ConnectorRegistry registry, Directory directory, ClassLogSettings settings,
                    ToolClients clients, org.springframework.transaction.PlatformTransactionManager transactions,
                    ClusterNode cluster) {
        this.jdbc = jdbc;
        this.cluster = cluster;
        // another node saved a plan: read it again (everything: this node may have missed news)
        cluster.onChange(CHANGES, keys -> reload());
        this.ownTransaction = new org.springframework.transaction.support.TransactionTemplate(transactions);
        // the reset runs after the plan's commit, while that transaction's connection is still bound: its own
        // transaction makes it committed before the poll lock is released
        this.ownTransaction.setPropagationBehavior(
                org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.registry = registry;
        this.directory = directory;
        this.settings = settings;
        this.clients = clients;
    }

    /** The configured plan of a class is loaded once: a class the admin API already set is left as it is. */
    @PostConstruct
    void seed() {
        for (ClassLogSettings.Sync s : settings.sync()) {
            Integer known = jdbc.queryForObject("SELECT COUNT(*) FROM classlog_sync WHERE school = ? AND audience = ?",
                    Integer.class, s.school(), s.audience());
            if (known == 0) {
                for (String tool : s.tools()) {
                    String direction = s.directions() == null ? null : s.directions().get(tool);
                    try {
                        jdbc.update("INSERT INTO classlog_sync (school, audience, tool, direction, updated_at) VALUES (?, ?, ?, ?, ?)",
                                s.school(), s.audience(), tool, direction == null ? "BOTH" : Direction.parse(direction).name(),
                                Timestamp.from(Instant.now()));
                    } catch (org.springframework.dao.DuplicateKeyException seededByAnotherNode) {
                        // nodes starting together on one database: the first one seeded it
                    }
                }
            }
        }
        reload();
    }

    /** Reads the plan again from the database (after a test wrote it there directly). */
    void reloadForTests() {
        reload();
    }

    private void reload() {
        Set<List<String>> pending = new java.util.HashSet<>(jdbc.query("SELECT DISTINCT tool, school FROM classlog_sync "
                + "WHERE reread_requested_at IS NOT NULL", (rs, n) -> List.of(rs.getString(1), rs.getString(2))));
        Map<String, ClassSync> classes = new LinkedHashMap<>();
        jdbc.query("SELECT school, audience, tool, direction FROM classlog_sync ORDER BY school, audience, tool", rs -> {
            String key = rs.getString(1) + "/" + rs.getString(2);
            classes.computeIfAbsent(key, k -> {
                try {
                    return new ClassSync(rs.getString(1), rs.getString(2), new ArrayList<>());
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }).tools().add(new Member(rs.getString(3), Direction.valueOf(rs.getString(4))));
        });
        List<ClassSync> loaded = classes.values().stream()
                .map(c -> new ClassSync(c.school(), c.audience(), List.copyOf(c.tools()))).toList();
        byClass = loaded.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
                c -> List.of(c.school(), c.audience()), ClassSync::tools));
        plan = loaded;
        rereads = Set.copyOf(pending);
    }

    public List<ClassSync> all() {
        return plan;
    }

    public List<ClassSync> of(String school) {
        return plan.stream().filter(c -> c.school().equals(school)).toList();
    }

    /** Every (tool, school) Relais polls: tools read for at least one class of the school. */
    public Set<List<String>> sources() {
        Set<List<String>> out = new TreeSet<>(java.util.Comparator.comparing((List<String> l) -> l.get(0))
                .thenComparing(l -> l.get(1)));
        for (ClassSync c : plan) {
            c.tools().stream().filter(m -> m.direction().reads()).forEach(m -> out.add(List.of(m.tool(), c.school())));
        }
        return out;
    }

    /** Whether Relais reads this tool for this class (a change from a tool only written is not taken). */
    public boolean reads(String school, String audience, String tool) {
        return members(school, audience).stream().anyMatch(m -> m.tool().equals(tool) && m.direction().reads());
    }

    /** The tools of a class (none when it is not planned). */
    private List<Member> members(String school, String audience) {
        return byClass.getOrDefault(List.of(school, audience), List.of());
    }

    /** The tools to write a change of this class into, the tool it came from excepted. */
    public List<String> targets(String school, String audience, String from) {
        return members(school, audience).stream().filter(m -> m.direction().writes() && !m.tool().equals(from))
                .map(Member::tool).toList();
    }

    /** Replaces the plan of one class, after checking it; the reasons of a refusal are in the exception. */
    @Transactional
    public ClassSync put(String school, String audience, List<Member> tools) {
        List<String> reasons = new ArrayList<>();
        var structure = directory.structure(school);
        if (structure.isEmpty()) {
            reasons.add("établissement " + school + " inconnu de l'annuaire");
        } else if (!structure.get().classes().contains(audience) && !structure.get().groups().contains(audience)) {
            reasons.add("classe ou groupe '" + audience + "' inconnu de l'annuaire pour l'établissement " + school);
        }
        if (tools == null || tools.size() < 2) {
            reasons.add("au moins deux outils par classe");
            tools = tools == null ? List.of() : tools;
        }
        Set<String> seen = new TreeSet<>();
        for (Member m : tools) {
            if (!seen.add(m.tool())) {
                reasons.add("outil '" + m.tool() + "' nommé deux fois");
                continue;
            }
            var connector = registry.find(m.tool());
            if (connector.isEmpty()) {
                reasons.add("outil '" + m.tool() + "' inconnu");
            } else if (!connector.get().isReady()) {
                reasons.add("outil '" + m.tool() + "' en quarantaine : son descripteur est invalide");
            } else if (clients.forTool(connector.get()).isEmpty()) {
                reasons.add("outil '" + m.tool() + "' : la famille " + connector.get().family() + " ne tient pas de cahier de textes");
            } else {
                Connector c = connector.get();
                if (m.direction().reads() && !c.can(Capability.CLASSLOG_READ)) {
                    reasons.add("outil '" + m.tool() + "' : ne peut pas être lu (classlog.read absent), sens target seulement");
                }
                if (m.direction().writes() && !c.can(Capability.CLASSLOG_WRITE)) {
                    reasons.add("outil '" + m.tool() + "' : ne peut pas être écrit (classlog.write absent), sens source seulement");
                }
            }
        }
        if (tools.stream().noneMatch(m -> m.direction().reads())) {
            reasons.add("aucun outil n'est lu (sens both ou source)");
        }
        if (tools.stream().noneMatch(m -> m.direction().writes())) {
            reasons.add("aucun outil n'est écrit (sens both ou target)");
        }
        if (!reasons.isEmpty()) {
            throw new IllegalArgumentException("Plan refusé pour " + school + " " + audience + " : " + String.join(" ; ", reasons));
        }
        List<String> readBefore = members(school, audience).stream().filter(m -> m.direction().reads())
                .map(Member::tool).toList();
        jdbc.update("DELETE FROM classlog_sync WHERE school = ? AND audience = ?", school, audience);
        List<String> reread = tools.stream().filter(m -> m.direction().reads() && !readBefore.contains(m.tool()))
                .map(Member::tool).toList();
        Timestamp now = Timestamp.from(Instant.now());
        for (Member m : tools) {
            jdbc.update("INSERT INTO classlog_sync (school, audience, tool, direction, updated_at, reread_requested_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)", school, audience, m.tool(), m.direction().name(), now,
                    reread.contains(m.tool()) ? now : null);
        }
        // a tool newly read for this class is read again from its beginning for the school, so the class's entries
        // typed before the plan are synced too (the school's other changes come back unchanged)
        rereadFromStart(reread, school);
        cluster.changed(CHANGES, school + "/" + audience);
        reload();
        return new ClassSync(school, audience, List.copyOf(tools));
    }

    /**
     * The lock a poll of (tool, school) holds (see {@link #pollLocks}). Taken by the polling node, it first resets
     * the watermark when a plan saved on another node asked for it: the poll that follows reads from the start.
     */
    public java.util.concurrent.locks.Lock pollLock(String tool, String school) {
        var lock = pollLocks.computeIfAbsent(tool + '\u001f' + school, k -> new java.util.concurrent.locks.ReentrantLock());
        return new java.util.concurrent.locks.Lock() {
            @Override
            public void lock() {
                lock.lock();
                resetIfAsked(tool, school);
            }

            @Override
            public void lockInterruptibly() throws InterruptedException {
                lock.lockInterruptibly();
                resetIfAsked(tool, school);
            }

            @Override
            public boolean tryLock() {
                boolean got = lock.tryLock();
                if (got) {
                    resetIfAsked(tool, school);
                }
                return got;
            }

            @Override
            public boolean tryLock(long time, java.util.concurrent.TimeUnit unit) throws InterruptedException {
                boolean got = lock.tryLock(time, unit);
                if (got) {
                    resetIfAsked(tool, school);
                }
                return got;
            }

            @Override
            public void unlock() {
                lock.unlock();
            }

            @Override
            public java.util.concurrent.locks.Condition newCondition() {
                return lock.newCondition();
            }
        };
    }

    /** Under the poll lock: the watermark reset a saved plan asked for, then the request is cleared. */
    private void resetIfAsked(String tool, String school) {
        if (rereads.isEmpty() || !rereads.contains(List.of(tool, school))) {
            return;
        }
        ownTransaction.executeWithoutResult(st -> {
            jdbc.update("DELETE FROM classlog_watermark WHERE tool = ? AND school = ?", tool, school);
            jdbc.update("UPDATE classlog_sync SET reread_requested_at = NULL WHERE tool = ? AND school = ?", tool, school);
        });
        Set<List<String>> left = new java.util.HashSet<>(rereads);
        left.remove(List.of(tool, school));
        rereads = Set.copyOf(left);
    }

    /**
     * Once the plan is committed (so that what is read again is read for the new class), and not while a poll of
     * the tool is under way: a poll that started before the plan may have set the class's changes aside, and it
     * moves the watermark before the reset, never after. Only the polling node can know that: another node leaves
     * the request in the plan's rows, for the polling node's next poll of the tool ({@link #pollLock}).
     */
    private void rereadFromStart(List<String> tools, String school) {
        if (tools.isEmpty()) {
            return;
        }
        Runnable reset = () -> {
            if (!cluster.holds(POLL_ROLE)) {
                return;
            }
            reload(); // the request, committed
            for (String tool : tools) {
                var lock = pollLock(tool, school);
                lock.lock(); // resets, under the lock
                lock.unlock();
            }
        };
        if (org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive()) {
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            reset.run();
                        }
                    });
        } else {
            reset.run();
        }
    }

    @Transactional
    public boolean remove(String school, String audience) {
        boolean removed = jdbc.update("DELETE FROM classlog_sync WHERE school = ? AND audience = ?", school, audience) > 0;
        cluster.changed(CHANGES, school + "/" + audience);
        reload();
        return removed;
    }
}
