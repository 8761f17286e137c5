package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;

/** A wake that did not reach ready: start failed, the probe never passed, or {@code wake_timeout} ran out. */
public final class WakeFailedException extends DormouseException {
    public WakeFailedException(String message) {
        super(message);
    }

    public WakeFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
