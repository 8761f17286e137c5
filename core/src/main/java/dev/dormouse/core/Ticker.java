package dev.dormouse.core;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;

/**
 * The loop of every periodic worker (the runtime manager's, the TLS workers, a polling provider): with {@code passAtStart} a pass as soon as it starts, then one every
 * {@code interval} on the scheduler, measured from when each was due. Passes run on a virtual thread named
 * for the worker, one at a time: the turns that come while a pass runs make one more pass right after it
 * (never two at once, never a turn lost). A pass that throws
 * is logged with the worker's name and the next one goes on. {@link #close()} cancels the turns,
 * interrupts a pass under way and returns once it has ended or {@link #CLOSE_BOUND} has passed.
 */
public final class Ticker implements AutoCloseable {
    /** How long {@link #close()} waits for a pass under way to end. */
    public static final Duration CLOSE_BOUND = Duration.ofSeconds(5);

    private final String name;
    private final Scheduler scheduler;
    private final Duration interval;
    private final Runnable tick;
    private final System.Logger log;
    private final boolean passAtStart;
    /** Guarded by this object's lock. */
    private Scheduler.Scheduled turns;
    private Thread pass;
    /** A pass runs; {@code again}: a turn came meanwhile, so one more follows it. */
    private boolean passing;
    private boolean again;
    private boolean closed;

    /**
     * @param name the worker's name: its threads' and its log lines'
     * @param passAtStart whether {@link #start()} runs a pass at once (else the first comes an interval later)
     */
    public Ticker(String name, Scheduler scheduler, Duration interval, Runnable tick, System.Logger log, boolean passAtStart) {
        this.name = Objects.requireNonNull(name, "name");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.log = Objects.requireNonNull(log, "log");
        this.passAtStart = passAtStart;
    }

    /** Starts the turns (idempotent); refused once closed. */
    public synchronized void start() {
        if (closed) throw new IllegalStateException(name + ": closed");
        if (turns != null) return;
        log.log(Level.DEBUG, "{0}: started, every {1}{2}", name, interval, passAtStart ? ", first pass now" : "");
        turns = scheduler.repeat(this::turn, interval, interval);
        if (passAtStart) turn();
    }

    /** On the scheduler's thread (or the starting one): starts a pass, or asks for one more after the pass under way. */
    private synchronized void turn() {
        if (closed) return;
        if (passing) {
            again = true;
            return;
        }
        passing = true;
        pass = Thread.ofVirtual().name(name).start(this::runPasses);
    }

    private void runPasses() {
        while (true) {
            try {
                tick.run();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, name + ": pass failed, next in " + interval + ": " + e.getMessage(), e);
            }
            synchronized (this) {
                if (!again || closed) {
                    passing = false;
                    return;
                }
                again = false;
            }
        }
    }

    /** Whether it was started and not closed. */
    public synchronized boolean running() {
        return turns != null && !closed;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            if (turns != null) turns.cancel();
            t = pass;
        }
        if (t == null || t == Thread.currentThread()) return;
        t.interrupt();
        try {
            if (!t.join(CLOSE_BOUND)) log.log(Level.WARNING, "{0}: still in a pass after {1}; left to finish", name, CLOSE_BOUND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.log(Level.DEBUG, "{0}: stopped", name);
    }
}
