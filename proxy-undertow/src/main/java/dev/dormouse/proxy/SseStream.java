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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * One server-sent-events response, shared by the loading page's wake events and the admin API's event
 * stream. Items are offered from any thread into a bounded queue and rendered and written on the
 * connection's I/O thread, everything queued in one send, one send at a time. A heartbeat item is offered
 * every {@code heartbeat}. A client too slow to keep the queue from filling up is disconnected: no
 * publisher ever waits for it. The stream (and the subscription handed to it) ends with the connection.
 *
 * @param <T> what is queued; {@code render} turns it into SSE text on the I/O thread
 */
public final class SseStream<T> implements IoCallback {
    private final HttpServerExchange exchange;
    private final BlockingQueue<T> queue;
    private final Function<T, String> render;
    private final T heartbeat;
    private final Duration every;
    private final System.Logger log;
    private final String who;
    private final Sender sender;
    /** Touched only on the I/O thread. */
    private boolean sending;
    private volatile boolean closed;
    private volatile AutoCloseable subscription;
    private volatile XnioExecutor.Key timer;

    private SseStream(HttpServerExchange exchange, int capacity, Function<T, String> render, T heartbeat, Duration every, System.Logger log,
            String who) {
        this.exchange = exchange;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.render = render;
        this.heartbeat = heartbeat;
        this.every = every;
        this.log = log;
        this.who = who;
        this.sender = exchange.getResponseSender();
    }

    /**
     * Answers the exchange with an event stream whose first item is {@code first}. Nothing is sent until
     * {@link #start()}; offer items, hand over the subscription, then start.
     *
     * @param who names the stream in log lines, e.g. {@code route whoami}
     */
    public static <T> SseStream<T> open(HttpServerExchange ex, T first, int capacity, Function<T, String> render, T heartbeat, Duration every,
            System.Logger log, String who) {
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseHeaders().put(HttpString.tryFromString("X-Accel-Buffering"), "no");
        SseStream<T> s = new SseStream<>(ex, capacity, render, heartbeat, every, log, who);
        ex.getConnection().addCloseListener(c -> s.close());
        s.queue.add(first);
        return s;
    }

    /** The subscription that feeds this stream; closed with it (at once if the stream already ended). */
    public void feedBy(AutoCloseable sub) {
        subscription = sub;
        if (closed) unsubscribe();
    }

    /** Begins sending: the queued items now, a heartbeat every interval, the rest as offered. */
    public void start() {
        timer = exchange.getIoThread().executeAfter(this::beat, every.toMillis(), TimeUnit.MILLISECONDS);
        // Dispatched, so the exchange stays open after the handler returns; the stream ends with the connection.
        exchange.dispatch(SameThreadExecutor.INSTANCE, this::flush);
    }

    /** Queues an item from any thread; never blocks. */
    public void offer(T item) {
        if (closed) return;
        if (!queue.offer(item)) {
            log.log(Level.WARNING, "{0}: event stream client {1} does not keep up ({2} events waiting); closing its stream", who,
                    exchange.getSourceAddress(), queue.size());
            close();
            exchange.getIoThread().execute(() -> IoUtils.safeClose(exchange.getConnection()));
            return;
        }
        exchange.getIoThread().execute(this::flush);
    }

    private void beat() {
        if (closed) return;
        offer(heartbeat);
        if (!closed) timer = exchange.getIoThread().executeAfter(this::beat, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On the I/O thread: sends everything queued as one write unless a write is in flight. */
    private void flush() {
        if (sending || closed || queue.isEmpty()) return;
        StringBuilder b = new StringBuilder();
        for (T item; (item = queue.poll()) != null; ) b.append(render.apply(item));
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
        log.log(Level.DEBUG, "{0}: event stream closed: {1}", who, e.getMessage());
        close();
        ex.endExchange();
    }

    private void close() {
        if (closed) return;
        closed = true;
        XnioExecutor.Key t = timer;
        if (t != null) t.remove();
        unsubscribe();
    }

    private void unsubscribe() {
        AutoCloseable sub = subscription;
        if (sub == null) return;
        try {
            sub.close();
        } catch (Exception e) {
            log.log(Level.DEBUG, "{0}: unsubscribe: {1}", who, e.getMessage());
        }
    }
}
