package dev.dormouse.core;

import java.time.Duration;
import java.util.Objects;

/** {@link Scheduler#repeat}: one pending task at a time, re-armed before each run from when it was due. */
final class Repeating implements Scheduler.Scheduled {
    private final Scheduler scheduler;
    private final Runnable task;
    private final long periodNanos;
    /** Guarded by this object's lock. */
    private long due;
    private Scheduler.Scheduled pending;
    private boolean cancelled;

    private Repeating(Scheduler scheduler, Runnable task, long periodNanos) {
        this.scheduler = scheduler;
        this.task = task;
        this.periodNanos = periodNanos;
    }

    static Repeating start(Scheduler scheduler, Runnable task, Duration first, Duration period) {
        Objects.requireNonNull(task, "task");
        if (period == null || !period.isPositive()) throw new IllegalArgumentException("period must be > 0, got " + period);
        Repeating r = new Repeating(scheduler, task, period.toNanos());
        synchronized (r) {
            r.due = scheduler.nanoTime() + Math.max(0, first.toNanos());
            r.arm();
        }
        return r;
    }

    /** Schedules the run due at {@link #due}; the caller holds the lock. */
    private void arm() {
        pending = scheduler.schedule(this::run, Duration.ofNanos(due - scheduler.nanoTime()));
    }

    private void run() {
        synchronized (this) {
            if (cancelled) return;
            long now = scheduler.nanoTime();
            due += periodNanos;
            if (now - due > periodNanos) due = now + periodNanos;
            arm();
        }
        task.run();
    }

    @Override
    public synchronized void cancel() {
        cancelled = true;
        if (pending != null) pending.cancel();
    }
}
