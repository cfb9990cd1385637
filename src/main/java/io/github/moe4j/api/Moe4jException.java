package io.github.moe4j.api;

/**
 * Base class of every exception moe4j throws on purpose. Unchecked, so that Kotlin and Scala callers
 * are not forced into checked-exception plumbing; catch this type to handle any moe4j failure.
 */
public class Moe4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Moe4jException(String message) {
        super(message);
    }

    public Moe4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
