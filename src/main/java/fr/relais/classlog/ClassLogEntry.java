package fr.relais.classlog;

import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;

/**
 * The canonical cahier de textes entry (reference/cahier-de-textes.md): one lesson of a class or group, its
 * content as sanitised HTML, the work to do with the date given and the date due, attachments by reference.
 * Once normalised ({@link Normalizer}): {@code content} and a homework's {@code description} are HTML of the safe
 * subset; {@code title}, {@code subject}, {@code teacher}, {@code visaBy}, a homework's {@code kind} and an
 * attachment's {@code name} and {@code mediaType} are plain text, to be escaped by whoever renders them or writes
 * them into an HTML field; an attachment's {@code url} is absolute http(s), or absent.
 */
public record ClassLogEntry(String school, String audience, String subject, String teacher, LocalDate date,
                            LocalTime start, LocalTime end, String title, String content, List<Homework> homework,
                            List<Attachment> attachments, boolean published, String visaBy) {

    /** What makes a lesson (school, class, date, start, title): {@link #sameLesson} and {@link #lessonKey} both. */
    private List<Object> lesson() {
        return java.util.Arrays.asList(school, audience, date, start, title);
    }

    /** The same lesson: how a tool's copy is recognised without its id. */
    public boolean sameLesson(ClassLogEntry other) {
        return other != null && lesson().equals(other.lesson());
    }

    /** The lesson as a key: the same for two entries of the same lesson. */
    public String lessonKey() {
        return fr.relais.platform.Tokens.sha256(String.join("\u001f", lesson().stream().map(String::valueOf).toList()));
    }

    public record Homework(String id, LocalDate givenOn, LocalDate dueOn, String description, Integer estimatedMinutes,
                           String kind, List<Attachment> attachments) {
    }

    /** A document travels as a reference (URL or content hash), never as bytes through the broker. */
    public record Attachment(String name, String mediaType, Long size, String url, String sha256) {
    }
}
