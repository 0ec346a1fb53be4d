package fr.relais.platform;

/** Thrown by API handlers when the named thing does not exist; answered as 404 with an {@link ApiError}. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
