package fr.relais.directory.aaf;

/** The file as a whole cannot be imported (empty, truncated, wrong encoding, forbidden DOCTYPE...); nothing was applied. */
public class AafFileUnusableException extends Exception {
    public AafFileUnusableException(String message) {
        super(message);
    }

    public AafFileUnusableException(String message, Throwable cause) {
        super(message, cause);
    }
}
