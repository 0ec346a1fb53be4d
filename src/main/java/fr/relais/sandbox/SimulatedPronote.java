package fr.relais.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import fr.relais.classlog.ToolException;
import fr.relais.classlog.tools.ExchangeField;
import fr.relais.classlog.tools.ExchangeTable;
import fr.relais.classlog.tools.FileExchangeSettings;
import fr.relais.connector.Connector;

/**
 * A simulated Pronote for the file-exchange family, for the demo and the tests: a closed tool that knows nothing of
 * Relais but its drop folder. It keeps its lessons in memory as rows of cells (column header -> text), one row per
 * piece of work; it takes the files of {@code import/} (removing each once applied), stamps what it stores in its
 * {@code modified} column, and writes exports into {@code export/}: every lesson when the descriptor says
 * {@code fullExport}, otherwise the lessons changed since its last export, deletions as rows marked deleted.
 * Teachers "typing in Pronote" are {@link #type}, {@link #edit} and {@link #remove}, with cells named by canonical field.
 */
public class SimulatedPronote {

    private record Lesson(List<Map<String, String>> rows, long sequence, boolean deleted) {
    }

    private final FileExchangeSettings settings;
    private final Map<String, Lesson> lessons = new LinkedHashMap<>();
    private long sequence;
    private long exportedUpTo;
    private int typed;
    private int exports;

    public SimulatedPronote(Connector tool) throws ToolException {
        this.settings = FileExchangeSettings.of(tool);
    }

    /** Applies the files Relais put in {@code import/}, in name order; answers how many were applied. */
    public synchronized int importFiles() {
        List<Path> files;
        try (Stream<Path> list = Files.list(folder("import"))) {
            files = list.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            try {
                ExchangeTable.Table table = ExchangeTable.read(Files.readAllBytes(file), settings.format());
                Map<String, List<Map<String, String>>> byId = new LinkedHashMap<>();
                for (ExchangeTable.Row row : table.rows()) {
                    byId.computeIfAbsent(id(row.cells()), k -> new ArrayList<>()).add(new LinkedHashMap<>(row.cells()));
                }
                byId.forEach((id, rows) -> {
                    if (isDeleted(rows.get(0))) {
                        remove(id);
                    } else {
                        store(id, rows);
                    }
                });
                Files.delete(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ExchangeTable.Unreadable e) {
                throw new IllegalStateException("Pronote cannot import " + file + ": " + e.getMessage(), e);
            }
        }
        return files.size();
    }

    /** Writes an export file into {@code export/} (written aside, then renamed, as a careful tool does). */
    public synchronized Path export() {
        List<Map<String, String>> rows = new ArrayList<>();
        lessons.forEach((id, lesson) -> {
            if (settings.fullExport() ? !lesson.deleted() : lesson.sequence() > exportedUpTo) {
                if (!lesson.deleted()) {
                    rows.addAll(lesson.rows());
                } else if (settings.maps(ExchangeField.DELETED)) {
                    Map<String, String> tombstone = new LinkedHashMap<>();
                    put(tombstone, ExchangeField.TOOL_ID, id);
                    put(tombstone, ExchangeField.SCHOOL, lesson.rows().get(0).get(settings.column(ExchangeField.SCHOOL)));
                    put(tombstone, ExchangeField.DELETED, "oui");
                    put(tombstone, ExchangeField.MODIFIED, Instant.now().toString());
                    rows.add(tombstone);
                }
            }
        });
        exportedUpTo = sequence;
        String name = String.format("export-cdt-%s-%03d.%s", java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS")
                .withZone(java.time.ZoneOffset.UTC).format(Instant.now()), ++exports % 1000, settings.format());
        Path target = folder("export").resolve(name);
        try {
            Path temp = target.resolveSibling("." + name + ".part");
            Files.write(temp, ExchangeTable.write(settings.format(), List.copyOf(settings.columns().values()), rows));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    /** A lesson typed in Pronote, cells by canonical field name ({@code date}, {@code className}...); answers its id. */
    public synchronized String type(Map<String, String> fields) {
        String id = "PRN-" + (++typed);
        Map<String, String> row = new LinkedHashMap<>();
        settings.columns().values().forEach(h -> row.put(h, ""));
        fields.forEach((field, value) -> row.put(header(field), value));
        put(row, ExchangeField.TOOL_ID, id);
        store(id, new ArrayList<>(List.of(row)));
        return id;
    }

    /** Changes cells of every row of a lesson, by canonical field name. */
    public synchronized void edit(String id, Map<String, String> fields) {
        Lesson lesson = lessons.get(id);
        if (lesson == null || lesson.deleted()) {
            throw new IllegalArgumentException("Pronote has no lesson " + id);
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (Map<String, String> row : lesson.rows()) {
            Map<String, String> copy = new LinkedHashMap<>(row);
            fields.forEach((field, value) -> copy.put(header(field), value));
            rows.add(copy);
        }
        store(id, rows);
    }

    public synchronized void remove(String id) {
        Lesson lesson = lessons.get(id);
        if (lesson != null && !lesson.deleted()) {
            lessons.put(id, new Lesson(lesson.rows(), ++sequence, true));
        }
    }

    /** The lessons Pronote holds (deleted ones left out), rows of cells by column header. */
    public synchronized Map<String, List<Map<String, String>>> lessons() {
        Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
        lessons.forEach((id, l) -> {
            if (!l.deleted()) {
                out.put(id, l.rows().stream().map(r -> Map.copyOf(r)).toList());
            }
        });
        return out;
    }

    private void store(String id, List<Map<String, String>> rows) {
        String now = Instant.now().toString();
        rows.forEach(r -> put(r, ExchangeField.MODIFIED, now));
        lessons.put(id, new Lesson(rows, ++sequence, false));
    }

    /** Pronote's id of a row: the id column, or without one the lesson itself. */
    private String id(Map<String, String> row) {
        if (settings.maps(ExchangeField.TOOL_ID) && !row.getOrDefault(settings.column(ExchangeField.TOOL_ID), "").isBlank()) {
            return row.get(settings.column(ExchangeField.TOOL_ID));
        }
        StringBuilder key = new StringBuilder();
        for (ExchangeField f : List.of(ExchangeField.SCHOOL, ExchangeField.CLASS_NAME, ExchangeField.DATE,
                ExchangeField.START, ExchangeField.TITLE)) {
            key.append(settings.maps(f) ? row.getOrDefault(settings.column(f), "") : "").append('|');
        }
        return key.toString();
    }

    private boolean isDeleted(Map<String, String> row) {
        return settings.maps(ExchangeField.DELETED) && Set.of("oui", "true", "1", "vrai", "x")
                .contains(row.getOrDefault(settings.column(ExchangeField.DELETED), "").strip().toLowerCase(Locale.ROOT));
    }

    private String header(String field) {
        ExchangeField f = ExchangeField.byKey(field)
                .orElseThrow(() -> new IllegalArgumentException("unknown field " + field));
        if (!settings.maps(f)) {
            throw new IllegalArgumentException("Pronote's export has no column for " + field);
        }
        return settings.column(f);
    }

    private void put(Map<String, String> row, ExchangeField field, String value) {
        if (settings.maps(field)) {
            row.put(settings.column(field), value);
        }
    }

    private Path folder(String name) {
        Path folder = settings.dropFolder().resolve(name);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return folder;
    }
}
