package fr.relais.platform.cluster;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * This node's place among the Relais nodes that share one database: which single-instance roles it holds (the
 * class-log poller, the timers, the AAF inbox) and the news of what other nodes changed in state that nodes keep in
 * memory (sync plan, directory entries, subscriptions).
 *
 * <p>On PostgreSQL both go through one dedicated connection per node: a role is a session-level advisory lock
 * ({@code pg_try_advisory_lock}), held for as long as that connection lives, so PostgreSQL itself frees it when the
 * node dies (its connection drops); changes are {@code NOTIFY relais_changes} messages, which PostgreSQL delivers to
 * every node listening. A node that loses its connection gives up its roles at once and, once connected again,
 * forgets every kept copy (it may have missed changes meanwhile). On any other database (H2: one embedded node)
 * the node holds every role and nobody else needs its news.
 */
public final class ClusterNode implements AutoCloseable {

    /** Where the advisory locks of Relais are in {@code pg_locks} ({@code classid}): "RELA" in ASCII. */
    public static final int LOCK_CLASS = 0x52454C41;
    static final String CHANNEL = "relais_changes";
    /** NOTIFY payloads must stay under 8000 bytes. */
    private static final int MAX_PAYLOAD = 7000;
    /** Beyond this many keys of one kind in one flush, the other nodes are told to forget the whole kind. */
    private static final int MAX_KEYS_PER_FLUSH = 2000;
    static final String EVERYTHING = "*";

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    /** What a role holder is told: true when it takes the role, false when it loses it. */
    public interface RoleListener {
        void leadership(boolean held);
    }

    private record Role(String name, int key, RoleListener listener) {
    }

    /** host/pid/random: what an operator sees in the logs, unique even for two nodes in one process (tests). */
    private final String id = host() + "/" + ProcessHandle.current().pid() + "/"
            + UUID.randomUUID().toString().substring(0, 4);

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
    private final Connector connector;
    private final Duration heartbeat;
    private final Map<String, Role> wanted = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Consumer<Collection<String>>>> subscribers = new ConcurrentHashMap<>();
    /** Changes made here, waiting for the next flush: kind -> keys (null key set: everything of that kind). */
    private final Map<String, Set<String>> outbox = new LinkedHashMap<>();
    private volatile boolean running;
    private Thread thread;
    private Connection connection;

    /** Opens the dedicated connection (PostgreSQL); the node's roles are tried every heartbeat. */
    @FunctionalInterface
    public interface Connector {
        Connection open() throws SQLException;
    }

    private ClusterNode(Connector connector, Duration heartbeat) {
        this.connector = connector;
        this.heartbeat = heartbeat;
    }

    /** One node alone (H2, embedded): it holds every role, and no other node needs its news. */
    public static ClusterNode single() {
        return new ClusterNode(null, Duration.ZERO);
    }

    /** Nodes sharing a PostgreSQL database (JDBC URL, user, password of the application's own datasource). */
    public static ClusterNode postgres(String url, String user, String password, Duration heartbeat) {
        return new ClusterNode(() -> {
            Properties p = new Properties();
            if (user != null) {
                p.setProperty("user", user);
            }
            if (password != null) {
                p.setProperty("password", password);
            }
            p.setProperty("ApplicationName", "relais-cluster");
            // a network that stops answering is noticed by this node within that many seconds (roles given up)
            p.setProperty("socketTimeout", "10");
            p.setProperty("connectTimeout", "5");
            p.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(url, p);
        }, heartbeat);
    }

    public boolean clustered() {
        return connector != null;
    }

    public String id() {
        return id;
    }

    // ------------------------------------------------------------------------------------------------ roles

    /** Asks for a role; the listener hears when this node takes it and when it loses it. */
    public void want(String role, RoleListener listener) {
        wanted.put(role, new Role(role, role.hashCode(), listener));
        if (!clustered()) {
            held.add(role);
            listener.leadership(true);
        }
    }

    /** Gives a role up (its route stops): another node may take it at its next heartbeat. */
    public void release(String role) {
        Role r = wanted.remove(role);
        if (r != null && held.remove(role) && clustered()) {
            synchronized (this) {
                if (connection != null) {
                    try (PreparedStatement st = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                        st.setInt(1, LOCK_CLASS);
                        st.setInt(2, r.key());
                        st.execute();
                    } catch (SQLException e) {
                        log.debug("Grappe : rôle {} non rendu ({}), il le sera à la fermeture de la connexion", role,
                                e.getMessage());
                    }
                }
            }
        }
    }

    /** Whether this node holds the role now (one node alone holds every role). */
    public boolean holds(String role) {
        return !clustered() || held.contains(role);
    }

    // ---------------------------------------------------------------------------------------------- changes

    /**
     * Listens to what other nodes change of one kind: the keys they changed, or {@code null} when everything of
     * that kind may have changed (many changes at once, or this node was cut from the others for a while).
     */
    public void onChange(String kind, Consumer<Collection<String>> listener) {
        subscribers.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /**
     * Tells the other nodes that this key of this kind changed ({@code null}: everything of the kind); inside a
     * transaction, once it commits, so that they read what was committed.
     */
    public void changed(String kind, String key) {
        if (!clustered()) {
            return;
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    enqueue(kind, key);
                }
            });
        } else {
            enqueue(kind, key);
        }
    }

    private void enqueue(String kind, String key) {
        synchronized (outbox) {
            if (key == null || key.equals(EVERYTHING)) {
                outbox.put(kind, null);
            } else if (!outbox.containsKey(kind) || outbox.get(kind) != null) {
                Set<String> keys = outbox.computeIfAbsent(kind, k -> new LinkedHashSet<>());
                keys.add(key);
                if (keys.size() > MAX_KEYS_PER_FLUSH) {
                    outbox.put(kind, null);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ loop

    public synchronized void start() {
        if (!clustered() || running) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, "relais-cluster");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushQuietly();
        disconnect(false);
    }

    private void loop() {
        long backoff = 1000;
        long nextBeat = 0;
        while (running) {
            try {
                if (connection == null) {
                    connect();
                    backoff = 1000;
                    nextBeat = 0;
                }
                if (System.nanoTime() >= nextBeat) {
                    beat();
                    nextBeat = System.nanoTime() + heartbeat.toNanos();
                }
                flush();
                receive(100);
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                log.warn("Grappe : connexion à PostgreSQL perdue ({}) ; rôles rendus, nouvel essai dans {} s",
                        e.getMessage(), backoff / 1000);
                disconnect(true);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 8000);
            }
        }
    }

    private synchronized void connect() throws SQLException {
        Connection c = connector.open();
        try (Statement st = c.createStatement()) {
            // PostgreSQL notices a node whose machine vanished (no TCP reset) within about 20 s and frees its roles
            st.execute("SET tcp_keepalives_idle = 5");
            st.execute("SET tcp_keepalives_interval = 5");
            st.execute("SET tcp_keepalives_count = 3");
            st.execute("LISTEN " + CHANNEL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
        log.info("Grappe : nœud {} à l'écoute des autres nœuds (PostgreSQL)", id);
        // what changed while this node was not listening is unknown: everything kept is read again
        for (var kind : subscribers.entrySet()) {
            for (var listener : kind.getValue()) {
                dispatch(kind.getKey(), listener, null);
            }
        }
    }

    /** Tries every wanted role not held; checks the connection when every role is held. */
    private void beat() throws SQLException {
        Connection c;
        synchronized (this) {
            c = connection;
        }
        boolean tried = false;
        for (Role r : List.copyOf(wanted.values())) {
            if (held.contains(r.name())) {
                continue;
            }
            boolean got;
            synchronized (this) {
                try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                    st.setInt(1, LOCK_CLASS);
                    st.setInt(2, r.key());
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        got = rs.getBoolean(1);
                    }
                }
            }
            tried = true;
            if (got) {
                if (!wanted.containsKey(r.name())) {
                    release(r.name()); // given up meanwhile
                    continue;
                }
                held.add(r.name());
                log.info("Grappe : le nœud {} prend le rôle {}", id, r.name());
                notify(r, true);
            }
        }
        if (!tried) {
            synchronized (this) {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            }
        }
    }

    private void notify(Role r, boolean taken) {
        try {
            r.listener().leadership(taken);
        } catch (RuntimeException e) {
            log.error("Grappe : rôle {} : le changement de titulaire a échoué", r.name(), e);
        }
    }

    private void flush() throws SQLException {
        Map<String, Set<String>> pending;
        synchronized (outbox) {
            if (outbox.isEmpty()) {
                return;
            }
            pending = new LinkedHashMap<>(outbox);
            outbox.clear();
        }
        List<String> payloads = new ArrayList<>();
        for (var e : pending.entrySet()) {
            String head = id + '|' + e.getKey() + '|';
            if (e.getValue() == null) {
                payloads.add(head + EVERYTHING);
                continue;
            }
            StringBuilder b = new StringBuilder(head);
            for (String key : e.getValue()) {
                if (key.indexOf('\u001f') >= 0 || key.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD / 2) {
                    continue;
                }
                if (b.length() > head.length()
                        && b.toString().getBytes(StandardCharsets.UTF_8).length + key.length() * 4 + 1 > MAX_PAYLOAD) {
                    payloads.add(b.toString());
                    b = new StringBuilder(head);
                }
                b.append(b.length() > head.length() ? "\u001f" : "").append(key);
            }
            payloads.add(b.toString());
        }
        synchronized (this) {
            try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                for (String p : payloads) {
                    st.setString(1, CHANNEL);
                    st.setString(2, p);
                    st.execute();
                }
            }
        }
    }

    private void flushQuietly() {
        try {
            if (connection != null) {
                flush();
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("Grappe : derniers changements non annoncés ({})", e.getMessage());
        }
    }

    private void receive(int waitMillis) throws SQLException {
        PGNotification[] got;
        synchronized (this) {
            got = connection.unwrap(PGConnection.class).getNotifications(waitMillis);
        }
        if (got == null) {
            return;
        }
        for (PGNotification n : got) {
            String[] parts = n.getParameter().split("\\|", 3);
            if (parts.length < 3 || parts[0].equals(id)) {
                continue; // this node's own news
            }
            List<Consumer<Collection<String>>> listeners = subscribers.get(parts[1]);
            if (listeners == null) {
                continue;
            }
            Collection<String> keys = parts[2].equals(EVERYTHING) ? null : List.of(parts[2].split("\u001f"));
            for (var listener : listeners) {
                dispatch(parts[1], listener, keys);
            }
        }
    }

    private static void dispatch(String kind, Consumer<Collection<String>> listener, Collection<String> keys) {
        try {
            listener.accept(keys);
        } catch (RuntimeException e) {
            log.error("Grappe : changement {} d'un autre nœud non pris en compte", kind, e);
        }
    }

    private void disconnect(boolean lost) {
        for (String role : List.copyOf(held)) {
            held.remove(role);
            Role r = wanted.get(role);
            if (r != null) {
                log.warn("Grappe : le nœud {} rend le rôle {}", id, role);
                notify(r, false);
            }
        }
        synchronized (this) {
            if (connection != null) {
                try {
                    connection.close(); // PostgreSQL frees the advisory locks of the session
                } catch (SQLException e) {
                    log.debug("Grappe : fermeture : {}", e.getMessage());
                }
                connection = null;
            }
        }
        if (lost) {
            // changes of other nodes may be missed until this node listens again: kept copies are not trusted
            for (var kind : subscribers.entrySet()) {
                for (var listener : kind.getValue()) {
                    dispatch(kind.getKey(), listener, null);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
