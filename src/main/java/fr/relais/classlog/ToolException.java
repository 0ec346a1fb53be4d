package fr.relais.classlog;

/** A class-log tool could not do what was asked: either it is unavailable now, or it refuses this entry. */
public class ToolException extends Exception {

    private final boolean refused;
    private final boolean changed;

    private ToolException(String message, Throwable cause, boolean refused, boolean changed) {
        super(message, cause);
        this.refused = refused;
        this.changed = changed;
    }

    /** The tool cannot answer now (network, timeout, 5xx, 429): retried without limit, counts for the breaker. */
    public static ToolException unavailable(String message, Throwable cause) {
        return new ToolException(message, cause, false, false);
    }

    /** The tool answered and refuses this entry (4xx, an error code in the body): retried, then dead-lettered. */
    public static ToolException refused(String message) {
        return new ToolException(message, null, true, false);
    }

    /**
     * The tool's copy changed since Relais last read or wrote it (a teacher's edit not read yet): Relais does not
     * overwrite it, and waits for the tool's poll to bring that change (then the conflict rule decides).
     */
    public static ToolException changedSince(String message) {
        return new ToolException(message, null, false, true);
    }

    public boolean changed() {
        return changed;
    }

    public boolean refused() {
        return refused;
    }
}
