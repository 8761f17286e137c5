package dev.dormouse.proxy;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.WakeEvent;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** One loading page's {@code /.well-known/dormouse/events} stream of wake events. */
final class WakeEventStream {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** A wake has a handful of steps; a page that lets this many pile up is gone. */
    static final int QUEUE = 256;

    private WakeEventStream() {}

    /** Starts the stream on the exchange's I/O thread; a napping route is woken unless only a start endpoint may wake it. */
    static void open(HttpServerExchange ex, IdleWatcher watcher) {
        SseStream<String> s = SseStream.open(ex, ": dormouse wake events for " + watcher.route() + "\nretry: 2000\n\n", QUEUE,
                Function.identity(), ": ping\n\n", HEARTBEAT, LOG, "route " + watcher.route());
        AtomicBoolean sawReady = new AtomicBoolean();
        s.feedBy(watcher.subscribe(e -> {
            if (e.type() == WakeEvent.Type.READY) sawReady.set(true);
            s.offer(e.toSse());
        }));
        if (watcher.isReady() && !sawReady.get()) {
            s.offer(new WakeEvent(0, watcher.route(), WakeEvent.Type.READY, watcher.route() + " is ready", "", Instant.now()).toSse());
        } else if (!watcher.isReady() && watcher.config().idle().startEndpoint().isEmpty()) {
            String ua = ex.getRequestHeaders().getFirst(Headers.USER_AGENT);
            if (!watcher.config().idle().ignores(ua)) watcher.wake(OpSource.WAKE_REQUEST);
        }
        s.start();
    }
}
