package fr.relais.classlog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The broker's guarantees as the engine relies on them (Artemis, persistent queues, local transactions): a message
 * sent in a transaction appears at its commit, a message received in one leaves the queue only at its commit, and
 * comes back on a rollback or a crash, marked redelivered; a group's messages go one at a time, in order; a
 * delivery refused the configured number of times goes to its dead-letter queue. Timing is the scheduler's: a
 * delivery put back with a redelivery delay may be overtaken by the next messages of its queue, a change (no delay
 * on that queue) never is.
 */
final class SimBroker {

    static final class Message {
        final long seq;
        final String body;
        final Map<String, String> properties;
        final long version;
        int deliveries;
        boolean redelivered;

        Message(long seq, String body, Map<String, String> properties, long version) {
            this.seq = seq;
            this.body = body;
            this.properties = properties;
            this.version = version;
        }

        String group() {
            return properties.getOrDefault("JMSXGroupID", "#" + seq);
        }
    }

    /** What a consumer holds: the message and what it sent in its transaction. */
    final class Receipt {
        final String queue;
        final Message message;
        final List<Object[]> sent = new ArrayList<>();

        Receipt(String queue, Message message) {
            this.queue = queue;
            this.message = message;
        }

        ClassLogSync.Sender sender() {
            return (queue, body, properties, version) -> sent.add(new Object[] {queue, body, properties, version});
        }
    }

    private final Random random;
    private final int attempts;
    private final Map<String, List<Message>> queues = new TreeMap<>();
    private final Set<String> busy = new HashSet<>();
    private final Map<Receipt, Boolean> inFlight = new LinkedHashMap<>();
    private long seq;

    SimBroker(Random random, int attempts) {
        this.random = random;
        this.attempts = attempts;
    }

    /** Messages sent, checks of a tool's feed aside (see settle). */
    long sends;

    void send(String queue, String body, Map<String, String> properties, long version) {
        if (!body.contains("\"probe\"")) {
            sends++;
        }
        queues.computeIfAbsent(queue, q -> new ArrayList<>()).add(new Message(++seq, body, Map.copyOf(properties), version));
    }

    /** The queues with a message a consumer could take now. */
    List<String> ready() {
        List<String> out = new ArrayList<>();
        queues.forEach((q, messages) -> {
            if (!q.startsWith("DLQ.") && next(q) != null) {
                out.add(q);
            }
        });
        return out;
    }

    private Message next(String queue) {
        Set<String> seen = new HashSet<>();
        for (Message m : queues.getOrDefault(queue, List.of())) {
            String key = queue + "|" + m.group();
            if (!busy.contains(key) && seen.add(key)) {
                return m;
            }
            seen.add(key);
        }
        return null;
    }

    Receipt take(String queue) {
        Message m = next(queue);
        if (m == null) {
            return null;
        }
        m.deliveries++;
        busy.add(queue + "|" + m.group());
        Receipt r = new Receipt(queue, m);
        inFlight.put(r, true);
        return r;
    }

    void commit(Receipt r) {
        inFlight.remove(r);
        queues.get(r.queue).remove(r.message);
        busy.remove(r.queue + "|" + r.message.group());
        for (Object[] s : r.sent) {
            @SuppressWarnings("unchecked")
            Map<String, String> properties = (Map<String, String>) s[2];
            send((String) s[0], (String) s[1], properties, (Long) s[3]);
        }
    }

    /** The consumer failed: the message comes back (after its delay on a delivery queue), or goes to dead letters. */
    void rollback(Receipt r) {
        inFlight.remove(r);
        busy.remove(r.queue + "|" + r.message.group());
        Message m = r.message;
        m.redelivered = true;
        List<Message> queue = queues.get(r.queue);
        if (r.queue.startsWith(ClassLogSync.DELIVER)) {
            queue.remove(m);
            if (m.deliveries >= attempts) {
                queues.computeIfAbsent("DLQ." + r.queue, q -> new ArrayList<>()).add(m);
            } else if (random.nextBoolean()) {
                queue.add(m); // its redelivery delay let the rest of the queue go first
            } else {
                queue.add(0, m);
            }
        }
    }

    /** Relais died: what its consumers held comes back, redelivered (the count is not kept across a restart). */
    void crashed() {
        for (Receipt r : new ArrayList<>(inFlight.keySet())) {
            inFlight.remove(r);
            busy.remove(r.queue + "|" + r.message.group());
            r.message.redelivered = random.nextBoolean();
            r.message.deliveries = 0;
        }
    }

    /** Every dead letter back on its queue, as the admin API's replay does. */
    int replayDeadLetters() {
        int n = 0;
        for (String q : new ArrayList<>(queues.keySet())) {
            if (q.startsWith("DLQ.")) {
                for (Message m : queues.get(q)) {
                    m.deliveries = 0;
                    queues.computeIfAbsent(q.substring(4), x -> new ArrayList<>()).add(m);
                    n++;
                }
                queues.get(q).clear();
            }
        }
        return n;
    }

    int size(String queue) {
        return queues.getOrDefault(queue, List.of()).size();
    }

    /** Messages in any queue, dead letters included. */
    int total() {
        return queues.values().stream().mapToInt(List::size).sum();
    }
}
