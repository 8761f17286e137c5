package dev.dormouse.idlewatcher;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One route's wake events: the history of the current (or last) wake, which a new subscriber (a loading
 * page opened mid-wake) receives first, and the subscribers that get each new event. The history is one
 * wake long: a new wake clears it, so it holds a handful of events.
 */
final class WakeEventLog {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");

    private final String route;
    private final Clock clock;
    private final Object lock = new Object();
    private final List<WakeEvent> history = new ArrayList<>();
    private final List<Consumer<WakeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    WakeEventLog(String route, Clock clock) {
        this.route = route;
        this.clock = clock;
    }

    /** A new wake begins: its events replace the last one's. */
    void clear() {
        synchronized (lock) {
            history.clear();
        }
    }

    void emit(WakeEvent.Type type, String message, String error) {
        WakeEvent e = new WakeEvent(ids.incrementAndGet(), route, type, message, error, clock.instant());
        synchronized (lock) {
            history.add(e);
            for (Consumer<WakeEvent> l : listeners) deliver(l, e);
        }
    }

    /**
     * A refused wake adds no events, but a new subscriber (a loading page) must learn that the route is not
     * coming: when the history does not already end with an error (the route's own failed wake), it is
     * replaced by this one error, once.
     */
    void refused(String message) {
        synchronized (lock) {
            if (!history.isEmpty() && history.get(history.size() - 1).type() == WakeEvent.Type.ERROR) return;
            history.clear();
            emit(WakeEvent.Type.ERROR, "Wake failed", message);
        }
    }

    /** See {@link IdleWatcher#subscribe}. */
    AutoCloseable subscribe(Consumer<WakeEvent> listener) {
        synchronized (lock) {
            for (WakeEvent e : history) deliver(listener, e);
            listeners.add(listener);
        }
        return () -> listeners.remove(listener);
    }

    private void deliver(Consumer<WakeEvent> l, WakeEvent e) {
        try {
            l.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "route " + route + ": wake event listener failed", ex);
        }
    }
}
