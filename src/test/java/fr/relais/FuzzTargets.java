package fr.relais;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What the fuzzing harnesses share: how long {@code mvn -Pfuzz} fuzzes one (JUnit's {@code @FuzzTest} takes it
 * as a constant), and the checks that a refusal is a sentence and that a parsed document declared no DTD.
 */
public final class FuzzTargets {

    /** The length of one {@code -Pfuzz} run of a harness; the seeds alone (mvn test) take milliseconds. */
    public static final String MAX_DURATION = "10m";

    private static final Pattern COMMENT_OR_CDATA = Pattern.compile("(?s)<!--.*?-->|<!\\[CDATA\\[.*?]]>|<\\?.*?\\?>");

    private FuzzTargets() {
    }

    /** A refusal reaches a user or a partner: it says something, in a sentence, not a class name or a null. */
    public static void assertSaysWhy(Exception refusal) {
        String message = refusal.getMessage();
        if (message == null || message.isBlank() || message.startsWith("java.") || message.startsWith("org.")) {
            throw new AssertionError("refusal without a reason: " + refusal, refusal);
        }
    }

    /**
     * A document that was read carried no internal DTD subset, where entities are declared (a DOCTYPE that only
     * names its DTD, as AAF files do, is allowed): no {@code <!ENTITY}, no {@code <!DOCTYPE ... [}.
     */
    public static void assertNoDtdSubset(byte[] accepted) {
        String markup = COMMENT_OR_CDATA.matcher(new String(accepted, StandardCharsets.ISO_8859_1)).replaceAll("");
        int doctype = markup.indexOf("<!DOCTYPE");
        int end = doctype < 0 ? -1 : markup.indexOf('>', doctype);
        int subset = doctype < 0 ? -1 : markup.indexOf('[', doctype);
        if (markup.contains("<!ENTITY") || (subset >= 0 && (end < 0 || subset < end))) {
            throw new AssertionError("a document with an internal DTD subset was read");
        }
    }

    /**
     * A document that was read declared no DTD: no {@code <!DOCTYPE} nor {@code <!ENTITY} outside comments and
     * CDATA sections (read as Latin-1, byte for byte, so any ASCII-compatible encoding is seen).
     */
    public static void assertNoDtd(byte[] accepted) {
        String markup = COMMENT_OR_CDATA.matcher(new String(accepted, StandardCharsets.ISO_8859_1)).replaceAll("");
        if (markup.contains("<!DOCTYPE") || markup.contains("<!ENTITY")) {
            throw new AssertionError("a document declaring a DTD or an entity was read");
        }
    }
}
