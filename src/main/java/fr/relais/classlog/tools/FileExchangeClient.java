package fr.relais.classlog.tools;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogStore;
import fr.relais.classlog.ToolClient;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * The {@code file-exchange} family: Pronote and any closed tool that exchanges CSV or XML files through a drop
 * folder ({@link DropFolder} for the layout, {@link FileExchangeSettings} for the descriptor, {@link ExchangeTable}
 * for the formats, {@link ExchangeLessons} for the column mapping and the versions). The drop folder is a local
 * path: SFTP is not supported yet, an {@code sftp://} folder is refused with what to do instead.
 * <p>
 * Polling: export files are moved from {@code export/} to {@code processed/} under a sortable name; the
 * <b>watermark is the name of the processed file</b> a school was last read up to. A poll compares the files after
 * it with the lessons of the watermark's own file (kept while a school's watermark points at it): a lesson whose
 * version (content hash) is unchanged is not a change, so restarting from a watermark re-emits nothing already seen
 * from that file, and at worst a lesson again with the same version (the store ignores it). With
 * {@code fullExport: true} only the latest file counts and a lesson missing from it is a deletion; otherwise
 * deletions come from a {@code deleted} column. Every change but the last carries the watermark of the file before
 * its own (a crash mid-poll repeats, never skips); the last one carries the newest file.
 * <p>
 * Writing: one import file per write, in the tool's format and mapping, carrying a new {@code relais-<uuid>} tool id
 * when creating; the version answered is the content hash of the rows as written, which is what the tool's next
 * export of them shows, so Relais' own write is recognised and never echoed (this needs a tool that keeps the
 * imported id and cells; one without a {@code toolId} column is matched by lesson instead).
 * <p>
 * Bad files are never dropped silently: a file unreadable as a whole (not UTF-8, a mapped column missing from the
 * header, broken CSV or XML, over {@code maxFileBytes}) goes to {@code rejected/} with its reason; a row with an
 * unreadable cell comes as a change whose field is null (the normaliser refuses it if the field is needed and
 * records why) and is listed in a reason file next to its processed file. {@link #rejectedFiles} lists both.
 */
@Component
public class FileExchangeClient implements ToolClient {

    /** An export file refused whole ({@code wholeFile}), or read with rows in error; the reason is in French. */
    public record Rejected(String file, boolean wholeFile, Instant at, String reason) {
    }

    private static final Logger log = LoggerFactory.getLogger(FileExchangeClient.class);
    private static final String GONE = "supprimé-";

    @Override
    public String family() {
        return "file-exchange";
    }

    @Override
    public List<Polled> poll(Connector tool, String school, String watermark) throws ToolException {
        FileExchangeSettings settings = FileExchangeSettings.of(tool);
        ExchangeLessons mapping = new ExchangeLessons(settings);
        DropFolder folder = DropFolder.open(settings);
        folder.ingest(mapping);
        String uai = school.toUpperCase(Locale.ROOT);
        folder.pin(uai, watermark);
        List<String> newer = folder.processed().stream().filter(f -> watermark == null || f.compareTo(watermark) > 0)
                .toList();
        if (newer.isEmpty()) {
            return List.of();
        }
        if (settings.fullExport()) {
            newer = List.of(newer.get(newer.size() - 1)); // a snapshot replaces the ones before it
        }
        Map<String, ExchangeLessons.Lesson> known = watermark == null ? new LinkedHashMap<>()
                : known(tool, folder, mapping, settings, watermark, uai);
        List<ClassLogStore.ToolChange> changes = new ArrayList<>();
        List<String> marks = new ArrayList<>();
        String mark = watermark;
        for (String file : newer) {
            Instant written = folder.written(file);
            List<ExchangeLessons.Lesson> read = school(folder, mapping, settings, file, uai, written);
            if (read == null) {
                continue; // pruned meanwhile by another poll: never taken for an empty snapshot
            }
            Map<String, ExchangeLessons.Lesson> now = of(read);
            for (ExchangeLessons.Lesson lesson : now.values()) {
                ExchangeLessons.Lesson before = known.get(lesson.toolId());
                if (before == null || !before.version().equals(lesson.version())) {
                    changes.add(change(tool, lesson.toolId(), lesson.version(), lesson.modifiedAt(), lesson.deleted(),
                            lesson.entry()));
                    marks.add(mark);
                }
            }
            if (settings.fullExport()) {
                for (ExchangeLessons.Lesson gone : known.values()) {
                    if (!now.containsKey(gone.toolId()) && !gone.deleted()) {
                        changes.add(change(tool, gone.toolId(), GONE + gone.version(), written, true, null));
                        marks.add(mark);
                    }
                }
                known = now;
            } else {
                known.putAll(now);
            }
            mark = file;
        }
        List<Polled> out = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            out.add(new Polled(changes.get(i), i == changes.size() - 1 ? mark : marks.get(i)));
        }
        return out;
    }

    @Override
    public Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException {
        FileExchangeSettings settings = FileExchangeSettings.of(tool);
        ExchangeLessons mapping = new ExchangeLessons(settings);
        String id = toolEntryId != null ? toolEntryId
                : settings.maps(ExchangeField.TOOL_ID) ? "relais-" + UUID.randomUUID() : null;
        byte[] file = ExchangeTable.write(settings.format(), mapping.headers(), mapping.rows(entry, id, Instant.now()));
        ExchangeLessons.Lesson written;
        try {
            // read back as the tool's export will show it: its version is the one to recognise
            written = mapping.lessons(ExchangeTable.read(file, settings.format()).rows(), Instant.now(), entry.school()).get(0);
        } catch (ExchangeTable.Unreadable e) {
            throw new IllegalStateException("Relais wrote an exchange file it cannot read: " + e.getMessage(), e);
        }
        DropFolder.open(settings).writeImport(file);
        return new Written(written.toolId(), written.version());
    }

    @Override
    public void delete(Connector tool, String school, String toolEntryId) throws ToolException {
        FileExchangeSettings settings = FileExchangeSettings.of(tool);
        if (!settings.maps(ExchangeField.TOOL_ID) || !settings.maps(ExchangeField.DELETED)) {
            throw ToolException.refused(tool.id() + " : une suppression s'écrit avec les colonnes toolId et deleted, "
                    + "absentes de classlog.columns dans " + (tool.source() == null ? tool.id() : tool.source())
                    + " ; supprimer la séance " + toolEntryId + " dans l'outil");
        }
        ExchangeLessons mapping = new ExchangeLessons(settings);
        DropFolder.open(settings).writeImport(ExchangeTable.write(settings.format(), mapping.headers(),
                List.of(mapping.deletion(school, toolEntryId, Instant.now()))));
    }

    /** Only a full export shows every lesson the tool holds; a changes-only export shows those changed lately. */
    @Override
    public boolean findsEveryCopy(Connector tool) throws ToolException {
        return FileExchangeSettings.of(tool).fullExport();
    }

    /** Looks in Relais' imports not yet taken by the tool (newest first), then in the tool's latest export. */
    @Override
    public Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException {
        FileExchangeSettings settings = FileExchangeSettings.of(tool);
        ExchangeLessons mapping = new ExchangeLessons(settings);
        DropFolder folder = DropFolder.open(settings);
        folder.ingest(mapping);
        List<Path> files = new ArrayList<>(folder.pendingImports());
        List<String> processed = folder.processed();
        if (!processed.isEmpty()) {
            files.add(folder.export().resolveSibling("processed").resolve(processed.get(processed.size() - 1)));
        }
        Set<String> deleted = new HashSet<>();
        for (Path file : files) {
            ExchangeTable.Table table = folder.read(file);
            if (table == null) {
                continue;
            }
            for (ExchangeLessons.Lesson l : mapping.lessons(table.rows(), Instant.now(), entry.school())) {
                if (l.deleted()) {
                    deleted.add(l.toolId());
                } else if (!deleted.contains(l.toolId()) && entry.sameLesson(l.entry())) {
                    return Optional.of(new Written(l.toolId(), l.version(), l.entry()));
                }
            }
        }
        return Optional.empty();
    }

    /** Export files refused whole, then those read with rows in error, with the reasons (for the admin). */
    public List<Rejected> rejectedFiles(Connector tool) throws ToolException {
        return DropFolder.open(FileExchangeSettings.of(tool)).problems().stream()
                .map(p -> new Rejected(p.file(), p.wholeFile(), p.at(), p.reason())).toList();
    }


    /** The school's lessons in the watermark's file; none when the file was removed by hand. */
    private Map<String, ExchangeLessons.Lesson> known(Connector tool, DropFolder folder, ExchangeLessons mapping,
                                                      FileExchangeSettings settings, String watermark, String uai)
            throws ToolException {
        List<ExchangeLessons.Lesson> lessons = watermark.matches("[^/\\\\]+")
                ? school(folder, mapping, settings, watermark, uai, folder.written(watermark)) : null;
        if (lessons == null) {
            log.warn("Cahier de textes {} : {} ne trouve plus processed/{} d'où il reprend : ses séances seront relues{}",
                    tool.id(), uai, watermark, settings.fullExport() ? " et les suppressions faites depuis ne seront pas vues" : "");
            return new LinkedHashMap<>();
        }
        return of(lessons);
    }

    private static List<ExchangeLessons.Lesson> school(DropFolder folder, ExchangeLessons mapping,
                                                       FileExchangeSettings settings, String file, String uai,
                                                       Instant written) throws ToolException {
        ExchangeTable.Table table = folder.table(file);
        if (table == null) {
            return null;
        }
        return mapping.lessons(table.rows(), written, uai).stream()
                .filter(l -> !settings.maps(ExchangeField.SCHOOL) || uai.equals(l.school())).toList();
    }

    private static Map<String, ExchangeLessons.Lesson> of(List<ExchangeLessons.Lesson> lessons) {
        Map<String, ExchangeLessons.Lesson> out = new LinkedHashMap<>();
        if (lessons != null) {
            lessons.forEach(l -> out.put(l.toolId(), l));
        }
        return out;
    }

    private static ClassLogStore.ToolChange change(Connector tool, String id, String version, Instant at,
                                                   boolean deleted, ClassLogEntry entry) {
        return new ClassLogStore.ToolChange(tool.id(), id, version, at, deleted, entry);
    }
}
