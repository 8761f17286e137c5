package dev.dormouse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An open SSE subscription. A virtual thread reads and parses the stream, so callers can wait for the
 * next message with a bound (a wake must never hang) or without one ({@code events --follow}).
 */
final class EventStream implements AutoCloseable {
    /** Put on the queue when the stream ends; {@code error} is null when the daemon closed it cleanly. */
    private record End(IOException error) {}

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final InputStream in;
    private final Thread reader;
    private volatile boolean closed;
    private End end;

    EventStream(InputStream in) {
        this.in = in;
        this.reader = Thread.ofVirtual().name("dormouse-events").start(this::pump);
    }

    /** The next message within {@code wait}, or empty; a {@link CliException} once the stream has ended. */
    Optional<SseParser.Message> next(Duration wait) throws InterruptedException {
        if (end != null) throw ended();
        long nanos = Math.max(0, wait.toNanos());
        Object o = queue.poll(nanos, TimeUnit.NANOSECONDS);
        if (o == null) return Optional.empty();
        if (o instanceof End e) {
            end = e;
            throw ended();
        }
        return Optional.of((SseParser.Message) o);
    }

    /** The next message, however long it takes; a {@link CliException} once the stream has ended. */
    SseParser.Message take() throws InterruptedException {
        if (end != null) throw ended();
        Object o = queue.take();
        if (o instanceof End e) {
            end = e;
            throw ended();
        }
        return (SseParser.Message) o;
    }

    @Override
    public void close() {
        closed = true;
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is all that is wanted
        }
        reader.interrupt();
    }

    private void pump() {
        try {
            new SseParser().read(new InputStreamReader(in, StandardCharsets.UTF_8), queue::add);
            queue.add(new End(null));
        } catch (IOException e) {
            queue.add(new End(e));
        }
    }

    private CliException ended() {
        if (end.error() == null || closed) return new CliException(CliException.FAILED, "the daemon closed the event stream");
        String m = end.error().getMessage();
        return new CliException(CliException.FAILED, "the event stream broke ("
                + (m == null || m.isBlank() ? end.error().getClass().getSimpleName() : m) + ")", end.error());
    }
}
