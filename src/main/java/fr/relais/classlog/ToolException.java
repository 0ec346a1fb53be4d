package fr.relais.classlog;

/** A class-log tool could not do what was asked: either it is unavailable now, or it refuses this entry. */
public class ToolException extends Exception {

    private final boolean refused;

    private ToolException(String message, Throwable cause, boolean refused) {
        super(message, cause);
        this.refused = refused;
    }

    /** The tool cannot answer now (network, timeout, 5xx, 429): retried without limit, counts for the breaker. */
    public static ToolException unavailable(String message, Throwable cause) {
        return new ToolException(message, cause, false);
    }

    /** The tool answered and refuses this entry (4xx, an error code in the body): retried, then dead-lettered. */
    public static ToolException refused(String message) {
        return new ToolException(message, null, true);
    }

    public boolean refused() {
        return refused;
    }
}
