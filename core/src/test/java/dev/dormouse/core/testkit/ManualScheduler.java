package dev.dormouse.core.testkit;

import dev.dormouse.core.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Scheduler} for tests: time moves only when the test says so. {@link #advance} moves it forward
 * and runs, on the caller's thread and in order, every task that falls due meanwhile (each at its own due
 * time, so a task that schedules another one sees the right "now"); nothing runs otherwise. A thread that
 * {@linkplain #sleep sleeps} on it waits for the test to advance past its wake-up time.
 *
 * <p>{@link #flowing()} makes one whose time also passes with real time, on a thread of its own, for
 * tests of a whole daemon against real containers (probes and wakes take real time), which still skip the
 * long waits (idle timeouts, check intervals) with {@link #advance}.
 *
 * <p>Readings start a minute before {@link Long#MAX_VALUE}, so they wrap around as {@link System#nanoTime()}
 * may and only differences work. {@link #clock()} is a wall clock that moves with it.
 */
public final class ManualScheduler implements Scheduler, AutoCloseable {
    private static final long START = Long.MAX_VALUE - TimeUnit.MINUTES.toNanos(1);
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final boolean flowing;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: time is {@code offset}, plus {@link System#nanoTime()} when flowing. */
    private long offset;
    private long sequence;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>(
            Comparator.<Task>comparingLong(t -> t.due - START).thenComparingLong(t -> t.sequence));
    /** Tasks run one at a time, whoever runs them. */
    private final ReentrantLock running = new ReentrantLock();
    private final Thread flow;
    private volatile boolean closed;

    private final class Task implements Scheduled {
        final long due;
        final long sequence;
        final Runnable body;

        Task(long due, long sequence, Runnable body) {
            this.due = due;
            this.sequence = sequence;
            this.body = body;
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                tasks.remove(this);
            }
        }
    }

    /** Frozen time, moved by {@link #advance} only. */
    public ManualScheduler() {
        this(false);
    }

    private ManualScheduler(boolean flowing) {
        this.flowing = flowing;
        this.offset = flowing ? START - System.nanoTime() : START;
        this.flow = flowing ? Thread.ofPlatform().daemon().name("manual-scheduler").start(this::flow) : null;
    }

    /** Time that passes with real time and can be moved further ahead with {@link #advance}; close it after the test. */
    public static ManualScheduler flowing() {
        return new ManualScheduler(true);
    }

    private long now() {
        return flowing ? offset + System.nanoTime() : offset;
    }

    /** Moves time to {@code t} unless it is there already; the caller holds {@link #lock}. */
    private void moveTo(long t) {
        if (t - now() > 0) offset = flowing ? t - System.nanoTime() : t;
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return now();
        }
    }

    @Override
    public Scheduled schedule(Runnable task, Duration delay) {
        synchronized (lock) {
            Task t = new Task(now() + Math.max(0, delay.toNanos()), sequence++, task);
            tasks.add(t);
            lock.notifyAll();
            return t;
        }
    }

    /**
     * Moves time forward by {@code d}, running each task that falls due on the way at its due time.
     *
     * @return how many tasks ran
     */
    public int advance(Duration d) {
        long target;
        synchronized (lock) {
            target = now() + d.toNanos();
        }
        int ran = runDueBy(target);
        synchronized (lock) {
            moveTo(target);
            lock.notifyAll();
        }
        return ran;
    }

    /** Runs the tasks due now (those scheduled with no delay), without moving time. */
    public int runDue() {
        return advance(Duration.ZERO);
    }

    private int runDueBy(long target) {
        int ran = 0;
        running.lock();
        try {
            while (true) {
                Task t;
                synchronized (lock) {
                    t = tasks.peek();
                    if (t == null || t.due - target > 0) return ran;
                    tasks.poll();
                    moveTo(t.due);
                }
                t.body.run();
                ran++;
            }
        } finally {
            running.unlock();
        }
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public int pending() {
        synchronized (lock) {
            return tasks.size();
        }
    }

    /**
     * Waits (real time, up to 10 s) until at least {@code n} tasks are pending: another thread is about to
     * wait on this scheduler (a sleep, a timer), and advancing before it did would leave it behind.
     */
    public void awaitPending(int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (lock) {
            while (tasks.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("timed out waiting for " + n + " pending tasks, have " + tasks.size());
                try {
                    // Deadline of a wait for a task to be scheduled: the condition, not a timer of the code.
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for pending tasks", e);
                }
            }
        }
    }

    /** A wall clock that moves with this scheduler's time, from 2026-01-01T00:00:00Z. */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException("a manual clock is in UTC");
            }

            @Override
            public Instant instant() {
                return EPOCH.plusNanos(nanoTime() - START);
            }
        };
    }

    /** With {@link #flowing()}: runs tasks as real time makes them due. */
    private void flow() {
        while (!closed) {
            long target;
            synchronized (lock) {
                Task t = tasks.peek();
                long wait = t == null ? TimeUnit.SECONDS.toNanos(1) : t.due - now();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                target = now();
            }
            try {
                runDueBy(target);
            } catch (RuntimeException e) {
                System.getLogger("dev.dormouse.core.testkit").log(System.Logger.Level.WARNING, "manual scheduler: a task failed", e);
            }
        }
    }

    /** Stops the thread of a {@link #flowing()} scheduler; pending tasks never run. */
    @Override
    public void close() {
        closed = true;
        if (flow != null) flow.interrupt();
    }

    @Override
    public String toString() {
        return "manual scheduler (" + pending() + " pending)";
    }
}
