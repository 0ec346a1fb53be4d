package fr.relais.classlog.tools;

import static fr.relais.classlog.tools.ExchangeField.*;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import fr.relais.classlog.ClassLogEntry;

/**
 * Rows of an exchange file <-> lessons, through the tool's column mapping.
 * <ul>
 * <li>Rows sharing a tool id are one lesson (one row per piece of work); without a {@code toolId} column a lesson is
 * identified by its school, class, date, start and title ({@code lecon-<hash>}).</li>
 * <li>A lesson's version is the SHA-256 of its rows' values once read (dates as ISO, times as HH:mm, booleans,
 * attachments re-serialised; an unreadable cell as its text), the {@code modified} column excepted: the same lesson
 * exported again has the same version, however the tool stamps or formats it, and what Relais writes has the
 * version its next export will show.</li>
 * <li>A cell that cannot be read makes its field null (the normaliser then refuses the lesson if the field is
 * needed) and is listed in {@link Lesson#problems()}.</li>
 * </ul>
 * Dates are read as {@code yyyy-MM-dd} or {@code dd/MM/yyyy}; times as {@code 10:30}, {@code 10h30} or
 * {@code 10:30:00}; booleans as oui/non, true/false, vrai/faux, 1/0, x/(empty); the stamp as an ISO instant or a
 * local date-time in Europe/Paris. Attachments are one per line, {@code name|url}, optionally followed by
 * {@code |mediaType|size|sha256}; {@code %}, {@code |} and line breaks in a name are written {@code %25},
 * {@code %7C}, {@code %0A}.
 */
public final class ExchangeLessons {

    /** One lesson of a file: its identity, whether deleted, its version, and the canonical entry read from it. */
    public record Lesson(String toolId, String school, boolean deleted, String version, Instant modifiedAt,
                         ClassLogEntry entry, String where, List<String> problems) {
    }

    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final DateTimeFormatter FRENCH_DATE = DateTimeFormatter.ofPattern("dd/MM/yyyy");
    private static final Pattern TIME = Pattern.compile("(\\d{1,2})\\s*[:hH]\\s*(\\d{2})?(?::(\\d{2}))?");
    private static final Pattern LOCAL_STAMP = Pattern.compile("(\\S+)[T ](\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?)");

    private final FileExchangeSettings settings;

    public ExchangeLessons(FileExchangeSettings settings) {
        this.settings = settings;
    }

    /** The file's headers that the mapping needs and the file lacks (the file is then refused whole). */
    public List<String> missingColumns(List<String> headers) {
        return settings.columns().entrySet().stream().filter(c -> !headers.contains(c.getValue()))
                .map(c -> "'" + c.getValue() + "' (classlog.columns." + c.getKey().key() + ")").toList();
    }

    /**
     * The file's lessons, in the order of their first row.
     * @param school the school of every row when the mapping has no {@code school} column (one folder per school)
     * @param fileTime when the file was written: the lessons' modification time when no {@code modified} column says
     */
    public List<Lesson> lessons(List<ExchangeTable.Row> rows, Instant fileTime, String school) {
        Map<String, List<Read>> byId = new LinkedHashMap<>();
        for (ExchangeTable.Row row : rows) {
            Read r = read(row);
            byId.computeIfAbsent(r.text(TOOL_ID).isEmpty() ? derivedId(r) : r.text(TOOL_ID), k -> new ArrayList<>()).add(r);
        }
        List<Lesson> out = new ArrayList<>();
        byId.forEach((id, reads) -> out.add(lesson(id, reads, fileTime, school)));
        return out;
    }

    /** The rows Relais writes for an entry (one per piece of work, at least one); {@code toolId} may be null. */
    public List<Map<String, String>> rows(ClassLogEntry e, String toolId, Instant now) {
        Map<ExchangeField, String> lesson = new EnumMap<>(ExchangeField.class);
        lesson.put(TOOL_ID, toolId);
        lesson.put(SCHOOL, e.school());
        lesson.put(CLASS_NAME, e.audience());
        lesson.put(SUBJECT, e.subject());
        lesson.put(TEACHER, e.teacher());
        lesson.put(DATE, date(e.date()));
        lesson.put(START, e.start() == null ? null : hhmm(e.start()));
        lesson.put(END, e.end() == null ? null : hhmm(e.end()));
        lesson.put(TITLE, e.title());
        lesson.put(CONTENT, e.content());
        lesson.put(PUBLISHED, e.published() ? "oui" : "non");
        lesson.put(ATTACHMENTS, attachments(e.attachments()));
        lesson.put(VISA, e.visaBy());
        lesson.put(MODIFIED, now.toString());
        lesson.put(DELETED, "non");
        List<Map<String, String>> rows = new ArrayList<>();
        List<ClassLogEntry.Homework> homework = e.homework() == null ? List.of() : e.homework();
        for (int i = 0; i < Math.max(1, homework.size()); i++) {
            Map<ExchangeField, String> row = new EnumMap<>(lesson);
            if (i < homework.size()) {
                ClassLogEntry.Homework h = homework.get(i);
                row.put(HOMEWORK_ID, h.id());
                row.put(HOMEWORK, h.description());
                row.put(GIVEN_ON, date(h.givenOn()));
                row.put(DUE_ON, date(h.dueOn()));
                row.put(ESTIMATED_MINUTES, h.estimatedMinutes() == null ? null : h.estimatedMinutes().toString());
                row.put(HOMEWORK_KIND, h.kind());
                row.put(HOMEWORK_ATTACHMENTS, attachments(h.attachments()));
            }
            rows.add(cells(row));
        }
        return rows;
    }

    /** The row asking the tool to delete a lesson (needs the {@code toolId} and {@code deleted} columns). */
    public Map<String, String> deletion(String school, String toolId, Instant now) {
        Map<ExchangeField, String> row = new EnumMap<>(ExchangeField.class);
        row.put(TOOL_ID, toolId);
        row.put(SCHOOL, school);
        row.put(MODIFIED, now.toString());
        row.put(DELETED, "oui");
        return cells(row);
    }

    public List<String> headers() {
        return List.copyOf(settings.columns().values());
    }

    private Map<String, String> cells(Map<ExchangeField, String> values) {
        Map<String, String> cells = new LinkedHashMap<>();
        settings.columns().forEach((field, header) -> cells.put(header, Objects.requireNonNullElse(values.get(field), "")));
        return cells;
    }

    private Lesson lesson(String id, List<Read> reads, Instant fileTime, String school) {
        Read first = reads.get(0);
        List<String> problems = new ArrayList<>();
        StringBuilder canonical = new StringBuilder();
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        boolean deleted = false;
        for (Read r : reads) {
            r.problems.forEach(p -> problems.add(r.where + " : " + p));
            for (ExchangeField f : ExchangeField.values()) {
                if (f != MODIFIED) {
                    canonical.append(f.key()).append('=').append(r.text(f)).append('\n');
                }
            }
            canonical.append('\u001e');
            deleted |= Boolean.TRUE.equals(r.value(DELETED));
            if (!r.text(HOMEWORK).isEmpty() || !r.text(DUE_ON).isEmpty()) {
                LocalDate given = settings.maps(GIVEN_ON) && !r.text(GIVEN_ON).isEmpty()
                        ? (LocalDate) r.value(GIVEN_ON) : (LocalDate) first.value(DATE);
                homework.add(new ClassLogEntry.Homework(r.text(HOMEWORK_ID).isEmpty() ? id + "-" + (homework.size() + 1)
                        : r.text(HOMEWORK_ID), given, (LocalDate) r.value(DUE_ON), r.text(HOMEWORK),
                        (Integer) r.value(ESTIMATED_MINUTES), blankToNull(r.text(HOMEWORK_KIND)),
                        attachmentsOf(r, HOMEWORK_ATTACHMENTS)));
            }
        }
        Object published = first.value(PUBLISHED);
        ClassLogEntry entry = new ClassLogEntry(settings.maps(SCHOOL) ? blankToNull(first.text(SCHOOL)) : school, blankToNull(first.text(CLASS_NAME)),
                blankToNull(first.text(SUBJECT)), blankToNull(first.text(TEACHER)), (LocalDate) first.value(DATE),
                (LocalTime) first.value(START), (LocalTime) first.value(END), blankToNull(first.text(TITLE)),
                first.text(CONTENT), List.copyOf(homework), attachmentsOf(first, ATTACHMENTS),
                // unreadable: kept as a draft rather than shown to pupils and parents
                published == null ? first.text(PUBLISHED).isEmpty() : (Boolean) published,
                blankToNull(first.text(VISA)));
        Instant modified = reads.stream().map(r -> (Instant) r.value(MODIFIED)).filter(Objects::nonNull)
                .max(Instant::compareTo).orElse(fileTime);
        return new Lesson(id, entry.school(), deleted, sha256(canonical.toString()), modified, deleted ? null : entry,
                first.where, List.copyOf(problems));
    }

    @SuppressWarnings("unchecked")
    private static List<ClassLogEntry.Attachment> attachmentsOf(Read r, ExchangeField f) {
        Object v = r.value(f);
        return v == null ? List.of() : (List<ClassLogEntry.Attachment>) v;
    }

    private String derivedId(Read r) {
        return "lecon-" + sha256(String.join("\n", r.text(SCHOOL), r.text(CLASS_NAME), r.text(DATE), r.text(START),
                r.text(TITLE))).substring(0, 24);
    }

    /** A row's fields: each as canonical text (for the version) and, when readable, as a value. */
    private final class Read {
        final String where;
        final Map<ExchangeField, String> text = new EnumMap<>(ExchangeField.class);
        final Map<ExchangeField, Object> value = new EnumMap<>(ExchangeField.class);
        final List<String> problems = new ArrayList<>();

        Read(String where) {
            this.where = where;
        }

        String text(ExchangeField f) {
            return text.getOrDefault(f, "");
        }

        Object value(ExchangeField f) {
            return value.get(f);
        }
    }

    private Read read(ExchangeTable.Row row) {
        Read r = new Read(row.where());
        settings.columns().forEach((field, header) -> {
            String raw = row.cell(header);
            String cell = field == CONTENT || field == HOMEWORK ? raw.strip() : raw.strip().replaceAll("\\s+", " ");
            if (field == SCHOOL) {
                cell = cell.toUpperCase(Locale.ROOT);
            }
            if (cell.isEmpty()) {
                return;
            }
            try {
                Object v = parse(field, field.kind() == ExchangeField.Kind.ATTACHMENTS ? raw.strip() : cell);
                r.value.put(field, v);
                r.text.put(field, canonicalText(field, v));
            } catch (IllegalArgumentException | DateTimeException e) {
                r.text.put(field, "?" + cell);
                r.problems.add("colonne '" + header + "' : '" + cell + "' illisible (" + expected(field) + ")");
            }
        });
        return r;
    }

    private static Object parse(ExchangeField field, String cell) {
        return switch (field.kind()) {
            case TEXT -> cell;
            case DATE -> parseDate(cell);
            case TIME -> parseTime(cell);
            case BOOLEAN -> parseBoolean(cell);
            case INTEGER -> Integer.valueOf(cell);
            case ATTACHMENTS -> parseAttachments(cell);
            case INSTANT -> parseInstant(cell);
        };
    }

    private String canonicalText(ExchangeField field, Object v) {
        return switch (field.kind()) {
            case TIME -> hhmm((LocalTime) v);
            case ATTACHMENTS -> attachments(castAttachments(v));
            default -> v.toString();
        };
    }

    @SuppressWarnings("unchecked")
    private static List<ClassLogEntry.Attachment> castAttachments(Object v) {
        return (List<ClassLogEntry.Attachment>) v;
    }

    private static String expected(ExchangeField field) {
        return switch (field.kind()) {
            case DATE -> "date attendue AAAA-MM-JJ ou JJ/MM/AAAA";
            case TIME -> "heure attendue HH:MM";
            case BOOLEAN -> "oui ou non attendu";
            case INTEGER -> "nombre entier attendu";
            case ATTACHMENTS -> "une pièce jointe par ligne, nom|url[|type|taille|sha256]";
            case INSTANT -> "date et heure attendues";
            case TEXT -> "texte";
        };
    }

    static LocalDate parseDate(String cell) {
        if (cell.matches("\\d{1,2}/\\d{1,2}/\\d{4}")) {
            String[] p = cell.split("/");
            return LocalDate.of(Integer.parseInt(p[2]), Integer.parseInt(p[1]), Integer.parseInt(p[0]));
        }
        return LocalDate.parse(cell.length() > 10 && cell.charAt(10) == 'T' ? cell.substring(0, 10) : cell);
    }

    static LocalTime parseTime(String cell) {
        Matcher m = TIME.matcher(cell);
        if (!m.matches()) {
            throw new IllegalArgumentException(cell);
        }
        return LocalTime.of(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    static boolean parseBoolean(String cell) {
        return switch (cell.toLowerCase(Locale.ROOT)) {
            case "oui", "o", "true", "vrai", "1", "x", "yes", "y" -> true;
            case "non", "n", "false", "faux", "0", "no" -> false;
            default -> throw new IllegalArgumentException(cell);
        };
    }

    static Instant parseInstant(String cell) {
        try {
            return Instant.parse(cell);
        } catch (DateTimeParseException e) {
            Matcher m = LOCAL_STAMP.matcher(cell);
            if (!m.matches()) {
                throw e;
            }
            return LocalDateTime.of(parseDate(m.group(1)), LocalTime.parse(m.group(2).length() == 4 ? "0" + m.group(2)
                    : m.group(2))).atZone(PARIS).toInstant();
        }
    }

    static List<ClassLogEntry.Attachment> parseAttachments(String cell) {
        List<ClassLogEntry.Attachment> out = new ArrayList<>();
        for (String line : cell.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            String[] p = line.strip().split("\\|", -1);
            if (p.length < 2 || p.length > 5 || p[1].isBlank()) {
                throw new IllegalArgumentException(line);
            }
            out.add(new ClassLogEntry.Attachment(blankToNull(unescape(p[0])), p.length > 2 ? blankToNull(p[2]) : null,
                    p.length > 3 && !p[3].isBlank() ? Long.valueOf(p[3].strip()) : null, p[1].strip(),
                    p.length > 4 ? blankToNull(p[4]) : null));
        }
        return List.copyOf(out);
    }

    static String attachments(List<ClassLogEntry.Attachment> attachments) {
        List<String> lines = new ArrayList<>();
        for (ClassLogEntry.Attachment a : attachments == null ? List.<ClassLogEntry.Attachment>of() : attachments) {
            String line = escape(a.name()) + "|" + Objects.requireNonNullElse(a.url(), "");
            if (a.mediaType() != null || a.size() != null || a.sha256() != null) {
                line += "|" + Objects.requireNonNullElse(a.mediaType(), "") + "|" + (a.size() == null ? "" : a.size())
                        + "|" + Objects.requireNonNullElse(a.sha256(), "");
            }
            lines.add(line);
        }
        return String.join("\n", lines);
    }

    private static String escape(String name) {
        return name == null ? "" : name.replace("%", "%25").replace("|", "%7C").replace("\r", "").replace("\n", "%0A");
    }

    private static String unescape(String name) {
        return name.strip().replace("%0A", "\n").replace("%7C", "|").replace("%25", "%");
    }

    private String date(LocalDate d) {
        return d == null ? null : "dd/MM/yyyy".equals(settings.dateFormat()) ? FRENCH_DATE.format(d) : d.toString();
    }

    private static String hhmm(LocalTime t) {
        return t.getSecond() == 0 ? String.format("%02d:%02d", t.getHour(), t.getMinute()) : t.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
