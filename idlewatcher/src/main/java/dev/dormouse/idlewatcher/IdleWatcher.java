package dev.dormouse.idlewatcher;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.OpSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The sleep/wake handle of one route with a container. All methods are safe from any thread and none
 * blocks: the request path calls {@link #isReady()}, {@link #requestStarted()} and {@link #requestEnded()}
 * on every request, so they are a few volatile reads and writes.
 */
public interface IdleWatcher {
    /** The route's name. */
    String route();

    RouteConfig config();

    RouteState state();

    /** Same as {@code state() == READY}, cheaper. */
    boolean isReady();

    /**
     * Wakes the route, dependencies first; concurrent callers share one wake, which goes on when a caller
     * gives up and is bounded by {@code wake_timeout}. Completes when ready, or exceptionally with
     * {@link WakeFailedException}. Completes at once when already ready.
     *
     * <p>A failed wake makes the route back off (1 s, doubling per consecutive failure up to 1 min; reset by
     * a successful wake): meanwhile a wake that would begin a new attempt, here or at a dependency, returns
     * an already failed future whose {@link WakeFailedException#retryAfter()} is the time left, and neither
     * the container nor the event stream hears of it. {@link OpSource#ADMIN} ignores the backoff, starts
     * the count over and tries at once.
     */
    CompletableFuture<Void> wake(OpSource source);

    /** Puts the route to sleep now with its stop method (admin action). */
    CompletableFuture<Void> sleep(OpSource source);

    /** A request, WebSocket, SSE or stream session began: restarts the idle timer and counts it open. */
    void requestStarted();

    /** The matching end of {@link #requestStarted()}: restarts the idle timer. */
    void requestEnded();

    /** Traffic on an open session: restarts the idle timer. */
    void touch();

    /**
     * Subscribes to wake events: first the history of the current (or last) wake, then each new event.
     * The listener runs on the publishing thread and must not block. Close the handle to unsubscribe.
     */
    AutoCloseable subscribe(Consumer<WakeEvent> listener);

    /** The last wake's error, empty when it succeeded or none was tried. */
    Optional<String> lastError();

    /**
     * Where requests go: the configured target, or for a target that names no host, the target at the
     * container's address as found when it last started (the configured, host-less one until then).
     * The same instance is returned until the address changes.
     */
    java.net.URI target();
}
