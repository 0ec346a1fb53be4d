package fr.relais.classlog;

import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;

/**
 * The canonical cahier de textes entry (reference/cahier-de-textes.md): one lesson of a class or group, its
 * content as sanitised HTML, the work to do with the date given and the date due, attachments by reference.
 */
public record ClassLogEntry(String school, String audience, String subject, String teacher, LocalDate date,
                            LocalTime start, LocalTime end, String title, String content, List<Homework> homework,
                            List<Attachment> attachments, boolean published, String visaBy) {

    /** The same lesson (school, class, date, start, title): how a tool's copy is recognised without its id. */
    public boolean sameLesson(ClassLogEntry other) {
        return other != null && java.util.Objects.equals(school, other.school) && java.util.Objects.equals(audience, other.audience)
                && java.util.Objects.equals(date, other.date) && java.util.Objects.equals(start, other.start)
                && java.util.Objects.equals(title, other.title);
    }

    /** The lesson ({@link #sameLesson}) as a key: the same for two entries of the same lesson. */
    public String lessonKey() {
        return fr.relais.platform.Tokens.sha256(String.join("\u001f", String.valueOf(school), String.valueOf(audience),
                String.valueOf(date), String.valueOf(start), String.valueOf(title)));
    }

    public record Homework(String id, LocalDate givenOn, LocalDate dueOn, String description, Integer estimatedMinutes,
                           String kind, List<Attachment> attachments) {
    }

    /** A document travels as a reference (URL or content hash), never as bytes through the broker. */
    public record Attachment(String name, String mediaType, Long size, String url, String sha256) {
    }
}
