package fr.relais.platform;

import java.time.Instant;

/** The one error body of every Relais JSON API. {@code message} says what was wrong and what to do. */
public record ApiError(Instant timestamp, int status, String error, String message, String path) {

    public static ApiError of(int status, String error, String message, String path) {
        return new ApiError(Instant.now(), status, error, message, path);
    }
}
