package fr.relais.classlog.tools;

import java.util.Arrays;
import java.util.Optional;

/**
 * The canonical fields a file-exchange tool's columns are mapped to ({@code classlog.columns}: field -> column
 * header). One row is one lesson with at most one piece of work; a lesson with several pieces of work is several
 * rows sharing the tool's id, the lesson's cells repeated on each.
 */
public enum ExchangeField {

    /** The tool's id of the lesson; Relais writes a new id of its own ({@code relais-<uuid>}) when it creates one. */
    TOOL_ID("toolId", Kind.TEXT),
    /** UAI of the school; absent, every row belongs to the school being polled (one drop folder per school). */
    SCHOOL("school", Kind.TEXT),
    CLASS_NAME("className", Kind.TEXT),
    SUBJECT("subject", Kind.TEXT),
    TEACHER("teacher", Kind.TEXT),
    DATE("date", Kind.DATE),
    START("start", Kind.TIME),
    END("end", Kind.TIME),
    TITLE("title", Kind.TEXT),
    CONTENT("content", Kind.TEXT),
    /** Absent or blank: published (a tool without the notion shows what it holds). */
    PUBLISHED("published", Kind.BOOLEAN),
    ATTACHMENTS("attachments", Kind.ATTACHMENTS),
    VISA("visa", Kind.TEXT),
    /** Absent: the lesson's tool id followed by the row's rank in the lesson ({@code P12-1}). */
    HOMEWORK_ID("homeworkId", Kind.TEXT),
    HOMEWORK("homework", Kind.TEXT),
    /** Absent or blank: the lesson's date. */
    GIVEN_ON("givenOn", Kind.DATE),
    DUE_ON("dueOn", Kind.DATE),
    ESTIMATED_MINUTES("estimatedMinutes", Kind.INTEGER),
    HOMEWORK_KIND("homeworkKind", Kind.TEXT),
    HOMEWORK_ATTACHMENTS("homeworkAttachments", Kind.ATTACHMENTS),
    /** The tool's modification stamp: when the change happened at its source (not part of the version). */
    MODIFIED("modified", Kind.INSTANT),
    /** Absent or blank: not deleted. */
    DELETED("deleted", Kind.BOOLEAN);

    public enum Kind { TEXT, DATE, TIME, BOOLEAN, INTEGER, ATTACHMENTS, INSTANT }

    private final String key;
    private final Kind kind;

    ExchangeField(String key, Kind kind) {
        this.key = key;
        this.kind = kind;
    }

    /** The name used under {@code classlog.columns}. */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public static Optional<ExchangeField> byKey(String key) {
        return Arrays.stream(values()).filter(f -> f.key.equals(key)).findFirst();
    }
}
