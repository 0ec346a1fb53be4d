package fr.relais.audit;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import fr.relais.platform.Tokens;

/**
 * The one audit writer: who did what, which personal data, for whom, when, and whether it was allowed. Events
 * are chained by SHA-256 (each hash covers the previous one), so a change or a deletion shows in
 * {@link #verify()}. Appends are serialised through a row lock on the chain's head ({@code audit_head}), so
 * several nodes can write; a deleted last event shows as a head that no event matches.
 */
@Component
public class AuditTrail {

    public enum Outcome { ALLOWED, REFUSED, DONE }

    /**
     * @param personalData the kinds of personal data concerned (e.g. {@code identité,classes}); empty when none
     * @param recipient    who received them (a tool, a publisher), when any
     */
    public record Event(long seq, Instant at, String action, String actor, String subject, String personalData,
                        String recipient, Outcome outcome, String detail, String prevHash, String hash) {
    }

    static final String GENESIS = "0".repeat(64);
    private final JdbcTemplate jdbc;
    private final org.springframework.transaction.support.TransactionTemplate tx;
    /** Events of the hot paths (licence decisions), written by one thread in batches. */
    private final java.util.concurrent.BlockingQueue<Object[]> pending = new java.util.concurrent.LinkedBlockingQueue<>(100_000);
    private volatile Thread writer;
    private static final int MAX_BATCH = 5000;
    private static final long GATHER_MILLIS = 200;
    /** How often the writer moves new events into the index by subject (see {@link #indexSubjects}). */
    private static final long INDEX_EVERY_NANOS = 5_000_000_000L;
    private long lastIndexed = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();

    public AuditTrail(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.tx = jdbc.getDataSource() == null ? null : new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()));
    }

    /**
     * Records an event of a hot path without making the caller wait for the chain's lock: events are appended
     * by one writer, in order, a batch per transaction, within about 250 ms (and before shutdown completes). A
     * full queue makes the caller write synchronously: nothing is dropped.
     */
    public void recordSoon(String action, String actor, String subject, String personalData, String recipient,
                           Outcome outcome, String detail) {
        if (writer == null) {
            startWriter();
        }
        if (pending.offer(new Object[] {action, actor, subject, personalData, recipient, outcome, detail})) {
            queued.incrementAndGet();
        } else {
            record(action, actor, subject, personalData, recipient, outcome, detail);
        }
    }

    /** The writer also keeps the index by subject up to date, whoever appends. */
    @org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
    public void started() {
        startWriter();
    }

    private synchronized void startWriter() {
        if (writer != null) {
            return;
        }
        writer = new Thread(() -> {
            java.util.List<Object[]> batch = new java.util.ArrayList<>();
            while (!Thread.currentThread().isInterrupted() || !pending.isEmpty() || !batch.isEmpty()) {
                try {
                    if (inboxSignal || System.nanoTime() - lastInbox >= INBOX_EVERY_NANOS) {
                        inboxSignal = false;
                        lastInbox = System.nanoTime();
                        chainInbox();
                    }
                    if (System.nanoTime() - lastIndexed >= INDEX_EVERY_NANOS) {
                        lastIndexed = System.nanoTime();
                        indexSubjects();
                    }
                    if (batch.isEmpty()) {
                        boolean stopping = Thread.currentThread().isInterrupted();
                        Object[] first = stopping ? pending.poll()
                                : pending.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                        if (first == null) {
                            continue;
                        }
                        batch.add(first);
                        if (!stopping) {
                            // the events of the next 200 ms go into the same transaction: with H2, every commit
                            // rewrites the pages it touched, so fewer and larger batches cost much less per event
                            Thread.sleep(GATHER_MILLIS);
                        }
                    }
                    pending.drainTo(batch, Math.max(0, MAX_BATCH - batch.size()));
                    flush(batch);
                    written.addAndGet(batch.size());
                    batch.clear();
                } catch (InterruptedException e) {
                    // stopping: the loop goes on until what was taken and what is queued are written
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        // stopping and the database refuses: say what is lost rather than spin until killed
                        org.slf4j.LoggerFactory.getLogger(AuditTrail.class).error("audit: {} events not written at "
                                + "shutdown, the database refused them", batch.size(), e);
                        batch.clear();
                        continue;
                    }
                    org.slf4j.LoggerFactory.getLogger(AuditTrail.class).error("audit: batch or index by subject not "
                            + "written, retrying", e);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException stop) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Appends a batch in one transaction: the head is locked and read once, the events are chained in memory,
     * inserted in one JDBC batch, and the head moved once; the chain is the same as with one {@link #record}
     * per event.
     */
    private void flush(java.util.List<Object[]> batch) {
        tx.executeWithoutResult(status -> {
            jdbc.update("UPDATE audit_head SET seq = seq + ? WHERE id = 1", batch.size());
            Object[] head = jdbc.queryForObject("SELECT seq, hash FROM audit_head WHERE id = 1",
                    (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)});
            long seq = (long) head[0] - batch.size();
            String prev = (String) head[1];
            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            java.util.List<Object[]> rows = new java.util.ArrayList<>(batch.size());
            for (Object[] e : batch) {
                seq++;
                String detail = e[6] == null ? null : ((String) e[6]).length() > 2000 ? ((String) e[6]).substring(0, 2000)
                        : (String) e[6];
                String hash = hash(seq, at, (String) e[0], (String) e[1], (String) e[2], (String) e[3], (String) e[4],
                        (Outcome) e[5], detail, prev);
                rows.add(new Object[] {seq, Timestamp.from(at), e[0], e[1], e[2], e[3], e[4], ((Outcome) e[5]).name(),
                        detail, prev, hash});
                prev = hash;
            }
            jdbc.batchUpdate("""
                    INSERT INTO audit_event (seq, at, action, actor, subject, personal_data, recipient, outcome, detail,
                        prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows);
            jdbc.update("UPDATE audit_head SET hash = ? WHERE id = 1", prev);
        });
    }

    /**
     * Returns once the events recorded so far are written and indexed by subject: for benchmarks, which count
     * that deferred work in the time of the requests that caused it.
     */
    public void settle() throws InterruptedException {
        chainInbox();
        long target = queued.get();
        while (writer != null && written.get() < target) {
            Thread.sleep(1);
        }
        indexSubjects();
    }

    /** Writes what is still queued; called at shutdown. */
    @jakarta.annotation.PreDestroy
    public void drain() {
        Thread w = writer;
        if (w != null) {
            // the writer finishes the batch it holds and what is queued, then stops
            w.interrupt();
            try {
                w.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        java.util.List<Object[]> rest = new java.util.ArrayList<>();
        pending.drainTo(rest);
        if (!rest.isEmpty()) {
            flush(rest);
        }
        try {
            chainInbox();
        } catch (RuntimeException e) {
            // durable in the inbox: the next start chains them
            org.slf4j.LoggerFactory.getLogger(AuditTrail.class).warn("audit: boîte d'entrée non chaînée à l'arrêt ({})",
                    e.toString());
        }
        if (w != null) {
            try {
                indexSubjects();
            } catch (RuntimeException e) {
                // the next start indexes them
                org.slf4j.LoggerFactory.getLogger(AuditTrail.class).warn("audit: index by subject not brought up to "
                        + "date at shutdown ({})", e.toString());
            }
        }
    }

    /** Events indexed per transaction, at most: a rebuild (after V20) goes in steps, not in one transaction. */
    private static final int INDEX_STEP = 50_000;
    /** Events per epoch of the index (2^16): a batch only inserts into the latest epochs' part of the tree. */
    private static final int EPOCH_BITS = 16;
    /** Up to 2^39 events (5.5 x 10^11): 23 bits of epoch above the 24 of the bucket and the 16 of the seq. */
    private static final long MAX_SEQ = (1L << 39) - 1;

    /**
     * The subject's bucket among 2^24: within an epoch, a person's events sit together in the index. {@link
     * String#hashCode} is fixed by the language, so every node and every version computes the same bucket; the
     * multiplication spreads the close ids of one feed.
     */
    public static long bucket(String subject) {
        return ((subject.hashCode() * 0x9E3779B9L) >>> 8) & 0xFF_FFFFL;
    }

    /**
     * The event's key in the index: {@code epoch | bucket | seq within the epoch} (23 + 24 + 16 bits). The epoch
     * first keeps each batch of the index within the last 2^16 events' part of the tree, so the pages a batch
     * rewrites stay as many however long the trail gets (keyed by subject first, every batch touched pages all
     * over an index that only grows).
     */
    static long key(long seq, String subject) {
        return (seq >>> EPOCH_BITS) << (24 + EPOCH_BITS) | bucket(subject) << EPOCH_BITS | seq & 0xFFFF;
    }

    /**
     * Moves the events appended since the last time into the index by subject, in one transaction per step of
     * {@value #INDEX_STEP}: every few seconds, so that each page of the index takes many events at once (one insert
     * per event into an index on random person ids rewrote one page per event at every commit). Nodes take turns
     * through the mark's row lock.
     */
    public void indexSubjects() {
        while (Boolean.TRUE.equals(tx.execute(status -> {
            long from = jdbc.queryForObject("SELECT seq FROM audit_subject_mark WHERE id = 1 FOR UPDATE", Long.class);
            // committed events only: an append holds the head's row lock until it commits
            long head = jdbc.queryForObject("SELECT seq FROM audit_head WHERE id = 1", Long.class);
            long to = Math.min(head, from + INDEX_STEP);
            if (to <= from) {
                return false;
            }
            if (to > MAX_SEQ) {
                throw new IllegalStateException("audit : index par personne plein (2^39 événements), à archiver");
            }
            List<Long> keys = jdbc.query("SELECT seq, subject FROM audit_event WHERE seq > ? AND seq <= ? "
                    + "AND subject IS NOT NULL", (rs, n) -> key(rs.getLong(1), rs.getString(2)), from, to);
            long[] sorted = keys.stream().mapToLong(Long::longValue).sorted().toArray();
            jdbc.batchUpdate("INSERT INTO audit_subject_key (k) VALUES (?)",
                    java.util.Arrays.stream(sorted).mapToObj(k -> new Object[] {k}).toList());
            jdbc.update("UPDATE audit_subject_mark SET seq = ? WHERE id = 1", to);
            return to < head;
        }))) {
            // a backlog (a rebuild, a node that was down): the next step at once
        }
    }

    /**
     * Records an event in the caller's transaction, durable with what it records, without waiting for the chain:
     * it goes into the inbox, which the writer chains within about 250 ms, many events per transaction (see
     * {@link #chainInbox}). Readers of the trail ({@link #latest}, {@link #verify}, {@link #settle}) chain what is
     * waiting first, so that they see every event recorded before them.
     */
    @Transactional
    public void record(String action, String actor, String subject, String personalData, String recipient,
                       Outcome outcome, String detail) {
        String safeDetail = detail == null ? null : detail.length() > 2000 ? detail.substring(0, 2000) : detail;
        jdbc.update("""
                INSERT INTO audit_inbox (at, action, actor, subject, personal_data, recipient, outcome, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", Timestamp.from(Instant.now().truncatedTo(ChronoUnit.MILLIS)), action,
                actor, subject, personalData, recipient, outcome.name(), safeDetail);
        inboxSignal = true;
    }

    /** Set by {@link #record}: the writer looks at the inbox at once rather than at its next periodic look. */
    private volatile boolean inboxSignal;
    /** How often the writer looks at the inbox unasked (events another node recorded and could not chain). */
    private static final long INBOX_EVERY_NANOS = 250_000_000L;
    private long lastInbox = 0;

    /**
     * Moves the inbox into the chain, in order of recording, {@value #MAX_BATCH} events per transaction: the head
     * is locked (nodes take turns), the events read, chained in memory with the time they were recorded, inserted
     * in one JDBC batch and removed from the inbox, and the head moved once. An event whose transaction has not
     * committed yet is not seen and goes into a later batch. Answers whether events were moved.
     */
    public boolean chainInbox() {
        if (jdbc.queryForList("SELECT id FROM audit_inbox LIMIT 1", Long.class).isEmpty()) {
            return false; // nothing waits: the head is not locked (each node's writer looks every 250 ms)
        }
        int moved = 0;
        for (int batch = MAX_BATCH; batch == MAX_BATCH; moved += batch) {
            batch = tx.execute(status -> {
                Object[] head = jdbc.queryForObject("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                        (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)});
                long seq = (long) head[0];
                String prev = (String) head[1];
                java.util.List<Object[]> rows = new java.util.ArrayList<>();
                java.util.List<Object[]> ids = new java.util.ArrayList<>();
                String[] last = {prev};
                long[] next = {seq};
                jdbc.query("SELECT id, at, action, actor, subject, personal_data, recipient, outcome, detail FROM audit_inbox "
                        + "ORDER BY id LIMIT " + MAX_BATCH, rs -> {
                            next[0]++;
                            Instant at = rs.getTimestamp(2).toInstant();
                            Outcome outcome = Outcome.valueOf(rs.getString(8));
                            String hash = hash(next[0], at, rs.getString(3), rs.getString(4), rs.getString(5),
                                    rs.getString(6), rs.getString(7), outcome, rs.getString(9), last[0]);
                            rows.add(new Object[] {next[0], Timestamp.from(at), rs.getString(3), rs.getString(4),
                                    rs.getString(5), rs.getString(6), rs.getString(7), outcome.name(), rs.getString(9),
                                    last[0], hash});
                            ids.add(new Object[] {rs.getLong(1)});
                            last[0] = hash;
                        });
                if (rows.isEmpty()) {
                    return 0;
                }
                jdbc.batchUpdate("""
                        INSERT INTO audit_event (seq, at, action, actor, subject, personal_data, recipient, outcome, detail,
                            prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows);
                jdbc.batchUpdate("DELETE FROM audit_inbox WHERE id = ?", ids);
                jdbc.update("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", next[0], last[0]);
                return rows.size(); // a full batch: the next one at once
            });
        }
        return moved > 0;
    }

    /** The latest events, of one subject when given (the indexed ones, and the few seconds' not indexed yet). */
    public List<Event> latest(int limit, String subject) {
        chainInbox();
        String columns = "SELECT e.seq, e.at, e.action, e.actor, e.subject, e.personal_data, e.recipient, e.outcome, "
                + "e.detail, e.prev_hash, e.hash FROM audit_event e";
        org.springframework.jdbc.core.RowMapper<Event> event = (rs, n) -> new Event(rs.getLong(1),
                rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), Outcome.valueOf(rs.getString(8)), rs.getString(9), rs.getString(10), rs.getString(11));
        if (subject == null) {
            return jdbc.query(columns + " ORDER BY e.seq DESC LIMIT ?", event, limit);
        }
        long mark = jdbc.queryForObject("SELECT seq FROM audit_subject_mark WHERE id = 1", Long.class);
        // the ranges meet at the mark read first: an index batch committed meanwhile neither hides nor repeats one
        List<Event> out = new java.util.ArrayList<>(jdbc.query(columns + " WHERE e.seq > ? AND e.subject = ? "
                + "ORDER BY e.seq DESC LIMIT ?", event, mark, subject, limit));
        if (out.size() < limit) {
            // the subject's bucket in each epoch, newest first, up to the mark; the other persons of the bucket are
            // left out. (A look-up reads one range per 65,536 events of the trail: seconds for a trail of billions.)
            for (long epoch = mark >>> EPOCH_BITS; epoch >= 0 && out.size() < limit; epoch--) {
                long low = key(epoch << EPOCH_BITS, subject);
                out.addAll(jdbc.query(columns + " JOIN audit_subject_key s ON e.seq = s.k - ? WHERE s.k >= ? AND s.k <= ? "
                        + "AND e.seq <= ? AND e.subject = ? ORDER BY s.k DESC LIMIT ?", event, low - (epoch << EPOCH_BITS),
                        low, low + 0xFFFF, mark, subject, limit - out.size()));
            }
        }
        return out;
    }

    /** The first event whose hash or link does not hold, if any; the whole chain is read in order. */
    public Optional<Long> verify() {
        chainInbox();
        String[] previous = {GENESIS};
        long[] expected = {1};
        Long[] broken = {null};
        jdbc.query("SELECT seq, at, action, actor, subject, personal_data, recipient, outcome, detail, prev_hash, hash "
                + "FROM audit_event ORDER BY seq", rs -> {
                    if (broken[0] != null) {
                        return;
                    }
                    long seq = rs.getLong(1);
                    String recomputed = hash(seq, rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), Outcome.valueOf(rs.getString(8)),
                            rs.getString(9), previous[0]);
                    if (seq != expected[0] || !previous[0].equals(rs.getString(10)) || !recomputed.equals(rs.getString(11))) {
                        broken[0] = seq != expected[0] ? expected[0] : seq;
                        return;
                    }
                    previous[0] = rs.getString(11);
                    expected[0] = seq + 1;
                });
        if (broken[0] == null) {
            Object[] head = jdbc.queryForObject("SELECT seq, hash FROM audit_head WHERE id = 1",
                    (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)});
            if ((long) head[0] != expected[0] - 1 || !previous[0].equals(head[1])) {
                broken[0] = expected[0];
            }
        }
        return Optional.ofNullable(broken[0]);
    }

    static String hash(long seq, Instant at, String action, String actor, String subject, String personalData,
                       String recipient, Outcome outcome, String detail, String prev) {
        return Tokens.sha256(String.join("\u001f", String.valueOf(seq), at.truncatedTo(ChronoUnit.MILLIS).toString(),
                action, actor, String.valueOf(subject), String.valueOf(personalData), String.valueOf(recipient),
                outcome.name(), String.valueOf(detail), prev));
    }
}
