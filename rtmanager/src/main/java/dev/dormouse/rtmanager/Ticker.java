package dev.dormouse.rtmanager;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;

/**
 * The loop of a periodic worker: on a named virtual thread, wait {@code interval}, run the tick, repeat
 * (or, with {@code passAtStart}, run the tick first).
 * A tick that throws is logged with the worker's name and the loop goes on. {@link #close()} interrupts
 * the wait and returns once the thread has ended or {@link #CLOSE_BOUND} has passed.
 */
final class Ticker implements AutoCloseable {
    static final Duration CLOSE_BOUND = Duration.ofSeconds(5);

    private final String name;
    private final Duration interval;
    private final Runnable tick;
    private final System.Logger log;
    private final boolean passAtStart;
    private Thread thread;
    private volatile boolean closed;

    Ticker(String name, Duration interval, Runnable tick, System.Logger log) {
        this(name, interval, tick, log, false);
    }

    Ticker(String name, Duration interval, Runnable tick, System.Logger log, boolean passAtStart) {
        this.passAtStart = passAtStart;
        this.name = Objects.requireNonNull(name, "name");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.log = Objects.requireNonNull(log, "log");
    }

    synchronized void start() {
        if (closed) throw new IllegalStateException(name + ": closed");
        if (thread == null) thread = Thread.ofVirtual().name(name).start(this::loop);
    }

    private void loop() {
        log.log(Level.DEBUG, "{0}: started, every {1}", name, interval);
        boolean wait = !passAtStart;
        while (!closed) {
            if (wait) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    break;
                }
            }
            wait = true;
            if (closed) break;
            try {
                tick.run();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, name + ": pass failed, next in " + interval + ": " + e.getMessage(), e);
            }
        }
        log.log(Level.DEBUG, "{0}: stopped", name);
    }

    boolean running() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return t != null && t.isAlive();
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t == null || t == Thread.currentThread()) return;
        t.interrupt();
        try {
            if (!t.join(CLOSE_BOUND)) log.log(Level.WARNING, "{0}: still in a pass after {1}; left to finish", name, CLOSE_BOUND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
