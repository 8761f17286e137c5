package dev.dormouse.core;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link Scheduler#system()}: {@link System#nanoTime()} and one daemon platform thread,
 * {@code dormouse-timers}, started at first use and never stopped. Cancelled tasks leave its queue at
 * once, so a route's re-armed timer never piles up. A task that throws is logged and the thread goes on.
 */
final class SystemScheduler implements Scheduler {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.core.scheduler");
    static final SystemScheduler INSTANCE = new SystemScheduler();

    private final ScheduledThreadPoolExecutor executor;

    private SystemScheduler() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dormouse-timers");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Scheduled schedule(Runnable task, Duration delay) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "timer task " + task + " failed", e);
            }
        };
        var f = executor.schedule(guarded, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        if (d.isPositive()) Thread.sleep(d);
        else if (Thread.interrupted()) throw new InterruptedException();
    }

    @Override
    public String toString() {
        return "system scheduler";
    }
}
