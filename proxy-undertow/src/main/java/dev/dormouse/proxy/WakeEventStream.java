package dev.dormouse.proxy;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.WakeEvent;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One loading page's {@code /.well-known/dormouse/events} stream of wake events. A wake failure's detail is
 * not for anonymous clients: its {@code error} field reads {@code route 'x' could not be woken}, and the detail
 * stays in the log, the admin API and the CLI.
 */
final class WakeEventStream {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** A wake has a handful of steps; a page that lets this many pile up is gone. */
    static final int QUEUE = 256;

    private WakeEventStream() {}

    /**
     * Starts the stream on the exchange's I/O thread; a napping route is woken unless only a start endpoint may
     * wake it. {@code open} counts the route's open streams: it was incremented for this one, and is decremented
     * once when the stream ends.
     */
    static void open(HttpServerExchange ex, IdleWatcher watcher, AtomicInteger open) {
        SseStream<String> s = SseStream.open(ex, ": dormouse wake events for " + watcher.route() + "\nretry: 2000\n\n", QUEUE,
                Function.identity(), ": ping\n\n", HEARTBEAT, LOG, "route " + watcher.route());
        AtomicBoolean sawReady = new AtomicBoolean();
        AutoCloseable sub = watcher.subscribe(e -> {
            if (e.type() == WakeEvent.Type.READY) sawReady.set(true);
            s.offer(anonymous(e).toSse());
        });
        AtomicBoolean ended = new AtomicBoolean();
        s.feedBy(() -> {
            if (ended.compareAndSet(false, true)) open.decrementAndGet();
            sub.close();
        });
        if (watcher.isReady() && !sawReady.get()) {
            s.offer(new WakeEvent(0, watcher.route(), WakeEvent.Type.READY, watcher.route() + " is ready", "", Instant.now()).toSse());
        } else if (!watcher.isReady() && watcher.config().idle().startEndpoint().isEmpty()) {
            String ua = ex.getRequestHeaders().getFirst(Headers.USER_AGENT);
            if (ua != null && ua.length() > Router.UA_ON_IO_THREAD) {
                ex.getConnection().getWorker().execute(() -> {
                    if (!watcher.config().idle().ignores(ua)) watcher.wake(OpSource.WAKE_REQUEST);
                });
            } else if (!watcher.config().idle().ignores(ua)) {
                watcher.wake(OpSource.WAKE_REQUEST);
            }
        }
        s.start();
    }

    /** The event as an anonymous client may see it: an error without its detail. */
    static WakeEvent anonymous(WakeEvent e) {
        if (e.type() != WakeEvent.Type.ERROR) return e;
        return new WakeEvent(e.id(), e.route(), e.type(), e.message(), "route '" + e.route() + "' could not be woken", e.timestamp());
    }
}
