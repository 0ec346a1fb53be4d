package fr.relais.classlog;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Element;

import fr.relais.FuzzTargets;

/**
 * The class-log normaliser on anything a tool may send. An input is UTF-8 text: its first five lines are the
 * title, the subject (also the homework's kind), the teacher, an attachment's name and its URL; the rest is the
 * HTML of the content and of the homework's description. Seeds: {@code NormalizerFuzzTestInputs/}.
 */
class NormalizerFuzzTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 23);
    private static final Pattern TAG_START = Pattern.compile("<[A-Za-z/!?]");

    static ClassLogEntry entry(byte[] data) {
        String[] f = new String(data, StandardCharsets.UTF_8).split("\n", 6);
        String title = f[0];
        String subject = f.length > 1 ? f[1] : null;
        String teacher = f.length > 2 ? f[2] : null;
        String name = f.length > 3 ? f[3] : null;
        String url = f.length > 4 ? f[4] : null;
        String html = f.length > 5 ? f[5] : null;
        ClassLogEntry.Attachment attachment = new ClassLogEntry.Attachment(name, subject, 1024L, url, null);
        return new ClassLogEntry("0690100J", "6A", subject, teacher, DAY, LocalTime.of(8, 0), LocalTime.of(9, 0), title,
                html, List.of(new ClassLogEntry.Homework("h1", DAY, DAY.plusDays(7), html, 30, subject,
                List.of(attachment))), List.of(attachment), true, teacher);
    }

    /**
     * Refused with reasons, or accepted with: no {@code <script}, no {@code on*} attribute, links and sources
     * in http(s) only in the HTML fields; no tag start in the plain-text fields; attachment URLs in http(s); and
     * normalising the result again gives it back unchanged, with nothing more to clean.
     */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void normalisedEntriesAreSafeAndStable(byte[] data) {
        ClassLogEntry in = entry(data);
        Normalizer.Outcome outcome = Normalizer.normalize(in, audience -> true);
        if (outcome instanceof Normalizer.Refused refused) {
            if (refused.reasons().isEmpty() || refused.reasons().stream().anyMatch(String::isBlank)) {
                throw new AssertionError("refused without a reason");
            }
            return;
        }
        ClassLogEntry out = ((Normalizer.Accepted) outcome).entry();
        safeHtml(out.content());
        List<String> text = new ArrayList<>(List.of(nullToEmpty(out.title()), nullToEmpty(out.subject()),
                nullToEmpty(out.teacher()), nullToEmpty(out.visaBy())));
        List<ClassLogEntry.Attachment> attachments = new ArrayList<>(out.attachments());
        for (ClassLogEntry.Homework h : out.homework()) {
            safeHtml(h.description());
            text.add(nullToEmpty(h.kind()));
            attachments.addAll(h.attachments());
        }
        for (ClassLogEntry.Attachment a : attachments) {
            text.add(nullToEmpty(a.name()));
            text.add(nullToEmpty(a.mediaType()));
            if (a.url() != null && a.url().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new AssertionError("attachment URL kept with a control character: " + a.url());
            }
            if (a.url() != null && !a.url().isBlank() && !a.url().strip().toLowerCase(Locale.ROOT).matches("(?s)https?://.+")) {
                throw new AssertionError("attachment URL kept in another scheme: " + a.url());
            }
        }
        for (String t : text) {
            if (TAG_START.matcher(t).find()) {
                throw new AssertionError("tag start left in a plain-text field: " + t);
            }
        }
        Normalizer.Outcome again = Normalizer.normalize(out, audience -> true);
        if (!(again instanceof Normalizer.Accepted accepted) || !accepted.entry().equals(out) || accepted.cleaned()) {
            throw new AssertionError("normalising twice changes the entry:\n" + out + "\n" + again);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void safeHtml(String html) {
        if (html.toLowerCase(Locale.ROOT).contains("<script")) {
            throw new AssertionError("script kept: " + html);
        }
        for (Element e : Jsoup.parseBodyFragment(html).body().getAllElements()) {
            for (Attribute a : e.attributes()) {
                String name = a.getKey().toLowerCase(Locale.ROOT);
                if (name.startsWith("on")) {
                    throw new AssertionError("event attribute kept: " + html);
                }
                if ((name.equals("href") || name.equals("src") || name.equals("cite"))
                        && !a.getValue().strip().toLowerCase(Locale.ROOT).matches("https?:.*")) {
                    throw new AssertionError(name + " kept in another scheme: " + html);
                }
            }
        }
    }
}
