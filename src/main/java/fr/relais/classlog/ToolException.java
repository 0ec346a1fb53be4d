package fr.relais.classlog;

/** A class-log tool could not do what was asked: either it is unavailable now, or it refuses this entry. */
public class ToolException extends Exception {

    private final boolean refused;
    private final boolean changed;
    private final boolean notFound;

    private ToolException(String message, Throwable cause, boolean refused, boolean changed) {
        this(message, cause, refused, changed, false);
    }

    private ToolException(String message, Throwable cause, boolean refused, boolean changed, boolean notFound) {
        super(message, cause);
        this.refused = refused;
        this.changed = changed;
        this.notFound = notFound;
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

    /**
     * The tool answered that what was addressed does not exist (HTTP 404, EcoleDirecte's code 404): a refusal,
     * except for an update or a delete of a copy, which the engine then takes for a copy gone from the tool.
     */
    public static ToolException notFound(String message) {
        return new ToolException(message, null, true, false, true);
    }

    public boolean notFound() {
        return notFound;
    }

    public boolean changed() {
        return changed;
    }

    public boolean refused() {
        return refused;
    }
}
