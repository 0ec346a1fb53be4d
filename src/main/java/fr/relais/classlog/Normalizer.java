package fr.relais.classlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Cleaner;
import org.jsoup.safety.Safelist;

/**
 * What comes from a tool is checked and cleaned before it becomes canonical, dates coherent, sizes bounded:
 * <ul>
 * <li>HTML fields (the session's content, a homework's description) are reduced to a fixed safe subset: no script,
 * no event attributes, no styles, no images, {@code href}/{@code cite} in http(s) only; a link in any other scheme
 * ({@code mailto:}, {@code ftp:}, {@code javascript:}, {@code data:}...) loses its link and keeps its text;</li>
 * <li>plain-text fields (title, subject, teacher, visa, a homework's kind, an attachment's name and media type) stay
 * text: tags are removed, entities are never decoded (so {@code &lt;b&gt;} stays those characters and no tag can
 * come out of them), and a {@code <} left before a letter is followed by a space so that no HTML parser reads it
 * as the start of a tag;</li>
 * <li>attachment URLs must be absolute http(s): any other scheme refuses the change, naming the attachment and
 * the scheme (dropping the attachment instead would make the next delivery erase it from the tool that holds it).</li>
 * </ul>
 * A change that cannot be made canonical is refused with its reasons, unless its only fault is a school, class or
 * group the directory does not know yet: it then waits for the directory ({@link Awaiting}). One that only needed
 * cleaning is kept, cleaned. Normalising a normalised entry gives it back unchanged.
 */
public final class Normalizer {

    static final int MAX_CONTENT = 64 * 1024;
    static final int MAX_HOMEWORK = 50;
    private static final Safelist SAFE = Safelist.relaxed().removeTags("img")
            .removeProtocols("a", "href", "ftp", "mailto").preserveRelativeLinks(false);
    /** A tag, a closing tag, a comment or a declaration, as an HTML parser would take it. */
    private static final Pattern TAG = Pattern.compile("<[A-Za-z/!?][^<>]*>");
    /** A {@code <} that an HTML parser would read as the start of a tag. */
    private static final Pattern TAG_START = Pattern.compile("<(?=[A-Za-z/!?])");
    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):.*", Pattern.DOTALL);
    /** Lenient on the rest (a space in a file name is common), strict on the scheme and the host's presence. */
    private static final Pattern ABSOLUTE_HTTP = Pattern.compile("(?i)https?://[^/?#\\s]+([/?#].*)?",
            Pattern.DOTALL);
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]");
    /** What browsers ignore in a URL's scheme ({@code java\tscript:}), removed before it is read. */
    private static final Pattern IGNORED_IN_URL = Pattern.compile("[\\x00-\\x20\\x7f]");

    /** Either the canonical entry, or why not: for good ({@link Refused}), or until the directory knows more. */
    public sealed interface Outcome permits Accepted, Refused, Awaiting {
    }

    /** @param cleaned whether markup had to be removed (the change is kept, and said so) */
    public record Accepted(ClassLogEntry entry, boolean cleaned) implements Outcome {
    }

    /** Refused for a fault of the entry itself (every reason listed, those the directory could cure too). */
    public record Refused(List<String> reasons) implements Outcome {
    }

    /**
     * Nothing wrong with the entry but its target: the directory does not know its school, class or group yet
     * (the AAF feed brings them after the tools have them, at the rentrée or for a group made mid-year).
     */
    public record Awaiting(List<String> reasons) implements Outcome {
    }

    private Normalizer() {
    }

    private static void tooLong(List<String> reasons, String field, String value, int max) {
        if (value != null && value.length() > max) {
            reasons.add(field + " de " + value.length() + " caractères, au plus " + max);
        }
    }

    /** An HTML field reduced to the safe subset; a link it had to drop ({@code <a>} without href) keeps its text. */
    public static String sanitize(String html) {
        if (html == null) {
            return "";
        }
        // cleaning copies the tree as parsed, misnesting included (text or a paragraph straight in a table row);
        // parsed again, that is moved elsewhere: cleaned until stable, so that a tool's copy of what Relais wrote
        // reads back as the same entry
        String clean = cleanOnce(html);
        if (clean.equals(html)) {
            // already clean (most fields, and every field Relais wrote and reads back): cleaning it again would
            // parse the same text to the same result
            return clean;
        }
        for (int pass = 0; pass < 4; pass++) {
            String again = cleanOnce(clean);
            if (again.equals(clean)) {
                return clean;
            }
            clean = again;
        }
        return clean;
    }

    private static String cleanOnce(String html) {
        Document clean = new Cleaner(SAFE).clean(Jsoup.parseBodyFragment(html, ""));
        clean.select("a:not([href])").unwrap();
        // as written, without indentation: pretty-printing adds spaces to the text, again at each pass
        clean.outputSettings().prettyPrint(false);
        return clean.body().html();
    }

    /** A plain-text field kept as text: tags removed, entities left as they are, no tag start left. */
    public static String plainText(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        String before;
        do {
            // again until none is left: removing {@code <b>} from {@code <<b>script>} makes a new tag
            before = out;
            out = TAG.matcher(out).replaceAll("");
        } while (!out.equals(before));
        return TAG_START.matcher(out).replaceAll("< ");
    }

    /**
     * Why an attachment URL is refused, or null when it is an absolute http(s) URL (or absent: the attachment is
     * then referenced by its content hash).
     */
    static String refusedUrl(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        Matcher scheme = SCHEME.matcher(IGNORED_IN_URL.matcher(url).replaceAll(""));
        if (!scheme.matches()) {
            return "adresse sans schéma, une adresse http(s) absolue est attendue";
        }
        String name = scheme.group(1).toLowerCase(Locale.ROOT);
        if (!name.equals("http") && !name.equals("https")) {
            return "schéma « " + name + ": » refusé, seuls http et https sont acceptés";
        }
        Matcher control = CONTROL.matcher(url);
        if (control.find()) {
            // a line break or a NUL in a URL is never a document's address, and in a header it splits it
            return String.format("adresse avec un caractère de contrôle (U+%04X), une adresse http(s) absolue est attendue",
                    (int) control.group().charAt(0));
        }
        if (!ABSOLUTE_HTTP.matcher(url.strip()).matches()) {
            return "adresse " + name + " sans hôte, une adresse http(s) absolue est attendue";
        }
        return null;
    }

    /** The attachments with their text fields cleaned; each refused URL adds a reason naming where it was. */
    private static List<ClassLogEntry.Attachment> attachments(List<ClassLogEntry.Attachment> in, String where,
                                                              List<String> reasons) {
        List<ClassLogEntry.Attachment> out = new ArrayList<>();
        for (ClassLogEntry.Attachment a : in == null ? List.<ClassLogEntry.Attachment>of() : in) {
            String name = plainText(a.name());
            String refused = refusedUrl(a.url());
            if (refused != null) {
                reasons.add(where + "pièce jointe '" + name + "' (url) : " + refused
                        + " ; corrigez le lien dans l'outil d'origine");
            }
            // a blank URL (a tab, a line break) is no URL: the document is then referenced by its hash
            String url = a.url() == null || a.url().isBlank() ? null : a.url();
            out.add(new ClassLogEntry.Attachment(name, plainText(a.mediaType()), a.size(), url, a.sha256()));
        }
        return out;
    }

    public static Outcome normalize(ClassLogEntry e, java.util.function.Predicate<String> knownClass) {
        List<String> reasons = new ArrayList<>();
        List<String> awaiting = new ArrayList<>(1); // the reasons a later import of the directory can cure
        if (e.school() == null || !fr.relais.directory.aaf.Uai.isValid(e.school())) {
            reasons.add("établissement (UAI) absent ou invalide : '" + e.school() + "'");
        }
        if (e.audience() == null || e.audience().isBlank()) {
            reasons.add("classe ou groupe absent");
        } else if (!knownClass.test(e.audience())) {
            // an unknown school has no class either: this covers it, and names it
            awaiting.add("classe ou groupe '" + e.audience() + "' inconnu de l'annuaire pour l'établissement " + e.school());
            reasons.add(awaiting.get(0));
        }
        if (e.date() == null) {
            reasons.add("date de la séance absente ou invalide");
        }
        tooLong(reasons, "matière", e.subject(), 64);
        tooLong(reasons, "enseignant", e.teacher(), 128);
        tooLong(reasons, "visa", e.visaBy(), 128);
        tooLong(reasons, "classe ou groupe", e.audience(), 64);
        if (e.start() != null && e.end() != null && e.end().isBefore(e.start())) {
            reasons.add("la séance finit (" + e.end() + ") avant de commencer (" + e.start() + ")");
        }
        if (e.content() != null && e.content().length() > MAX_CONTENT) {
            reasons.add("contenu de " + e.content().length() + " caractères, au plus " + MAX_CONTENT);
        }
        if (e.homework() != null && e.homework().size() > MAX_HOMEWORK) {
            reasons.add(e.homework().size() + " travaux à faire, au plus " + MAX_HOMEWORK);
        }
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        boolean cleaned = false;
        for (ClassLogEntry.Homework h : e.homework() == null ? List.<ClassLogEntry.Homework>of() : e.homework()) {
            if (h.givenOn() == null || h.dueOn() == null) {
                reasons.add("travail '" + h.id() + "' : date donnée et date due obligatoires");
            } else if (h.dueOn().isBefore(h.givenOn())) {
                reasons.add("travail '" + h.id() + "' : à rendre le " + h.dueOn() + ", avant d'être donné le " + h.givenOn());
            }
            String description = sanitize(h.description());
            cleaned |= !description.equals(h.description() == null ? "" : h.description());
            homework.add(new ClassLogEntry.Homework(h.id(), h.givenOn(), h.dueOn(), description, h.estimatedMinutes(),
                    plainText(h.kind()), attachments(h.attachments(), "travail '" + h.id() + "', ", reasons)));
        }
        List<ClassLogEntry.Attachment> attachments = attachments(e.attachments(), "séance, ", reasons);
        if (!reasons.isEmpty()) {
            return reasons.size() == awaiting.size() ? new Awaiting(List.copyOf(awaiting)) : new Refused(List.copyOf(reasons));
        }
        String content = sanitize(e.content());
        cleaned |= !content.equals(e.content() == null ? "" : e.content());
        ClassLogEntry normalized = new ClassLogEntry(e.school(), e.audience(), plainText(e.subject()),
                plainText(e.teacher()), e.date(), e.start(), e.end(), plainText(e.title()), content, List.copyOf(homework),
                List.copyOf(attachments), e.published(), plainText(e.visaBy()));
        // the plain-text fields and the attachments' names and types, compared as they came and as they are kept
        cleaned |= !textFields(normalized).equals(textFields(e));
        return new Accepted(normalized, cleaned);
    }

    private static List<String> textFields(ClassLogEntry e) {
        List<String> out = new ArrayList<>(java.util.Arrays.asList(e.subject(), e.teacher(), e.title(), e.visaBy()));
        for (ClassLogEntry.Homework h : e.homework() == null ? List.<ClassLogEntry.Homework>of() : e.homework()) {
            out.add(h.kind());
            for (ClassLogEntry.Attachment a : h.attachments() == null ? List.<ClassLogEntry.Attachment>of() : h.attachments()) {
                out.add(a.name());
                out.add(a.mediaType());
            }
        }
        for (ClassLogEntry.Attachment a : e.attachments() == null ? List.<ClassLogEntry.Attachment>of() : e.attachments()) {
            out.add(a.name());
            out.add(a.mediaType());
        }
        return out;
    }
}
