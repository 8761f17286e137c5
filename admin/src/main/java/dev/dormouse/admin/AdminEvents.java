package dev.dormouse.admin;

import dev.dormouse.health.StatusChange;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeEvent;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The admin API's event hub: wake events of the followed idle watchers, health status changes and runtime
 * events (operations, health events) are rendered to JSON once and handed to every subscriber whose route
 * filter matches. Publishing never blocks: subscribers only enqueue.
 */
public final class AdminEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.admin");

    /** One SSE message: {@code event} is the {@code event:} field, {@code data} its JSON. */
    record Message(String route, String event, String data) {}

    private record Subscriber(Optional<String> route, Consumer<Message> sink) {}

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** Wake-event subscriptions by watcher (identity: a changed route gets a new watcher). */
    private final Map<IdleWatcher, AutoCloseable> followed = new IdentityHashMap<>();

    /**
     * Follows exactly {@code watchers}: subscribes to the new ones and unsubscribes from those no longer
     * listed. Only events from now on are passed on, not the history a watcher replays to new subscribers.
     */
    public synchronized void follow(Collection<IdleWatcher> watchers) {
        Map<IdleWatcher, Boolean> keep = new IdentityHashMap<>();
        for (IdleWatcher w : watchers) keep.put(w, Boolean.TRUE);
        followed.entrySet().removeIf(e -> {
            if (keep.containsKey(e.getKey())) return false;
            closeQuietly(e.getValue());
            return true;
        });
        for (IdleWatcher w : watchers) {
            if (followed.containsKey(w)) continue;
            // The history is delivered synchronously inside subscribe(), on this thread; live events come from others.
            Thread subscribing = Thread.currentThread();
            boolean[] replaying = {true};
            AutoCloseable sub = w.subscribe(e -> {
                if (replaying[0] && Thread.currentThread() == subscribing) return;
                wake(e);
            });
            replaying[0] = false;
            followed.put(w, sub);
        }
    }

    /** Passes on a wake event as its own JSON ({@link WakeEvent#toJson()}), the same the loading page gets. */
    public void wake(WakeEvent e) {
        if (subscribers.isEmpty()) return;
        publish(e.route(), "wake", e.toJson());
    }

    public void health(StatusChange c) {
        if (subscribers.isEmpty()) return;
        publish(c.route(), "health", AdminJson.string(AdminJson.health(c)));
    }

    public void runtime(RuntimeEvent e) {
        if (subscribers.isEmpty()) return;
        switch (e) {
            case Operation op -> publish(op.runtimeId(), "operation", AdminJson.string(AdminJson.operation(op)));
            case HealthEvent he -> publish(he.runtimeId(), "health_event", AdminJson.string(AdminJson.healthEvent(he)));
        }
    }

    private void publish(String route, String event, String data) {
        Message m = new Message(route, event, data);
        for (Subscriber s : subscribers) {
            if (s.route().isPresent() && !s.route().get().equals(route)) continue;
            try {
                s.sink().accept(m);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "route " + route + ": admin event subscriber failed on " + event, ex);
            }
        }
    }

    /** Subscribes to every event, or only those of one route/runtime. The sink must not block. Close to unsubscribe. */
    AutoCloseable subscribe(Optional<String> route, Consumer<Message> sink) {
        Subscriber s = new Subscriber(Objects.requireNonNull(route, "route"), Objects.requireNonNull(sink, "sink"));
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    /** Open subscriptions (event streams) now. */
    public int subscribers() {
        return subscribers.size();
    }

    @Override
    public synchronized void close() {
        followed.values().forEach(AdminEvents::closeQuietly);
        followed.clear();
        subscribers.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "admin events: unsubscribe: {0}", e.getMessage());
        }
    }
}
