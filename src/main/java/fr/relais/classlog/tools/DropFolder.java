package fr.relais.classlog.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fr.relais.classlog.ToolException;

/**
 * A file-exchange tool's drop folder, a local directory shared with the tool:
 * <pre>
 * export/     the tool drops its export files; Relais moves each one out once it is complete (unchanged for the
 *             quiet period), in name order
 * import/     Relais writes relais-&lt;stamp&gt;.csv|xml for the tool to import (under a dot-name, then renamed);
 *             the tool removes a file once imported
 * processed/  export files read, renamed &lt;stamp&gt;-&lt;name&gt; so that name order is arrival order (the
 *             watermark is such a name); &lt;file&gt;.reason.txt next to one whose rows have unreadable cells.
 *             Pruned after keepProcessed, except the latest file and those a school's watermark points at
 * rejected/   export files refused whole, each with &lt;file&gt;.reason.txt saying why, in French
 * state/      positions.properties: each school's watermark, which pruning keeps
 * </pre>
 * Folders are created when missing. An I/O failure makes the tool {@linkplain ToolException#unavailable unavailable}
 * (an unmounted share comes back).
 */
final class DropFolder {

    /** An export file refused whole ({@code wholeFile}) or read with some rows unreadable, and why. */
    record Problem(String file, boolean wholeFile, Instant at, String reason) {
    }

    private static final Logger log = LoggerFactory.getLogger(DropFolder.class);
    private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();
    private static final AtomicLong LAST_STAMP = new AtomicLong();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String REASON = ".reason.txt";
    /** Parsed processed files: they never change once there, and every school's poll reads the same ones. */
    private static final Map<Path, ExchangeTable.Table> CACHE = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Path, ExchangeTable.Table> eldest) {
                    return size() > 4;
                }
            });

    private final FileExchangeSettings settings;
    private final Path root;
    private final Object lock;

    private DropFolder(FileExchangeSettings settings) {
        this.settings = settings;
        this.root = settings.dropFolder().toAbsolutePath().normalize();
        this.lock = LOCKS.computeIfAbsent(root, r -> new Object());
    }

    static DropFolder open(FileExchangeSettings settings) throws ToolException {
        DropFolder folder = new DropFolder(settings);
        try {
            for (String sub : List.of("export", "import", "processed", "rejected", "state")) {
                Files.createDirectories(folder.root.resolve(sub));
            }
        } catch (IOException e) {
            throw folder.unavailable("dossier d'échange " + folder.root + " inaccessible", e);
        }
        return folder;
    }

    Path export() {
        return root.resolve("export");
    }

    Path importFolder() {
        return root.resolve("import");
    }

    /**
     * Moves the complete files of {@code export/} to {@code processed/} or, when they cannot be read as a whole,
     * to {@code rejected/} with the reason; then prunes {@code processed/}.
     */
    void ingest(ExchangeLessons lessons) throws ToolException {
        synchronized (lock) {
            try {
                Instant settled = Instant.now().minus(settings.quietPeriod());
                for (Path file : list(export())) {
                    if (Files.getLastModifiedTime(file).toInstant().isAfter(settled)) {
                        break; // may still be written; later names wait too, to keep the order
                    }
                    ingest(file, lessons);
                }
                prune();
            } catch (IOException e) {
                throw unavailable("lecture de " + export() + " impossible", e);
            }
        }
    }

    private void ingest(Path file, ExchangeLessons lessons) throws IOException {
        String name = stamp() + "-" + file.getFileName();
        try {
            ingest(file, name, lessons);
        } catch (RuntimeException e) {
            // a file that trips Relais must not block the ones after it at every poll
            log.error("Cahier de textes {} : {} illisible", settings.toolId(), file, e);
            reject(file, name, "fichier non lu : erreur de Relais en le lisant (" + e + ") ; signaler ce fichier à "
                    + "l'équipe Relais");
        }
    }

    private void ingest(Path file, String name, ExchangeLessons lessons) throws IOException {
        long size = Files.size(file);
        if (size > settings.maxFileBytes()) {
            reject(file, name, "fichier non lu : " + size + " octets, au plus " + settings.maxFileBytes()
                    + " (classlog.maxFileBytes) ; exporter une période plus courte ou relever la limite dans "
                    + where());
            return;
        }
        ExchangeTable.Table table;
        try {
            table = ExchangeTable.read(Files.readAllBytes(file), settings.format());
        } catch (ExchangeTable.Unreadable e) {
            reject(file, name, e.getMessage());
            return;
        }
        List<String> missing = lessons.missingColumns(table.headers());
        if (!missing.isEmpty() && (!"xml".equals(settings.format()) || !table.rows().isEmpty())) {
            reject(file, name, "fichier non lu : colonne" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " absente" + (missing.size() > 1 ? "s" : "") + " de l'en-tête (colonnes trouvées : "
                    + String.join(", ", table.headers()) + ") ; corriger l'export de l'outil ou classlog.columns dans "
                    + where());
            return;
        }
        Path target = root.resolve("processed").resolve(name);
        List<String> problems = new ArrayList<>();
        for (ExchangeLessons.Lesson lesson : lessons.lessons(table.rows(), Instant.now(), null)) {
            problems.addAll(lesson.problems());
            if (settings.maps(ExchangeField.SCHOOL) && lesson.school() == null) {
                problems.add(lesson.where() + " : colonne '" + settings.column(ExchangeField.SCHOOL) + "' vide : la "
                        + "séance n'appartient à aucun établissement et n'est pas lue");
            }
        }
        if (!problems.isEmpty()) {
            writeAtomically(target.resolveSibling(name + REASON), ("Lu le " + Instant.now() + " ; lignes en défaut "
                    + "(les séances concernées sont refusées ou lues sans le champ illisible) :\n"
                    + String.join("\n", problems) + "\n").getBytes(StandardCharsets.UTF_8));
            log.warn("Cahier de textes {} : {} : {} ligne(s) en défaut", settings.toolId(), file.getFileName(), problems.size());
        }
        if (move(file, target)) {
            CACHE.put(target, table);
        }
    }

    private void reject(Path file, String name, String reason) throws IOException {
        Path target = root.resolve("rejected").resolve(name);
        if (move(file, target)) {
            writeAtomically(target.resolveSibling(name + REASON), ("Refusé le " + Instant.now() + " : " + file.getFileName()
                    + "\n" + reason + "\n").getBytes(StandardCharsets.UTF_8));
            log.warn("Cahier de textes {} : {} refusé : {}", settings.toolId(), file.getFileName(), reason);
        }
    }

    /** False when another instance took the file first. */
    private static boolean move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Names of the files of {@code processed/}, oldest first. */
    List<String> processed() throws ToolException {
        try {
            return list(root.resolve("processed")).stream().map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw unavailable("lecture de " + root.resolve("processed") + " impossible", e);
        }
    }

    /** A processed file as a table, or null when it is no longer there (pruned). */
    ExchangeTable.Table table(String processedName) throws ToolException {
        Path file = root.resolve("processed").resolve(processedName);
        ExchangeTable.Table cached = CACHE.get(file);
        if (cached != null) {
            return cached;
        }
        return read(file);
    }

    /** Reads an import or processed file as a table, or null when it is gone or unreadable. */
    ExchangeTable.Table read(Path file) throws ToolException {
        try {
            ExchangeTable.Table table = ExchangeTable.read(Files.readAllBytes(file), settings.format());
            if (file.getParent().endsWith("processed")) {
                CACHE.put(file, table);
            }
            return table;
        } catch (NoSuchFileException e) {
            return null;
        } catch (ExchangeTable.Unreadable e) {
            log.warn("Cahier de textes {} : {} illisible : {}", settings.toolId(), file, e.getMessage());
            return null;
        } catch (IOException e) {
            throw unavailable("lecture de " + file + " impossible", e);
        }
    }

    /** When the tool wrote a processed file (the move keeps the time). */
    Instant written(String processedName) {
        try {
            return Files.getLastModifiedTime(root.resolve("processed").resolve(processedName)).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    /** Remembers the file a school resumes from, so that pruning keeps it. */
    void pin(String school, String watermark) throws ToolException {
        if (watermark == null) {
            return;
        }
        synchronized (lock) {
            Properties positions = positions();
            if (!watermark.equals(positions.getProperty(school))) {
                positions.setProperty(school, watermark);
                try (var out = new java.io.ByteArrayOutputStream()) {
                    positions.store(out, "watermark of each school (file of processed/ polling resumes after)");
                    writeAtomically(root.resolve("state").resolve("positions.properties"), out.toByteArray());
                } catch (IOException e) {
                    throw unavailable("écriture de " + root.resolve("state") + " impossible", e);
                }
            }
        }
    }

    private Properties positions() {
        Properties positions = new Properties();
        try (InputStream in = Files.newInputStream(root.resolve("state").resolve("positions.properties"))) {
            positions.load(in);
        } catch (IOException e) {
            // none yet
        }
        return positions;
    }

    private void prune() throws IOException {
        List<Path> files = list(root.resolve("processed"));
        // stamps run ahead of the clock when several files come in the same millisecond: measure age on the
        // stamps' clock, so that with keepProcessed 0 every file stamped so far counts as old enough
        long clock = Math.max(System.currentTimeMillis(), LAST_STAMP.get());
        String oldest = STAMP.format(Instant.ofEpochMilli(clock + 1).minus(settings.keepProcessed()));
        var pinned = positions().values();
        for (Path file : files.subList(0, Math.max(0, files.size() - 1))) {
            String name = file.getFileName().toString();
            if (name.compareTo(oldest) < 0 && !pinned.contains(name)) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.resolveSibling(name + REASON));
                CACHE.remove(file);
            }
        }
    }

    /** Writes a file for the tool to import: under a dot-name first, so that the tool never sees half of it. */
    Path writeImport(byte[] content) throws ToolException {
        Path target = importFolder().resolve("relais-" + stamp() + "." + settings.format());
        try {
            writeAtomically(target, content);
            return target;
        } catch (IOException e) {
            throw unavailable("écriture dans " + importFolder() + " impossible", e);
        }
    }

    /** Relais' files not yet imported by the tool, newest first. */
    List<Path> pendingImports() throws ToolException {
        try {
            return list(importFolder()).stream().filter(p -> p.getFileName().toString().startsWith("relais-"))
                    .sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            throw unavailable("lecture de " + importFolder() + " impossible", e);
        }
    }

    /** Files refused whole ({@code rejected/}), then files read with unreadable rows ({@code processed/}). */
    List<Problem> problems() throws ToolException {
        List<Problem> out = new ArrayList<>();
        try {
            for (String sub : List.of("rejected", "processed")) {
                try (Stream<Path> files = Files.list(root.resolve(sub))) {
                    for (Path reason : files.filter(p -> p.getFileName().toString().endsWith(REASON)).sorted().toList()) {
                        String name = reason.getFileName().toString();
                        out.add(new Problem(sub + "/" + name.substring(0, name.length() - REASON.length()),
                                sub.equals("rejected"), Files.getLastModifiedTime(reason).toInstant(),
                                Files.readString(reason, StandardCharsets.UTF_8).strip()));
                    }
                }
            }
        } catch (IOException e) {
            throw unavailable("lecture de " + root + " impossible", e);
        }
        return out;
    }

    /** Data files of a folder in name order: dot-names, temporary names and reason files are not data. */
    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && !n.startsWith("~") && !n.endsWith(".tmp") && !n.endsWith(".part")
                        && !n.endsWith(REASON);
            }).sorted().toList();
        }
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            out.write(content);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A sortable, unique stamp: UTC time to the millisecond, never twice the same in this JVM. */
    private static String stamp() {
        long now = System.currentTimeMillis();
        long ms = LAST_STAMP.updateAndGet(last -> Math.max(last + 1, now));
        return STAMP.format(Instant.ofEpochMilli(ms));
    }

    private String where() {
        return settings.source() == null ? settings.toolId() : settings.source();
    }

    private ToolException unavailable(String what, IOException e) {
        return ToolException.unavailable(settings.toolId() + " : " + what + " (" + e + ")", e);
    }
}
