package dev.dormouse.core.spi;

import dev.dormouse.core.DormouseException;

/** A provider operation that failed; {@link #reason()} tells callers what kind of failure it was. */
public final class ProviderException extends DormouseException {
    /** Failure kinds callers act on. */
    public enum Reason {
        NOT_FOUND, CONFLICT, UNAVAILABLE, UNAUTHORIZED, TIMEOUT, FAILED
    }

    private final Reason reason;

    public ProviderException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ProviderException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
