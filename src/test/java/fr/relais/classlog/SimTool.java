package fr.relais.classlog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import fr.relais.connector.Connector;

/**
 * A class-log tool in the simulation, with its family's way of naming and versioning lessons: ids made by the tool
 * (NEO: numbers from 1001; EcoleDirecte: numbers from 1; Skolengo: opaque ids), a change counter that is both the
 * watermark and the version of each change (NEO {@code modified}, EcoleDirecte's modification number, Skolengo's
 * {@code updateSequence}), a change feed read after a watermark a page at a time, deletes as tombstones in the feed,
 * its own clock for what it stores (Relais' writes included). It can be down, refuse lessons, forget everything
 * (reinstalled: ids and counter start over) or go back to a backup.
 */
final class SimTool {

    enum Style { NEO, ECOLEDIRECTE, SKOLENGO }

    static final class Copy {
        final String id;
        ClassLogEntry entry;
        long seq;
        Instant modifiedAt;
        boolean deleted;

        Copy(String id) {
            this.id = id;
        }

        Copy copy() {
            Copy c = new Copy(id);
            c.entry = entry;
            c.seq = seq;
            c.modifiedAt = modifiedAt;
            c.deleted = deleted;
            return c;
        }
    }

    record Backup(Map<String, Copy> copies, long sequence, long nextId) {
    }

    final String id;
    final Style style;
    private final SimScheduler scheduler;
    private final SimClock clock;
    private final Random random;
    final int pageSize;
    Map<String, Copy> copies = new LinkedHashMap<>();
    long sequence;
    long nextId;
    boolean down;
    final Set<String> refusedTitles = new TreeSet<>();
    /** Calls Relais made, for the trace. */
    int calls;
    java.util.function.Consumer<String> tracer = line -> { };
    /**
     * Copies Relais has just checked before overwriting them (find, then write): the one round trip between the two
     * is a window no tool API here lets Relais close (no conditional write), so the simulated teachers leave those
     * copies alone until Relais' write (README, "Limites").
     */
    final Set<String> checked = new java.util.HashSet<>();

    SimTool(String id, Style style, SimScheduler scheduler, SimClock clock, Random random, int pageSize) {
        this.id = id;
        this.style = style;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.pageSize = pageSize;
        reinstall();
        sequence = Long.getLong("sim.history", 0);
    }

    /** As installed anew: nothing, and ids and counter start over. */
    void reinstall() {
        copies = new LinkedHashMap<>();
        sequence = 0;
        nextId = style == Style.NEO ? 1001 : 1;
    }

    Backup backup() {
        Map<String, Copy> saved = new LinkedHashMap<>();
        copies.forEach((k, v) -> saved.put(k, v.copy()));
        return new Backup(saved, sequence, nextId);
    }

    void restore(Backup b) {
        copies = new LinkedHashMap<>();
        b.copies().forEach((k, v) -> copies.put(k, v.copy()));
        sequence = b.sequence();
        nextId = b.nextId();
    }

    private String newId() {
        long n = nextId++;
        return style == Style.SKOLENGO ? "hw-" + Long.toString(n * 7919 + 104729, 36) : String.valueOf(n);
    }

    // ------------------------------------------------------------------------------------- what teachers do

    Copy teacherWrites(ClassLogEntry entry) {
        Copy c = new Copy(newId());
        copies.put(c.id, c);
        stamp(c, entry, false);
        return c;
    }

    void teacherEdits(Copy c, ClassLogEntry entry) {
        stamp(c, entry, false);
    }

    void teacherDeletes(Copy c) {
        stamp(c, c.entry, true);
    }

    private void stamp(Copy c, ClassLogEntry entry, boolean deleted) {
        c.entry = entry;
        c.deleted = deleted;
        c.seq = ++sequence;
        c.modifiedAt = clock.now();
    }

    /** What a teacher can edit now (see {@link #checked}). */
    List<Copy> editable() {
        return copies.values().stream().filter(c -> !c.deleted && !checked.contains(c.id)).toList();
    }

    List<Copy> live() {
        return copies.values().stream().filter(c -> !c.deleted).toList();
    }

    // -------------------------------------------------------------------------------- what Relais calls

    private void call(String what) throws ToolException {
        scheduler.yieldPoint(id + " : " + what);
        calls++;
        if (down) {
            throw ToolException.unavailable(id + " injoignable (HTTP 503)", null);
        }
    }

    /** After the tool did it, before Relais hears the answer: a crash here loses the answer, not the deed. */
    private void answered(String what) {
        scheduler.yieldPoint(id + " : réponse de " + what);
    }

    List<ToolClient.Polled> poll(String school, String watermark) throws ToolException {
        call("relève depuis " + watermark);
        long since = watermark == null ? 0 : Long.parseLong(watermark);
        List<ToolClient.Polled> out = new ArrayList<>();
        copies.values().stream().filter(c -> c.seq > since && school.equals(c.entry.school()))
                .sorted(java.util.Comparator.comparingLong(c -> c.seq)).limit(pageSize).forEach(c -> out.add(
                        new ToolClient.Polled(new ClassLogStore.ToolChange(id, c.id, String.valueOf(c.seq), c.modifiedAt,
                                c.deleted, c.deleted ? null : c.entry), String.valueOf(c.seq))));
        if (!out.isEmpty()) {
            tracer.accept("relève de " + id + " depuis " + watermark + " : " + out.stream().map(p -> p.change()
                    .toolEntryId() + "@" + p.change().toolVersion()).toList());
        }
        answered("relève");
        return out;
    }

    ToolClient.Written write(String toolEntryId, ClassLogEntry entry) throws ToolException {
        call("écriture de " + (toolEntryId == null ? "'" + entry.title() + "'" : toolEntryId));
        if (refusedTitles.contains(entry.title())) {
            throw ToolException.refused(id + " refuse la séance '" + entry.title() + "' (HTTP 422)");
        }
        checked.remove(toolEntryId);
        Copy c;
        if (toolEntryId == null) {
            c = new Copy(newId());
            copies.put(c.id, c);
        } else {
            c = copies.get(toolEntryId);
            if (c == null || c.deleted) {
                throw ToolException.notFound(id + " : séance " + toolEntryId + " inconnue (HTTP 404)");
            }
        }
        stamp(c, entry, false);
        tracer.accept("Relais écrit « " + entry.content() + " » dans " + id + " : " + c.id + "@" + c.seq);
        ToolClient.Written answer = new ToolClient.Written(c.id, String.valueOf(c.seq)); // the tool's answer, as sent
        answered("écriture");
        return answer;
    }

    void delete(String toolEntryId) throws ToolException {
        call("suppression de " + toolEntryId);
        checked.remove(toolEntryId);
        Copy c = copies.get(toolEntryId);
        if (c != null && !c.deleted) {
            stamp(c, c.entry, true);
            tracer.accept("Relais supprime '" + c.entry.title() + "' dans " + id + " : " + c.id + "@" + c.seq);
        }
        answered("suppression");
    }

    Optional<ToolClient.Written> find(ClassLogEntry entry) throws ToolException {
        call("recherche de '" + entry.title() + "'");
        Optional<ToolClient.Written> out = copies.values().stream().filter(c -> !c.deleted && c.entry.sameLesson(entry))
                .findFirst().map(c -> new ToolClient.Written(c.id, String.valueOf(c.seq), c.entry));
        out.ifPresent(w -> checked.add(w.toolEntryId()));
        answered("recherche");
        return out;
    }

    /** The tool's client in the engine: one per family, each tool found by its connector id. */
    static ToolClient client(String family, Map<String, SimTool> tools) {
        return new ToolClient() {
            @Override
            public String family() {
                return family;
            }

            @Override
            public List<Polled> poll(Connector tool, String school, String watermark) throws ToolException {
                return tools.get(tool.id()).poll(school, watermark);
            }

            @Override
            public Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException {
                return tools.get(tool.id()).write(toolEntryId, entry);
            }

            @Override
            public void delete(Connector tool, String school, String toolEntryId) throws ToolException {
                tools.get(tool.id()).delete(toolEntryId);
            }

            @Override
            public Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException {
                return tools.get(tool.id()).find(entry);
            }
        };
    }

    /** The logical clock of the simulated world: a second per tick, from the rentrée. */
    static final class SimClock {
        private Instant now = Instant.parse("2026-09-01T06:00:00Z");

        Instant now() {
            now = now.plusSeconds(1);
            return now;
        }

        long millis() {
            return now.toEpochMilli();
        }
    }
}
