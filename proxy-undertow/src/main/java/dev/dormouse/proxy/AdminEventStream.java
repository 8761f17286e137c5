package dev.dormouse.proxy;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * One {@code GET /api/v1/events} connection. Events arrive on any thread and go into a bounded queue; they
 * are written on the connection's I/O thread, one send at a time. A client too slow to keep the queue from
 * filling up is disconnected: the daemon never waits for it.
 */
final class AdminEventStream implements IoCallback {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy.admin");
    private static final AdminEvents.Message KEEPALIVE = new AdminEvents.Message("", "", "");

    private final HttpServerExchange exchange;
    private final BlockingQueue<AdminEvents.Message> queue;
    private final Duration keepalive;
    private final Sender sender;
    private final String who;
    /** Touched only on the I/O thread. */
    private boolean sending;
    /** Touched only on the I/O thread: ids increase per connection. */
    private long nextId = 1;
    private volatile boolean closed;
    private volatile AutoCloseable subscription;
    private volatile XnioExecutor.Key timer;

    private AdminEventStream(HttpServerExchange exchange, int capacity, Duration keepalive, String who) {
        this.exchange = exchange;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.keepalive = keepalive;
        this.sender = exchange.getResponseSender();
        this.who = who;
    }

    /** Starts the stream on the exchange's I/O thread: subscribes, then sends {@code : subscribed}. */
    static void open(HttpServerExchange ex, AdminEvents events, Optional<String> route, int capacity, Duration keepalive) {
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseHeaders().put(HttpString.tryFromString("X-Accel-Buffering"), "no");
        AdminEventStream s = new AdminEventStream(ex, capacity, keepalive, ex.getSourceAddress() + route.map(r -> " (route " + r + ")").orElse(""));
        ex.getConnection().addCloseListener(c -> s.close());
        // Queued before subscribing and sent after it: a client that has read it misses no later event.
        s.queue.add(new AdminEvents.Message("", ":", "subscribed"));
        s.subscription = events.subscribe(route, s::offer);
        if (s.closed) s.close(true);
        s.timer = ex.getIoThread().executeAfter(s::beat, keepalive.toMillis(), TimeUnit.MILLISECONDS);
        // Dispatched, so the exchange stays open after the handler returns; the stream ends with the connection.
        ex.dispatch(SameThreadExecutor.INSTANCE, s::flush);
    }

    private void offer(AdminEvents.Message m) {
        if (closed) return;
        if (!queue.offer(m)) {
            LOG.log(Level.WARNING, "admin events: client {0} does not keep up ({1} messages waiting); closing its stream", who,
                    queue.size());
            close();
            exchange.getIoThread().execute(() -> IoUtils.safeClose(exchange.getConnection()));
            return;
        }
        exchange.getIoThread().execute(this::flush);
    }

    private void beat() {
        if (closed) return;
        offer(KEEPALIVE);
        if (!closed) timer = exchange.getIoThread().executeAfter(this::beat, keepalive.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On the I/O thread: sends everything queued as one write unless a write is in flight. */
    private void flush() {
        if (sending || closed || queue.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        for (AdminEvents.Message m; (m = queue.poll()) != null; ) {
            if (m == KEEPALIVE) b.append(": keepalive\n\n");
            else if (m.event().equals(":")) b.append(": ").append(m.data()).append("\n\n");
            else b.append("id: ").append(nextId++).append("\nevent: ").append(m.event()).append("\ndata: ").append(m.data()).append("\n\n");
        }
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
        LOG.log(Level.DEBUG, "admin events: client {0}: stream closed: {1}", who, e.getMessage());
        close();
        ex.endExchange();
    }

    private void close() {
        close(false);
    }

    private void close(boolean again) {
        if (closed && !again) return;
        closed = true;
        XnioExecutor.Key t = timer;
        if (t != null) t.remove();
        AutoCloseable sub = subscription;
        if (sub != null) {
            try {
                sub.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "admin events: client {0}: unsubscribe: {1}", who, e.getMessage());
            }
        }
    }
}
