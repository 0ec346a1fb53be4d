package fr.relais.classlog;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * The canonical cahier de textes in the database: every change from a tool lands here once.
 * <ul>
 * <li>Idempotent by (tool, tool's id, tool's version): the same change twice, or Relais' own write read back
 * from the tool it went to, changes nothing (no echo).</li>
 * <li>Conflicts (the entry changed in another tool since this tool last synced): the latest modification at its
 * source wins, ties by the configured tool precedence; the losing change is kept and listed.</li>
 * <li>Every version is kept with its source; deletes are tombstones; an entry changed after its visa keeps the
 * countersigned version in its history.</li>
 * </ul>
 */
public class ClassLogStore {

    /** One change read from a tool. {@code entry} is null for a delete. */
    public record ToolChange(String tool, String toolEntryId, String toolVersion, Instant modifiedAt, boolean deleted,
                             ClassLogEntry entry, Instant readAt) {

        public ToolChange(String tool, String toolEntryId, String toolVersion, Instant modifiedAt, boolean deleted,
                          ClassLogEntry entry) {
            this(tool, toolEntryId, toolVersion, modifiedAt, deleted, entry, null);
        }

        /**
         * When the tool showed this change: the moment its page was read (null when unknown: then {@code now}).
         * Recorded as the tool entry's {@code last_seen}, which a feed check compares with its own reading of the
         * tool (see ClassLogSync#checkFeed), whenever the page is applied.
         */
        Timestamp seenAt(Instant now) {
            return Timestamp.from(readAt == null ? now : readAt);
        }
    }

    public sealed interface Result permits Created, Updated, Unchanged, ConflictLost, Rejected, Parked, AwaitsFeedCheck,
            ReadAgain {
    }

    public record Created(String id, long version, boolean cleaned) implements Result {
    }


    public record Updated(String id, long version, boolean cleaned) implements Result {
    }

    /**
     * Nothing to apply. {@code repeated}: this very change (tool, id, version) was applied before and made the
     * entry's current version, so the tools that do not hold that version may still need it (a crash between the
     * canonical write and the fan-out); otherwise the tool merely holds what the log holds (Relais' own write
     * read back, or an older change).
     */
    public record Unchanged(String id, boolean repeated) implements Result {
    }

    public record ConflictLost(String id, long winnerVersion) implements Result {
    }

    public record Rejected(List<String> reasons) implements Result {
    }

    /**
     * Kept aside until the directory knows the change's school, class or group (its only faults): applied then
     * by {@link ParkedEntries}, replaced by a later change of the same tool entry, removed by its delete.
     */
    public record Parked(List<String> reasons) implements Result {
    }

    /**
     * A change that gives the lesson Relais knows under this tool entry another title, date or start: a teacher's
     * edit, or a reinstalled or restored tool that gave the id to a new lesson with a counter that lines up (no id or
     * version tells them apart). Kept aside, like a parked change, until a check of the tool's feed read after it
     * says which: applied when the feed did not go backwards; read again from the tool's start when it did. Only a
     * change read by a poll ({@code readAt} known) is held, and not when what is recorded of the entry came from the
     * same read (two versions in one page: no reset can come between them).
     */
    public record AwaitsFeedCheck(String id, String reason) implements Result {
    }

    /**
     * A change that moves a lesson Relais knows under that id into another class: what a tool that went back does when
     * it gives the id to a new lesson, whatever its counter says (a teacher rarely moves a lesson between classes).
     * Kept for the re-read from the tool's start it asks for, which judges it by content: the new lesson is added and
     * the old one kept (written back into the tool).
     */
    public record ReadAgain(String id, String reason) implements Result {
    }

    private record Current(String id, long version, Instant modifiedAt, String sourceTool, boolean deleted,
                           String document) {
    }

    private final JdbcTemplate jdbc;
    private final List<String> precedence;
    /** New entries' ids (the simulation replaces it, to replay a run exactly). */
    java.util.function.Supplier<String> ids = ClassLogStore::timeOrderedId;
    /** What the store records as now (see ClassLogSync's clock: the simulation's own, for exact replays). */
    java.util.function.Supplier<Instant> clock = Instant::now;
    private final ParkedEntries.Rows parked;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** @param precedence tools in order of precedence for conflicts at the same instant (first wins) */
    public ClassLogStore(JdbcTemplate jdbc, List<String> precedence) {
        this.jdbc = jdbc;
        this.precedence = precedence;
        this.parked = new ParkedEntries.Rows(jdbc, json, this);
    }

    /** The changes kept aside for the directory, in this store's database. */
    ParkedEntries.Rows parked() {
        return parked;
    }

    private volatile Boolean postgres;

    /** Whether the log is in PostgreSQL (production), rather than H2 (embedded). */
    boolean postgres() {
        Boolean p = postgres;
        if (p == null) {
            p = jdbc.execute((ConnectionCallback<Boolean>) c -> "PostgreSQL".equals(c.getMetaData().getDatabaseProductName()));
            postgres = p;
        }
        return p;
    }

    /**
     * A condition on a table keyed by tool: {@code alias.tool} is {@code tool} and {@code alias.column} one of these
     * values (at most a few hundred), with its parameters. On PostgreSQL the values go as one array, in the condition
     * (one statement text, planned once per connection). On H2 they go as one array too, but as a table of their own
     * that the statement joins ({@link #from}): H2 then looks each value up in the index on (tool, column). (An
     * {@code = ANY} on H2 went through all of the tool's rows; a list of row values {@code IN ((?, ?), ...)} was
     * looked up value by value, but each row found was then compared again with the whole list: 250,000
     * comparisons for a page of 500, most of the poll's look-up of its echoes.)
     *
     * @param keys the table of the values, to put before the statement's own tables ("" on PostgreSQL)
     * @param args the parameters, in the order of the statement's text: those of {@code keys}, then of {@code sql}
     */
    record KeyIn(String keys, String sql, List<Object> args) {

        /** The statement's tables, after the values' table when there is one. */
        String from(String tables) {
            return keys.isEmpty() ? tables : keys + ", " + tables;
        }
    }

    KeyIn keyIn(String alias, String column, String tool, List<String> values) {
        if (postgres()) {
            return new KeyIn("", alias + ".tool = ? AND " + alias + "." + column + " = ANY(?)",
                    List.of(tool, values.toArray(String[]::new)));
        }
        return new KeyIn("UNNEST(?) AS wanted(v)", alias + ".tool = ? AND " + alias + "." + column + " = wanted.v",
                List.of(values.toArray(String[]::new), tool));
    }

    /**
     * The rows of {@code SELECT columns FROM tables WHERE where} ({@code where} ends with {@code AND}, or is empty)
     * whose tool entry ({@code alias.tool}, {@code alias.tool_entry_id}) is one of these: one statement per 500
     * entries instead of one per entry (see {@link #keyIn}).
     */
    <T> List<T> amongToolEntries(String columns, String tables, String where, String alias, String tool,
                                 List<String> toolEntryIds, org.springframework.jdbc.core.RowMapper<T> rows) {
        List<T> out = new java.util.ArrayList<>();
        for (int from = 0; from < toolEntryIds.size(); from += 500) {
            KeyIn key = keyIn(alias, "tool_entry_id", tool, toolEntryIds.subList(from, Math.min(toolEntryIds.size(),
                    from + 500)));
            out.addAll(jdbc.query("SELECT " + columns + " FROM " + key.from(tables) + " WHERE " + where + " "
                    + key.sql(), rows, key.args().toArray()));
        }
        return out;
    }

    /**
     * Removes the creates under way of these entries in a tool (their copies are recorded now), one statement per
     * 500. A delete cannot join the values' table of {@link #keyIn}: on H2 the values go as a list of row values
     * (compared again with each row found, which costs little for the few dozen entries of a delivery batch).
     */
    void createsDone(String tool, List<String> entryIds) {
        for (int from = 0; from < entryIds.size(); from += 500) {
            List<String> chunk = entryIds.subList(from, Math.min(entryIds.size(), from + 500));
            if (postgres()) {
                KeyIn key = keyIn("k", "entry_id", tool, chunk);
                jdbc.update("DELETE FROM classlog_pending k WHERE " + key.sql(), key.args().toArray());
            } else {
                List<Object> args = new java.util.ArrayList<>(chunk.size() * 2);
                chunk.forEach(id -> {
                    args.add(tool);
                    args.add(id);
                });
                jdbc.update("DELETE FROM classlog_pending k WHERE (k.tool, k.entry_id) IN (" + String.join(", ",
                        java.util.Collections.nCopies(chunk.size(), "(?, ?)")) + ")", args.toArray());
            }
        }
    }

    /** Whether this tool entry's recorded version did not make the entry's current version (a write by Relais). */
    private static final String NOT_MADE_BY_IT = "NOT (e.source_tool = p.tool AND e.version = p.synced_version)";

    /**
     * Of these entries of a tool, those recorded: entry id to its recorded version there, and whether Relais wrote
     * that version there (it did not make the entry's current version). A poll that reads that very version back
     * has nothing to apply; {@link #apply} answers it {@link Unchanged} by the same rule.
     */
    public Map<String, ReadBack> readBack(String tool, List<String> toolEntryIds) {
        Map<String, ReadBack> found = new HashMap<>();
        amongToolEntries("p.tool_entry_id, p.tool_version, CASE WHEN " + NOT_MADE_BY_IT + " THEN 1 ELSE 0 END",
                "classlog_provenance p JOIN classlog_entry e ON e.id = p.entry_id", "", "p", tool, toolEntryIds,
                (rs, n) -> found.put(rs.getString(1), new ReadBack(rs.getString(2), rs.getInt(3) == 1)));
        return found;
    }

    /** What is recorded of a tool entry, see {@link #readBack}. */
    public record ReadBack(String toolVersion, boolean writtenByRelais) {
    }

    /**
     * What is recorded of this tool entry: the canonical entry's id, the tool's version, the version synced, and
     * when Relais asked the tool to make this copy (epoch milliseconds; null for a copy read from the tool).
     */
    public Optional<String[]> recorded(String tool, String toolEntryId) {
        return jdbc.query("SELECT entry_id, tool_version, synced_version, written_at FROM classlog_provenance WHERE "
                + "tool = ? AND tool_entry_id = ?", (rs, n) -> {
            Timestamp written = rs.getTimestamp(4);
            return new String[] {rs.getString(1), rs.getString(2), String.valueOf(rs.getLong(3)),
                    written == null ? null : String.valueOf(written.getTime())};
        }, tool, toolEntryId).stream().findFirst();
    }

    /**
     * Whether the tool answered the poll that brought this change before Relais asked it to make the copy recorded
     * under its id (so the tool showed it before that copy existed), and it is not that copy read back (a delete, or
     * other content than what Relais wrote): it is about what the id named before, in a tool that went back and gave
     * the id again, not about this copy. (The moment the poll's answer came back, not when it was asked: a poll
     * asked before a create may be answered after it, with the new copy.)
     */
    boolean readBeforeCopyMade(ToolChange change, Optional<String[]> provenance, Instant answeredAt) {
        if (answeredAt == null || provenance.isEmpty() || provenance.get().length < 4
                || provenance.get()[3] == null || Long.parseLong(provenance.get()[3]) <= answeredAt.toEpochMilli()) {
            return false;
        }
        if (change.deleted()) {
            return true;
        }
        List<String> wrote = jdbc.queryForList("SELECT document FROM classlog_history WHERE entry_id = ? AND version = ?",
                String.class, provenance.get()[0], Long.parseLong(provenance.get()[2]));
        return wrote.isEmpty() || !sameContent(change.entry(), wrote.get(0));
    }

    /**
     * A change kept for the re-read of its tool (see {@link #readBeforeCopyMade}): parked as a change waiting for
     * the feed check, which the re-read's start takes (ClassLogSync#heldForReread), judging it as {@link
     * #applyHeldReread} does. A delete is not kept: what it deletes is the change kept before it, if any.
     */
    void keepForReread(ToolChange change, String reason) {
        if (change.deleted() || change.entry() == null || change.entry().school() == null
                || change.entry().audience() == null) {
            parked.forget(change.tool(), change.toolEntryId());
            return;
        }
        parked.park(change, write(change.entry()), List.of(reason), clock.get(), true);
    }

    @Transactional
    public Result apply(ToolChange change, Predicate<String> knownClass) {
        return apply(change, knownClass, recorded(change.tool(), change.toolEntryId()));
    }

    /** @param provenance what {@link #recorded} answers for the change's tool entry, read in this transaction */
    @Transactional
    public Result apply(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance) {
        return apply(change, knownClass, provenance, false);
    }

    /** @param feedChecked the change waited for a check of its tool's feed, which found it did not go backwards */
    private Result apply(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance,
                         boolean feedChecked) {
        Result result = applyChange(change, knownClass, provenance, feedChecked);
        if (!(result instanceof Parked || result instanceof AwaitsFeedCheck || result instanceof ReadAgain)) {
            // a later change of a tool entry whose earlier change waits for the directory (applied, refused,
            // deleted): the waiting one is out of date, and must never be applied over it
            parked.forget(change.tool(), change.toolEntryId());
        }
        return result;
    }

    /**
     * New lessons of a page, applied together: each a tool entry that nothing is recorded of, that no create of
     * Relais may have made and that does not wait in the parking (the caller checked all three in this transaction,
     * see {@link ClassLogSync}), with the entry {@link Normalizer} accepted. The same rows as {@link #apply} makes
     * for each, in three statements for the page instead of three round trips per entry (a page holds up to 500
     * lessons, and the changes of one tool are applied one page at a time). A tool entry recorded meanwhile by
     * another writer (the delivery that made it) fails the whole page, which is applied again, as {@link #apply}
     * fails that change.
     */
    @Transactional
    public List<Created> createAll(List<ToolChange> changes, List<Normalizer.Accepted> accepted) {
        Timestamp now = Timestamp.from(clock.get());
        List<Object[]> entries = new java.util.ArrayList<>(changes.size());
        List<Object[]> histories = new java.util.ArrayList<>(changes.size());
        List<Object[]> provenances = new java.util.ArrayList<>(changes.size());
        List<Created> created = new java.util.ArrayList<>(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            ToolChange change = changes.get(i);
            ClassLogEntry e = accepted.get(i).entry();
            String document = write(e);
            String id = ids.get();
            Timestamp modified = Timestamp.from(change.modifiedAt());
            entries.add(new Object[] {id, e.school(), e.audience(), e.subject(), e.teacher(), java.sql.Date.valueOf(e.date()),
                    document, e.visaBy(), change.tool(), modified});
            histories.add(new Object[] {id, 1, document, false, change.tool(), modified, now});
            provenances.add(new Object[] {change.tool(), change.toolEntryId(), id, change.toolVersion(), 1,
                    change.seenAt(now.toInstant())});
            created.add(new Created(id, 1, accepted.get(i).cleaned()));
        }
        insertRows("INSERT INTO classlog_entry (id, school, audience, subject, teacher, lesson_date, document, version, "
                + "deleted, visa_by, source_tool, modified_at)", "(?, ?, ?, ?, ?, ?, ?, 1, FALSE, ?, ?, ?)", "", entries);
        insertRows("INSERT INTO classlog_history (entry_id, version, document, deleted, source_tool, modified_at, "
                + "recorded_at, conflict_lost)", "(?, ?, ?, ?, ?, ?, ?, FALSE)", "", histories);
        if (insertRows("INSERT INTO classlog_provenance (tool, tool_entry_id, entry_id, tool_version, synced_version, "
                + "last_seen)", "(?, ?, ?, ?, ?, ?)", " ON CONFLICT DO NOTHING", provenances) < provenances.size()) {
            throw new org.springframework.dao.ConcurrencyFailureException("Cahier de textes : une séance de " + changes
                    .get(0).tool() + " enregistrée pendant sa lecture, page appliquée de nouveau");
        }
        return created;
    }

    /**
     * Rows into a table, as few statements as can hold them (one per 500 rows: a statement per row costs the
     * database as much again as the row itself); the rows made, which {@code tail} (ON CONFLICT DO NOTHING) may
     * make fewer than given.
     */
    int insertRows(String head, String row, String tail, List<Object[]> rows) {
        int made = 0;
        for (int from = 0; from < rows.size(); from += 500) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + 500));
            made += jdbc.update(head + " VALUES " + String.join(", ", java.util.Collections.nCopies(chunk.size(), row))
                    + tail, chunk.stream().flatMap(java.util.Arrays::stream).toArray());
        }
        return made;
    }

    /**
     * A change queued again by {@link ParkedEntries}: applied only while it is still the one waiting for its tool
     * entry (see {@link ParkedEntries.Rows#waiting}); otherwise a later change of that entry came in meanwhile, and
     * this older one is dropped ({@link Unchanged} without an entry), never applied over it.
     */
    @Transactional
    public Result applyUnparked(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance) {
        return applyUnparked(change, knownClass, provenance, false);
    }

    /** @param feedChecked it waited for a check of its tool's feed (see {@link AwaitsFeedCheck}), which passed */
    @Transactional
    public Result applyUnparked(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance,
                                boolean feedChecked) {
        if (!parked.waiting(change.tool(), change.toolEntryId(), change.toolVersion())) {
            if (provenance.isPresent() && provenance.get()[1].equals(change.toolVersion())) {
                // this very change was applied (the page comes again after a crash between the canonical write and
                // its fan-out): as any change read twice, the tools still missing it get it
                return apply(change, knownClass, provenance);
            }
            return new Unchanged(null, false);
        }
        return apply(change, knownClass, provenance, feedChecked);
    }

    /**
     * A change read again from a tool whose change feed went backwards (restored from a backup, reinstalled: see
     * {@link ClassLogSync}). Its id and version may not mean what Relais recorded: the tool may have given the id to
     * another lesson, and its counter starts again lower. So it is judged by its content: the lesson Relais knows
     * there under a different lesson is a new one (the old copy is gone); what Relais holds already (the current
     * version, or an earlier one: a backup's) is recorded as what the tool holds, with {@link Unchanged} "repeated",
     * so that the tool gets the current version again if it lacks it; anything else is an edit made there since,
     * applied as any change, without ordering by the tool's version. Each tool entry read is marked as seen, so that
     * what the tool no longer has is known once the feed has been read to its end.
     */
    @Transactional
    public Result applyReread(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance) {
        if (provenance.isEmpty()) {
            return apply(change, knownClass, provenance);
        }
        Current current = current(provenance.get()[0]);
        if (change.deleted() && (provenance.get()[1].equals(change.toolVersion()) && jdbc.queryForObject("SELECT "
                + "COUNT(*) FROM classlog_history WHERE entry_id = ? AND version = ? AND NOT deleted", Long.class,
                provenance.get()[0], Long.parseLong(provenance.get()[2])) > 0
                || !current.deleted() && change.modifiedAt().isBefore(current.modifiedAt()))) {
            // not a delete of what the lesson is now: deleted in the very version in which Relais recorded a live
            // lesson there (a version is one state of an entry, so the tool gave the id and version again to a lesson
            // deleted since), or before the lesson's last modification anywhere (a reinstalled tool's lesson deleted
            // since, or a teacher's delete that an edit made later elsewhere beats, as the conflict rule has it). The
            // copy is gone from the tool: its record is set aside under an id no tool gives, unseen, so that the end
            // of the re-read writes the lesson back
            setAside(change.tool(), change.toolEntryId(), ids.get());
            return new Unchanged(provenance.get()[0], false);
        }
        if (change.deleted()) {
            // a delete the tool shows after going back (a teacher's, made after the backup): its counter went back,
            // so the version recorded before must not make it look older than what Relais knows
            jdbc.update("UPDATE classlog_provenance SET tool_version = '' WHERE tool = ? AND tool_entry_id = ?",
                    change.tool(), change.toolEntryId());
            return apply(change, knownClass, Optional.of(new String[] {provenance.get()[0], "", provenance.get()[2]}));
        }
        Instant now = clock.get();
        ClassLogEntry known = read(current.document());
        if (!known.sameLesson(change.entry())) {
            // the id now names another lesson: the copy Relais recorded under it is gone from the tool. Its record
            // is set aside under an id no tool gives, unseen, so that the end of the re-read writes that lesson back
            setAside(change.tool(), change.toolEntryId(), ids.get());
            return apply(change, knownClass, Optional.empty());
        }
        // the tool's version recorded before says nothing any more (the counter went back): forgotten, so that
        // whatever is recorded now replaces it (see provenance: a version never goes back otherwise)
        jdbc.update("UPDATE classlog_provenance SET tool_version = '' WHERE tool = ? AND tool_entry_id = ?",
                change.tool(), change.toolEntryId());
        Long holds = !current.deleted() && sameContent(change.entry(), current.document()) ? Long.valueOf(current.version())
                : heldBefore(current, change, true);
        if (holds != null) {
            jdbc.update("UPDATE classlog_provenance SET tool_version = ?, synced_version = ?, last_seen = ? WHERE "
                    + "tool = ? AND tool_entry_id = ?", change.toolVersion(), holds, change.seenAt(now), change.tool(),
                    change.toolEntryId());
            return new Unchanged(current.id(), true);
        }
        // a content Relais never had: an edit made there since, or a state of the lesson Relais never read (a
        // backup's, between two polls). Its version no longer orders it after what Relais holds, even from this very
        // tool: the conflict rule decides (the later modification wins), as if the log had changed since it synced
        // (the synced version given is the real one when the change wins: a conflict is recorded only when the log
        // changed since this tool synced, not for every content a re-read brings)
        String synced = wins(change, current) ? provenance.get()[2] : "0";
        Result result = apply(change, knownClass, Optional.of(new String[] {provenance.get()[0], "", synced}));
        if (result instanceof ConflictLost lost) {
            // the tool holds the loser: it gets the current version again (repeated, see ClassLogSync#applyOne)
            jdbc.update("UPDATE classlog_provenance SET synced_version = LEAST(synced_version, ?) WHERE tool = ? AND "
                    + "tool_entry_id = ?", lost.winnerVersion() - 1, change.tool(), change.toolEntryId());
            return new Unchanged(lost.id(), true);
        }
        return result;
    }

    /**
     * A change that waited for a check of its tool's feed ({@link AwaitsFeedCheck}), read again at the start of the
     * re-read that followed (the feed went back): judged as {@link #applyReread} judges what it reads, unless Relais
     * recorded something of that tool entry since the change was parked ({@code readAt}: a copy it wrote there after
     * the tool went back, a later change read). Then the id names what Relais recorded: the same lesson, and the
     * change is out of date; another, and the lesson held is the tool's own, which the tool may have lost (a
     * restored backup): kept under an id no tool gives, unseen, so that the end of the re-read writes it back.
     */
    @Transactional
    public Result applyHeldReread(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance) {
        // still the change kept for that entry (a later one read before the re-read replaced it, or a delete removed
        // it: then this one is out of date), applied once
        if (jdbc.update("DELETE FROM classlog_parked WHERE tool = ? AND tool_entry_id = ? AND tool_version = ? AND "
                + "awaits_feed_check", change.tool(), change.toolEntryId(), change.toolVersion()) == 0) {
            return new Unchanged(null, false);
        }
        if (provenance.isEmpty() || change.readAt() == null || jdbc.queryForObject("SELECT COUNT(*) FROM "
                + "classlog_provenance WHERE tool = ? AND tool_entry_id = ? AND last_seen > ?", Long.class, change.tool(),
                change.toolEntryId(), Timestamp.from(change.readAt())) == 0) {
            return applyReread(change, knownClass, provenance);
        }
        if (read(current(provenance.get()[0]).document()).sameLesson(change.entry())) {
            return new Unchanged(null, false);
        }
        return apply(new ToolChange(change.tool(), "#perdue-" + ids.get(), change.toolVersion(), change.modifiedAt(),
                false, change.entry(), change.readAt()), knownClass, Optional.empty());
    }

    /**
     * The record of a tool entry whose id the tool gave to another lesson: kept under an id no tool gives, unseen
     * (the end of a re-read writes its lesson back, see lostSince), with the id it had and the moment, so that a
     * change of it read before that moment still reaches it (see {@link #setAsideFor}).
     */
    /**
     * Asks for the tool's feed to be read again from its start for the school, at its next poll (see
     * ClassLogSync#pollLocked), unless a re-read is asked for or under way already: whether this asked for it.
     */
    boolean requestReread(String tool, String school, String reason) {
        return jdbc.update("UPDATE classlog_watermark SET reset_requested = ? WHERE tool = ? AND school = ? AND "
                + "reread_since IS NULL AND reset_requested IS NULL", reason, tool, school) > 0;
    }

    void setAside(String tool, String toolEntryId) {
        setAside(tool, toolEntryId, ids.get());
    }

    /** Whether the entry is, or was last, this lesson (school, class, date, start, title). */
    boolean namesLesson(String entryId, ClassLogEntry lesson) {
        return read(current(entryId).document()).sameLesson(lesson);
    }

    void setAside(String tool, String toolEntryId, String unique) {
        jdbc.update("UPDATE classlog_provenance SET tool_entry_id = ?, set_aside_from = ?, set_aside_at = ? WHERE "
                + "tool = ? AND tool_entry_id = ?", "#perdue-" + unique, toolEntryId, Timestamp.from(clock.get()), tool,
                toolEntryId);
    }

    /**
     * The id under which a record set aside since the change was read is kept, when there is one: the change is of
     * the lesson that had the id when the tool was read (a page read before the tool went back, applied after).
     */
    Optional<String> setAsideFor(ToolChange change) {
        if (change.readAt() == null) {
            return Optional.empty();
        }
        return jdbc.queryForList("SELECT tool_entry_id FROM classlog_provenance WHERE tool = ? AND set_aside_from = ? "
                + "AND set_aside_at > ? ORDER BY set_aside_at", String.class, change.tool(), change.toolEntryId(),
                Timestamp.from(change.readAt())).stream().findFirst();
    }

    /**
     * Whether Relais has seen this change of a tool entry it has no copy recorded for: it waits for the directory
     * (parked, that very version), or was refused.
     */
    boolean known(String tool, String toolEntryId, String toolVersion) {
        return jdbc.queryForObject("SELECT (SELECT COUNT(*) FROM classlog_parked WHERE tool = ? AND tool_entry_id = ? "
                + "AND tool_version = ?) + (SELECT COUNT(*) FROM classlog_rejection WHERE tool = ? AND tool_entry_id = ?)",
                Long.class, tool, toolEntryId, toolVersion, tool, toolEntryId) > 0;
    }

    /**
     * A copy in a tool only written for its class, read again from the tool's start after its feed went backwards:
     * what Relais recorded of it is brought to what the tool now shows (the tool's counter went back, so the version
     * recorded before says nothing any more, and a feed check would find it "older" for ever). When the id now names
     * another lesson, the copy recorded under it is gone from the tool: its record is set aside, unseen, so that the
     * end of the re-read writes it back. The entry to write into the tool again when it no longer holds its current
     * version (a restored backup), or empty.
     */
    Optional<String> seenAgainWritten(ToolChange change) {
        Optional<String[]> provenance = recorded(change.tool(), change.toolEntryId());
        if (provenance.isEmpty()) {
            return Optional.empty();
        }
        Current current = current(provenance.get()[0]);
        if (change.entry() != null && !read(current.document()).sameLesson(change.entry())) {
            setAside(change.tool(), change.toolEntryId(), ids.get());
            return Optional.empty();
        }
        Long holds = change.deleted() || current.deleted() ? null
                : sameContent(change.entry(), current.document()) ? Long.valueOf(current.version())
                : heldBefore(current, change, true);
        jdbc.update("UPDATE classlog_provenance SET tool_version = ?, synced_version = ?, last_seen = ? WHERE tool = ? "
                + "AND tool_entry_id = ?", change.toolVersion(), holds == null ? 0 : holds, change.seenAt(clock.get()),
                change.tool(), change.toolEntryId());
        return current.deleted() || holds != null && holds >= current.version() ? Optional.empty()
                : Optional.of(current.id());
    }

    /**
     * The end of a tool's feed read again from its start: the copies Relais had recorded in it (for this school)
     * and that the tool no longer showed are gone from it. Their records go, and the ids of the entries still alive
     * are answered, to be written into the tool again.
     */
    List<String> lostSince(String tool, String school, Instant since) {
        List<String[]> rows = jdbc.query("SELECT p.tool_entry_id, e.id, e.audience, e.deleted FROM classlog_provenance p "
                + "JOIN classlog_entry e ON e.id = p.entry_id WHERE p.tool = ? AND e.school = ? AND p.last_seen < ?",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                        String.valueOf(rs.getBoolean(4))}, tool, school, Timestamp.from(since));
        List<String> alive = new java.util.ArrayList<>();
        for (String[] r : rows) {
            jdbc.update("DELETE FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ?", tool, r[0]);
            if (!Boolean.parseBoolean(r[3])) {
                alive.add(r[1]);
                if (jdbc.update("UPDATE classlog_lost_copy SET lost_at = ? WHERE tool = ? AND school = ? AND entry_id = ?",
                        Timestamp.from(clock.get()), tool, school, r[1]) == 0) {
                    jdbc.update("INSERT INTO classlog_lost_copy (tool, school, entry_id, lost_at) VALUES (?, ?, ?, ?)",
                            tool, school, r[1], Timestamp.from(clock.get()));
                }
            }
        }
        return alive;
    }

    /**
     * The lessons the tool lost ({@link #lostSince}) that it holds no recorded copy of yet: what must be written into
     * it again, answered again when the end of a re-read is applied a second time (a crash after its commit lost the
     * deliveries of the first). Those it holds a copy of again are forgotten.
     */
    List<String> stillLost(String tool, String school) {
        // (those it holds a copy of again, and those deleted since or gone from the log, go)
        jdbc.update("DELETE FROM classlog_lost_copy l WHERE l.tool = ? AND l.school = ? AND (EXISTS (SELECT 1 FROM "
                + "classlog_provenance p WHERE p.entry_id = l.entry_id AND p.tool = l.tool) OR NOT EXISTS (SELECT 1 FROM "
                + "classlog_entry e WHERE e.id = l.entry_id AND NOT e.deleted))", tool, school);
        return jdbc.queryForList("SELECT l.entry_id FROM classlog_lost_copy l JOIN classlog_entry e ON e.id = "
                + "l.entry_id WHERE l.tool = ? AND l.school = ? AND NOT e.deleted", String.class, tool, school);
    }

    private Result applyChange(ToolChange change, Predicate<String> knownClass, Optional<String[]> provenance,
                               boolean feedChecked) {
        Instant now = clock.get();
        if (provenance.isPresent() && provenance.get()[1].equals(change.toolVersion())) {
            // repeated: the entry's current version is the one this very change made (not Relais' write read back)
            Boolean made = jdbc.query("SELECT source_tool = ? AND version = ? FROM classlog_entry WHERE id = ?",
                    (rs, n) -> rs.getBoolean(1), change.tool(), Long.parseLong(provenance.get()[2]),
                    provenance.get()[0]).stream().findFirst().orElse(false);
            return new Unchanged(provenance.get()[0], made);
        }
        if (provenance.isPresent() && older(change.toolVersion(), provenance.get()[1])) {
            // read before a later version of the same tool entry was recorded (a page applied after Relais' write
            // into that tool was recorded, or after a later page): what the tool held then is not news
            return new Unchanged(provenance.get()[0], false);
        }
        if (change.deleted()) {
            if (provenance.isEmpty()) {
                return new Unchanged(null, false);
            }
            Current current = current(provenance.get()[0]);
            if (current.deleted()) {
                // already a tombstone: this tool's delete is the one Relais made, or a second one
                seen(change, current, now);
                return new Unchanged(current.id(), false);
            }
            String document = jdbc.queryForObject("SELECT document FROM classlog_entry WHERE id = ?", String.class, current.id());
            long version = current.version() + 1;
            jdbc.update("UPDATE classlog_entry SET version = ?, deleted = TRUE, source_tool = ?, modified_at = ? WHERE id = ?",
                    version, change.tool(), Timestamp.from(change.modifiedAt()), current.id());
            history(current.id(), version, document, true, change, now);
            provenance(change, current.id(), version, now);
            return new Updated(current.id(), version, false);
        }
        Normalizer.Outcome outcome = Normalizer.normalize(change.entry(), knownClass);
        if (outcome instanceof Normalizer.Refused refused) {
            jdbc.update("INSERT INTO classlog_rejection (tool, tool_entry_id, reason, recorded_at) VALUES (?, ?, ?, ?)",
                    change.tool(), change.toolEntryId(), String.join(" ; ", refused.reasons()), Timestamp.from(now));
            return new Rejected(refused.reasons());
        }
        if (outcome instanceof Normalizer.Awaiting awaiting) {
            parked.park(change, write(change.entry()), awaiting.reasons(), now, false);
            return new Parked(awaiting.reasons());
        }
        Normalizer.Accepted accepted = (Normalizer.Accepted) outcome;
        String document = write(accepted.entry());
        ClassLogEntry e = accepted.entry();
        if (provenance.isEmpty()) {
            String id = ids.get();
            jdbc.update("""
                    INSERT INTO classlog_entry (id, school, audience, subject, teacher, lesson_date, document, version,
                        deleted, visa_by, source_tool, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, FALSE, ?, ?, ?)""",
                    id, e.school(), e.audience(), e.subject(), e.teacher(), java.sql.Date.valueOf(e.date()), document,
                    e.visaBy(), change.tool(), Timestamp.from(change.modifiedAt()));
            history(id, 1, document, false, change, now);
            // the tool entry was not recorded when this change was read (the caller checked, in this transaction);
            // recorded since by another writer (the delivery that made it, answered in between), it is that entry's
            // copy, not a new lesson: the change is applied again, and then found recorded
            if (insertProvenance(change, id, 1, now) == 0) {
                throw new org.springframework.dao.ConcurrencyFailureException("Cahier de textes : " + change.tool() + " "
                        + change.toolEntryId() + " enregistrée pendant sa lecture, changement appliqué de nouveau");
            }
            return new Created(id, 1, accepted.cleaned());
        }
        Current current = current(provenance.get()[0]);
        if (!current.deleted() && document.equals(current.document())) {
            // the tool holds what the log holds (Relais' own write read back before its answer was recorded, or
            // the same edit made twice): nothing to spread
            seen(change, current, now);
            return new Unchanged(current.id(), false);
        }
        Long stale = heldBefore(current, change, false);
        if (stale != null) {
            // Relais' own earlier write read back late (its answer lost in a crash, or read before it was recorded):
            // the tool holds an older version that came from another tool, not a teacher's edit. Recorded as what
            // the tool holds, so that the current version is delivered to it again
            jdbc.update("UPDATE classlog_provenance SET tool_version = ?, synced_version = ?, " + SEEN + " WHERE "
                    + "tool = ? AND tool_entry_id = ?", change.toolVersion(), stale, change.toolVersion(),
                    change.seenAt(now), change.tool(), change.toolEntryId());
            return new Unchanged(current.id(), true);
        }
        // what the entry is now, for a change a poll read (those without a read time are not judged by it)
        ClassLogEntry held = change.readAt() == null ? null : read(current.document());
        if (held != null && !java.util.Objects.equals(held.audience(), e.audience()) && !sameRead(change)) {
            String reason = "la séance " + change.toolEntryId() + " de " + change.tool() + " passe de la classe "
                    + held.audience() + " à " + e.audience() + " : lue comme une autre séance à laquelle l'outil a "
                    + "redonné ce numéro";
            keepForReread(change, reason);
            requestReread(change.tool(), e.school(), ClassLogSync.cut(reason));
            return new ReadAgain(current.id(), reason);
        }
        if (!feedChecked && held != null && !held.sameLesson(e) && !sameRead(change)) {
            // another title, date or start under an id Relais knows: a teacher's edit, or a reinstalled tool that
            // gave the id to a new lesson. The tool's feed is checked first (see AwaitsFeedCheck)
            String reason = "la séance " + change.toolEntryId() + " change de titre, de date ou d'heure : appliqué "
                    + "après vérification que le fil de changements de " + change.tool() + " n'est pas reparti en arrière";
            parked.park(change, write(change.entry()), List.of(reason), now, true);
            return new AwaitsFeedCheck(current.id(), reason);
        }
        long synced = Long.parseLong(provenance.get()[2]);
        if (current.version() > synced && !wins(change, current)) {
            // edited elsewhere since this tool last synced, and that edit is the later one: this change loses
            jdbc.update("INSERT INTO classlog_conflict (entry_id, tool, document, modified_at, winner_version, recorded_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)", current.id(), change.tool(), document, Timestamp.from(change.modifiedAt()),
                    current.version(), Timestamp.from(now));
            jdbc.update("UPDATE classlog_provenance SET tool_version = ?, " + SEEN + " WHERE tool = ? AND tool_entry_id = ?",
                    change.toolVersion(), change.toolVersion(), change.seenAt(now), change.tool(), change.toolEntryId());
            return new ConflictLost(current.id(), current.version());
        }
        if (current.version() > synced) {
            // this change wins: the version it replaces is kept in the history, and listed as the conflict's loser
            jdbc.update("INSERT INTO classlog_conflict (entry_id, tool, document, modified_at, winner_version, recorded_at) "
                    + "SELECT id, source_tool, document, modified_at, ?, ? FROM classlog_entry WHERE id = ?",
                    current.version() + 1, Timestamp.from(now), current.id());
        }
        long version = current.version() + 1;
        jdbc.update("""
                UPDATE classlog_entry SET school = ?, audience = ?, subject = ?, teacher = ?, lesson_date = ?, document = ?,
                    version = ?, deleted = FALSE, visa_by = ?, source_tool = ?, modified_at = ? WHERE id = ?""",
                e.school(), e.audience(), e.subject(), e.teacher(), java.sql.Date.valueOf(e.date()), document, version,
                e.visaBy(), change.tool(), Timestamp.from(change.modifiedAt()), current.id());
        history(current.id(), version, document, false, change, now);
        provenance(change, current.id(), version, now);
        return new Updated(current.id(), version, accepted.cleaned());
    }

    /**
     * Whether what is recorded of this tool entry was recorded from the very read that brought this change (two
     * versions of one entry in one page): no reset of the tool can come between them.
     */
    private boolean sameRead(ToolChange change) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM classlog_provenance WHERE tool = ? AND tool_entry_id = ? AND "
                + "last_seen = ?", Long.class, change.tool(), change.toolEntryId(), change.seenAt(clock.get())) > 0;
    }

    /**
     * Whether a tool's version comes before another of the same tool entry. Only versions that are numbers (NEO's
     * {@code modified}, EcoleDirecte's modification number, Skolengo's {@code updateSequence}: one counter for every
     * change of the tool) are ordered; other versions (a content hash) are not, and never come "before".
     */
    static boolean older(String version, String recorded) {
        if (version == null || recorded == null || version.isEmpty() || recorded.isEmpty() || version.length() > 18
                || recorded.length() > 18 || !version.chars().allMatch(Character::isDigit)
                || !recorded.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return Long.parseLong(version) < Long.parseLong(recorded);
    }

    /**
     * A new entry's id: a UUID of version 7 (RFC 9562), its first 48 bits the creation time in milliseconds, the
     * rest random. Ids made one after the other sort next to each other, so that the indexes on entry ids (the
     * log, its history, provenance, creates under way) take new rows at one end, in a few pages, instead of one
     * page each anywhere in the tree (every page a commit changes is written again whole).
     */
    static String timeOrderedId() {
        UUID random = UUID.randomUUID(); // its variant bits are those of version 7 too
        long high = System.currentTimeMillis() << 16 | 0x7000L | random.getMostSignificantBits() & 0x0FFFL;
        return new UUID(high, random.getLeastSignificantBits()).toString();
    }

    /**
     * The latest earlier version of the entry whose content this change of a tool holds, if any: what Relais wrote
     * into that tool before (made by another tool), or, for a tool read again after going back, any earlier version
     * (a backup's, its own included).
     *
     * @param anySource also the versions this very tool made
     */
    private Long heldBefore(Current current, ToolChange change, boolean anySource) {
        List<Object[]> earlier = jdbc.query("SELECT version, document FROM classlog_history WHERE entry_id = ? AND "
                + "version < ? AND (? OR source_tool <> ?) AND NOT deleted AND NOT conflict_lost ORDER BY version DESC",
                (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)}, current.id(), current.version(), anySource,
                change.tool());
        for (Object[] e : earlier) {
            if (sameContent(change.entry(), (String) e[1])) {
                return (Long) e[0];
            }
        }
        return null;
    }

    /** The latest modification at its source wins; at the same instant, the tool first in the precedence list. */
    private boolean wins(ToolChange change, Current current) {
        int c = change.modifiedAt().compareTo(current.modifiedAt());
        if (c != 0) {
            return c > 0;
        }
        int mine = rank(change.tool());
        int theirs = rank(current.sourceTool());
        return mine < theirs;
    }

    private int rank(String tool) {
        int i = precedence.indexOf(tool);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /**
     * When a tool entry's record was last seen: when its tool version changed, not when the same version is applied
     * again (a page redelivered after a crash). A feed check compares it with the moment it read the tool (see
     * ClassLogSync#checkFeed): a version recorded before that read must show there, whatever was re-applied since.
     * Parameters: the tool's version, then the moment.
     */
    private static final String SEEN = "last_seen = CASE WHEN tool_version = ? THEN last_seen ELSE ? END";

    private Current current(String id) {
        return jdbc.queryForObject("SELECT id, version, modified_at, source_tool, deleted, document FROM classlog_entry "
                + "WHERE id = ?", (rs, n) -> new Current(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(),
                rs.getString(4), rs.getBoolean(5), rs.getString(6)), id);
    }

    /** The tool's version of an entry it holds in its current state: recorded, so that it is not read again. */
    private void seen(ToolChange change, Current current, Instant now) {
        jdbc.update("UPDATE classlog_provenance SET tool_version = ?, synced_version = ?, " + SEEN + " WHERE tool = ? "
                + "AND tool_entry_id = ?", change.toolVersion(), current.version(), change.toolVersion(),
                change.seenAt(now), change.tool(), change.toolEntryId());
    }

    private void history(String id, long version, String document, boolean deleted, ToolChange change, Instant now) {
        jdbc.update("INSERT INTO classlog_history (entry_id, version, document, deleted, source_tool, modified_at, "
                + "recorded_at, conflict_lost) VALUES (?, ?, ?, ?, ?, ?, ?, FALSE)", id, version, document, deleted,
                change.tool(), Timestamp.from(change.modifiedAt()), Timestamp.from(now));
    }

    /**
     * Records which tool entry holds which canonical entry. Two writers can record the same tool entry at once
     * (the delivery that created it, and that tool's poll reading it back): the second insert does nothing and
     * updates the row the first one made, instead of failing on the key.
     */
    private void provenance(ToolChange change, String id, long version, Instant now) {
        // a version recorded is never replaced by an older one of the same tool entry (see older): a delivery's
        // record that commits after the tool's next change was read must not make that change look unread
        // (and then its last_seen stays that of the later version: see SEEN)
        String later = "? AND tool_version <> '' AND TRANSLATE(tool_version, '0123456789', '') = '' AND "
                + "(LENGTH(tool_version) > ? OR LENGTH(tool_version) = ? AND tool_version > ?)";
        String update = "UPDATE classlog_provenance SET entry_id = ?, tool_version = CASE WHEN " + later + " THEN "
                + "tool_version ELSE ? END, synced_version = GREATEST(synced_version, ?), last_seen = CASE WHEN " + later
                + " OR tool_version = ? THEN last_seen ELSE ? END WHERE tool = ? AND tool_entry_id = ?";
        String v = change.toolVersion();
        boolean counter = v != null && !v.isEmpty() && v.length() <= 18 && v.chars().allMatch(Character::isDigit);
        int length = v == null ? 0 : v.length();
        Object[] args = {id, counter, length, length, v, v, version, counter, length, length, v, v,
                change.seenAt(now), change.tool(), change.toolEntryId()};
        if (jdbc.update(update, args) == 0 && insertProvenance(change, id, version, now) == 0) {
            jdbc.update(update, args);
        }
    }

    /** Records the tool entry unless it is recorded already: 1, or 0 when it was. */
    private int insertProvenance(ToolChange change, String id, long version, Instant now) {
        return jdbc.update("INSERT INTO classlog_provenance (tool, tool_entry_id, entry_id, tool_version, synced_version, "
                + "last_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", change.tool(), change.toolEntryId(), id,
                change.toolVersion(), version, change.seenAt(now));
    }

    /** Relais wrote version {@code version} of an entry into a tool, which gave it this id and version. */
    @Transactional
    public void delivered(String entryId, long version, String tool, String toolEntryId, String toolVersion) {
        ToolChange marker = new ToolChange(tool, toolEntryId, toolVersion, clock.get(), false, null);
        provenance(marker, entryId, version, clock.get());
    }

    /** A copy a tool has just made of an entry: its id there is most likely not recorded yet. */
    /** @param writtenAt when Relais asked the tool to make it (see {@link #readBeforeCopyMade}) */
    public record NewCopy(String tool, String toolEntryId, String entryId, long version, String toolVersion,
                          Instant writtenAt) {
    }

    /**
     * Records new copies in one statement (one per 500): the number recorded, fewer than given when a tool entry
     * was recorded already (the tool's poll read it back first, or the tool gave its id again); those are left to
     * {@link #delivered}, which updates the row.
     */
    @Transactional
    public int newCopies(List<NewCopy> copies) {
        Timestamp now = Timestamp.from(clock.get());
        return insertRows("INSERT INTO classlog_provenance (tool, tool_entry_id, entry_id, tool_version, synced_version, "
                + "last_seen, written_at)", "(?, ?, ?, ?, ?, ?, ?)", " ON CONFLICT DO NOTHING", copies.stream().map(c ->
                new Object[] {c.tool(), c.toolEntryId(), c.entryId(), c.toolVersion(), c.version(), now,
                        c.writtenAt() == null ? null : Timestamp.from(c.writtenAt())}).toList());
    }

    /** When Relais asked the tool to make this copy of the entry (see {@link #readBeforeCopyMade}). */
    void writtenAt(String tool, String toolEntryId, String entryId, Instant writtenAt) {
        jdbc.update("UPDATE classlog_provenance SET written_at = ? WHERE tool = ? AND tool_entry_id = ? AND entry_id = ?",
                Timestamp.from(writtenAt), tool, toolEntryId, entryId);
    }

    /**
     * Whether a tool's copy holds what this canonical document says (the tool's own homework ids aside): compared
     * once both are normalised, as the canonical log holds them.
     */
    public boolean sameContent(ClassLogEntry copy, String document) {
        ClassLogEntry held = read(document);
        // most often the tool gives back exactly what Relais wrote: no need to normalise both (jsoup) to tell
        return copy.equals(held) || comparable(copy).equals(comparable(held));
    }

    private String comparable(ClassLogEntry e) {
        if (!(Normalizer.normalize(e, code -> true) instanceof Normalizer.Accepted a)) {
            return "refusée:" + write(e);
        }
        ClassLogEntry n = a.entry();
        List<ClassLogEntry.Homework> homework = n.homework().stream().map(h -> new ClassLogEntry.Homework(null,
                h.givenOn(), h.dueOn(), h.description(), h.estimatedMinutes(), h.kind(), h.attachments())).toList();
        return write(new ClassLogEntry(n.school(), n.audience(), n.subject(), n.teacher(), n.date(), n.start(), n.end(),
                n.title(), n.content(), homework, n.attachments(), n.published(), n.visaBy()));
    }

    public Optional<ClassLogEntry> entry(String id) {
        return jdbc.queryForList("SELECT document FROM classlog_entry WHERE id = ? AND deleted = FALSE", String.class, id)
                .stream().findFirst().map(this::read);
    }

    public List<Map<String, Object>> history(String id) {
        return jdbc.queryForList("SELECT version, source_tool, modified_at, deleted, document FROM classlog_history "
                + "WHERE entry_id = ? ORDER BY version", id);
    }

    public List<Map<String, Object>> conflicts() {
        return jdbc.queryForList("SELECT entry_id, tool, modified_at, winner_version, recorded_at FROM classlog_conflict "
                + "ORDER BY id DESC");
    }

    String write(ClassLogEntry e) {
        try {
            return json.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    ClassLogEntry read(String document) {
        try {
            return json.readValue(document, ClassLogEntry.class);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
