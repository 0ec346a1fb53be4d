package fr.relais.classlog;

import java.util.ArrayList;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.safety.Safelist;

/**
 * What comes from a tool is checked and cleaned before it becomes canonical: HTML reduced to a fixed safe subset
 * (no script, no event attributes, no styles, links http(s) only), dates coherent, sizes bounded. A change that
 * cannot be made canonical is refused with its reasons; one that only needed cleaning is kept, cleaned.
 */
public final class Normalizer {

    static final int MAX_CONTENT = 64 * 1024;
    static final int MAX_HOMEWORK = 50;
    private static final Safelist SAFE = Safelist.relaxed().removeTags("img")
            .addProtocols("a", "href", "http", "https").preserveRelativeLinks(false);

    /** Either the canonical entry, or why not. */
    public sealed interface Outcome permits Accepted, Refused {
    }

    /** @param cleaned whether markup had to be removed (the change is kept, and said so) */
    public record Accepted(ClassLogEntry entry, boolean cleaned) implements Outcome {
    }

    public record Refused(List<String> reasons) implements Outcome {
    }

    private Normalizer() {
    }

    private static void tooLong(List<String> reasons, String field, String value, int max) {
        if (value != null && value.length() > max) {
            reasons.add(field + " de " + value.length() + " caractères, au plus " + max);
        }
    }

    public static String sanitize(String html) {
        return html == null ? "" : Jsoup.clean(html, SAFE);
    }

    public static Outcome normalize(ClassLogEntry e, java.util.function.Predicate<String> knownClass) {
        List<String> reasons = new ArrayList<>();
        if (e.school() == null || !fr.relais.directory.aaf.Uai.isValid(e.school())) {
            reasons.add("établissement (UAI) absent ou invalide : '" + e.school() + "'");
        }
        if (e.audience() == null || e.audience().isBlank()) {
            reasons.add("classe ou groupe absent");
        } else if (!knownClass.test(e.audience())) {
            reasons.add("classe ou groupe '" + e.audience() + "' inconnu de l'annuaire pour l'établissement " + e.school());
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
                    h.kind(), h.attachments() == null ? List.of() : h.attachments()));
        }
        if (!reasons.isEmpty()) {
            return new Refused(List.copyOf(reasons));
        }
        String content = sanitize(e.content());
        cleaned |= !content.equals(e.content() == null ? "" : e.content());
        return new Accepted(new ClassLogEntry(e.school(), e.audience(), e.subject(), e.teacher(), e.date(), e.start(),
                e.end(), e.title() == null ? null : Jsoup.parse(e.title()).text(), content, List.copyOf(homework),
                e.attachments() == null ? List.of() : e.attachments(), e.published(), e.visaBy()), cleaned);
    }
}
