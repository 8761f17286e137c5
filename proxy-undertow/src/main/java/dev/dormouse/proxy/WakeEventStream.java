package dev.dormouse.proxy;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.WakeEvent;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;

/**
 * One loading page's {@code /.well-known/dormouse/events} stream. Wake events arrive on any thread; they
 * are queued and written on the connection's I/O thread, one send at a time.
 */
final class WakeEventStream implements IoCallback {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");
    static final long HEARTBEAT_SECONDS = 15;

    private final HttpServerExchange exchange;
    private final IdleWatcher watcher;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final Sender sender;
    /** Touched only on the I/O thread. */
    private boolean sending;
    private volatile boolean closed;
    private volatile AutoCloseable subscription;
    private XnioExecutor.Key heartbeat;
    private boolean sawReady;

    private WakeEventStream(HttpServerExchange exchange, IdleWatcher watcher) {
        this.exchange = exchange;
        this.watcher = watcher;
        this.sender = exchange.getResponseSender();
    }

    /** Starts the stream on the exchange's I/O thread; a napping route is woken unless only a start endpoint may wake it. */
    static void open(HttpServerExchange ex, IdleWatcher watcher) {
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseHeaders().put(Headers.CONNECTION, "keep-alive");
        ex.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Accel-Buffering"), "no");
        WakeEventStream s = new WakeEventStream(ex, watcher);
        ex.getConnection().addCloseListener(c -> s.close());
        s.queue.add(": dormouse wake events for " + watcher.route() + "\nretry: 2000\n\n");
        s.subscription = watcher.subscribe(s::onEvent);
        if (watcher.isReady() && !s.sawReady) {
            s.onEvent(new WakeEvent(0, watcher.route(), WakeEvent.Type.READY, watcher.route() + " is ready", "", Instant.now()));
        } else if (!watcher.isReady() && watcher.config().idle().startEndpoint().isEmpty()) {
            String ua = ex.getRequestHeaders().getFirst(Headers.USER_AGENT);
            if (!watcher.config().idle().ignores(ua)) watcher.wake(OpSource.WAKE_REQUEST);
        }
        s.heartbeat = ex.getIoThread().executeAfter(s::beat, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
        // Dispatched, so the exchange stays open after this handler returns; the stream ends with the connection.
        ex.dispatch(SameThreadExecutor.INSTANCE, s::flush);
    }

    private void onEvent(WakeEvent e) {
        if (e.type() == WakeEvent.Type.READY) sawReady = true;
        if (closed) return;
        queue.add(e.toSse());
        exchange.getIoThread().execute(this::flush);
    }

    private void beat() {
        if (closed) return;
        queue.add(": ping\n\n");
        flush();
        heartbeat = exchange.getIoThread().executeAfter(this::beat, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    }

    /** On the I/O thread: sends everything queued as one write unless a write is in flight. */
    private void flush() {
        if (sending || closed || queue.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        for (String s; (s = queue.poll()) != null; ) b.append(s);
        sending = true;
        sender.send(b.toString(), StandardCharsets.UTF_8, this);
    }

    @Override
    public void onComplete(HttpServerExchange ex, Sender s) {
        sending = false;
        flush();
    }

    @Override
    public void onException(HttpServerExchange ex, Sender s, IOException e) {
        LOG.log(Level.DEBUG, "route {0}: event stream closed: {1}", watcher.route(), e.getMessage());
        close();
        ex.endExchange();
    }

    private void close() {
        if (closed) return;
        closed = true;
        XnioExecutor.Key h = heartbeat;
        if (h != null) h.remove();
        AutoCloseable sub = subscription;
        if (sub != null) {
            try {
                sub.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "route {0}: unsubscribe: {1}", watcher.route(), e.getMessage());
            }
        }
    }
}
