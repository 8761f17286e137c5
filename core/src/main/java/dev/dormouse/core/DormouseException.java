package dev.dormouse.core;

/** Base of the exceptions dormouse throws on purpose; messages read {@code action: detail (context)}. */
public class DormouseException extends RuntimeException {
    public DormouseException(String message) {
        super(message);
    }

    public DormouseException(String message, Throwable cause) {
        super(message, cause);
    }
}
