package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A wake that did not reach ready: start failed, the probe never passed, {@code wake_timeout} ran out, or
 * the route (or a dependency) is backing off after such a failure and was not tried at all.
 */
public final class WakeFailedException extends DormouseException {
    private final Duration retryAfter;

    public WakeFailedException(String message) {
        super(message);
        this.retryAfter = null;
    }

    public WakeFailedException(String message, Throwable cause) {
        super(message, cause);
        this.retryAfter = null;
    }

    /** A failure after which the route takes no wake request for {@code retryAfter}. */
    public WakeFailedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** How long until a wake request is tried again (the route's backoff left); empty when it would be at once. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
