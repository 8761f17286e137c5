package dev.dormouse.idlewatcher;

import dev.dormouse.core.Scheduler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The idle timer of one route. It costs nothing while the route naps: a ready route has at most one
 * pending task on the scheduler, re-armed lazily from the last activity, so the request path only writes a
 * volatile long, counts its open sessions and reads one flag; nothing is allocated per request.
 */
final class IdleTimer {
    /** What the timer asks of its route; called on the scheduler's thread, so none of it may block. */
    interface Route {
        /** Whether the route is ready now (the timer only runs while it is). */
        boolean ready();

        /** Whether something other than traffic keeps it awake (an open connection, an awake dependent). */
        boolean busy();

        /** The idle timeout passed with nothing going on: put the route to sleep (on another thread). */
        void idle();
    }

    private static final long MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Scheduler scheduler;
    private final Route route;
    private final long idleNanos;
    private final boolean sleeps;
    private volatile long lastActivity;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile boolean closed;

    /** @param idleTimeout zero for a route that never sleeps on its own: the timer is then never armed */
    IdleTimer(Scheduler scheduler, Duration idleTimeout, Route route) {
        this.scheduler = scheduler;
        this.route = route;
        this.idleNanos = idleTimeout.toNanos();
        this.sleeps = idleTimeout.isPositive();
        this.lastActivity = scheduler.nanoTime();
    }

    void requestStarted() {
        open.incrementAndGet();
        touch();
    }

    void requestEnded() {
        open.decrementAndGet();
        touch();
    }

    /** Activity: the idle timeout starts over. Arms the timer only when it is not armed already. */
    void touch() {
        lastActivity = scheduler.nanoTime();
        if (!armed.get() && route.ready()) arm(idleNanos);
    }

    /** The route became ready: the whole idle timeout from now. */
    void restart() {
        lastActivity = scheduler.nanoTime();
        arm(idleNanos);
    }

    /** Sessions open now (requests, WebSockets, SSE, streams). */
    boolean connected() {
        return open.get() > 0;
    }

    /** Time left until the route is idle, zero or less when it is. */
    long remainingNanos() {
        return idleNanos - (scheduler.nanoTime() - lastActivity);
    }

    /** Arms the timer for {@code delayNanos} (at least a millisecond), unless it is armed or the route never sleeps. */
    void arm(long delayNanos) {
        if (!sleeps || closed) return;
        if (armed.compareAndSet(false, true)) {
            try {
                scheduler.schedule(this::fire, Duration.ofNanos(Math.max(delayNanos, MIN_DELAY_NANOS)));
            } catch (RuntimeException e) {
                armed.set(false);
                throw e;
            }
        }
    }

    /** On the scheduler's thread: decides only. */
    private void fire() {
        armed.set(false);
        if (closed || !route.ready()) return;
        long remaining = remainingNanos();
        if (remaining > 0) arm(remaining);
        else if (route.busy()) arm(idleNanos);
        else route.idle();
    }

    /** The route's watcher was replaced or removed: the timer never fires again. */
    void close() {
        closed = true;
    }
}
