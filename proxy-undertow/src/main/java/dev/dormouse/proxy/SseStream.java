package dev.dormouse.proxy;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

/**
 * One server-sent-events response, shared by the loading page's wake events and the admin API's event
 * stream. Items are offered from any thread into a bounded queue and rendered and written on the
 * connection's I/O thread, everything queued in one write, one write at a time, each flushed (HTTP/2 frames
 * are sent only on a flush). A heartbeat item is offered every {@code heartbeat}. A client too slow to keep
 * the queue from filling up is disconnected: no publisher ever waits for it. The stream (and the
 * subscription handed to it) ends with the connection, or on HTTP/2 with the stream.
 *
 * @param <T> what is queued; {@code render} turns it into SSE text on the I/O thread
 */
public final class SseStream<T> {
    private final HttpServerExchange exchange;
    private final BlockingQueue<T> queue;
    private final Function<T, String> render;
    private final T heartbeat;
    private final Duration every;
    private final System.Logger log;
    private final String who;
    /** The response channel, once started; touched only on the I/O thread, as is {@link #pending}. */
    private StreamSinkChannel sink;
    /** Rendered text not yet written. */
    private ByteBuffer pending;
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
        if (ex.getProtocol() == Protocols.HTTP_2_0) {
            // One HTTP/2 connection carries many streams, and its close listeners live as long as it does: the
            // stream's end is its exchange's end, or a failed write (a reset stream) at the latest heartbeat.
            ex.addExchangeCompleteListener((e, next) -> {
                s.close();
                next.proceed();
            });
        } else {
            ex.getConnection().addCloseListener(c -> s.close());
        }
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
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            sink = exchange.getResponseChannel();
            sink.getWriteSetter().set(c -> write());
            flush();
        });
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
        try {
            exchange.getIoThread().execute(this::flush);
        } catch (RejectedExecutionException e) {
            // The listener is shutting down: the stream ends with it, and the publisher is not troubled.
            close();
        }
    }

    private void beat() {
        if (closed) return;
        offer(heartbeat);
        if (!closed) timer = exchange.getIoThread().executeAfter(this::beat, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On the I/O thread: writes everything queued as one write unless a write is in flight. */
    private void flush() {
        if (sink == null || pending != null || closed || queue.isEmpty()) return;
        write();
    }

    /** On the I/O thread: writes what is pending and queued, then flushes; resumes writes when the channel is full. */
    private void write() {
        try {
            while (!closed) {
                if (pending == null && !queue.isEmpty()) {
                    StringBuilder b = new StringBuilder();
                    for (T item; (item = queue.poll()) != null; ) b.append(render.apply(item));
                    pending = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
                }
                if (pending != null) {
                    sink.write(pending);
                    if (pending.hasRemaining()) {
                        sink.resumeWrites();
                        return;
                    }
                    pending = null;
                    continue;
                }
                if (!sink.flush()) {
                    sink.resumeWrites();
                    return;
                }
                sink.suspendWrites();
                return;
            }
        } catch (IOException e) {
            log.log(Level.DEBUG, "{0}: event stream closed: {1}", who, e.getMessage());
            close();
            exchange.endExchange();
        }
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
