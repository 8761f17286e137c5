package dev.dormouse.tls;

import dev.dormouse.core.DormouseException;

/**
 * A certificate or key that cannot be read or used, or an ACME operation that failed. Messages read
 * {@code tls: action: detail (context)} and never contain key material.
 */
public final class TlsException extends DormouseException {
    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
