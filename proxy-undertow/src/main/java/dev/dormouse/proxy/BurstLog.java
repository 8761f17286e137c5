package dev.dormouse.proxy;

import java.lang.System.Logger.Level;
import java.util.function.LongSupplier;

/**
 * Logs a run of the same failure as two lines: a warning when it starts and one line with the count when
 * it is over, so a flood (an accept failing for want of file descriptors, connections refused at a limit)
 * cannot flood the log too. Used by one thread only (an accept loop or a UDP listener's loop).
 */
final class BurstLog {
    private final System.Logger log;
    private final String route;
    private final String what;
    private final LongSupplier nanoTime;
    private long count;
    private long since;

    /** @param what the failure, as the log line names it: {@code accept failing}, {@code refusing connections} */
    BurstLog(System.Logger log, String route, String what, LongSupplier nanoTime) {
        this.log = log;
        this.route = route;
        this.what = what;
        this.nanoTime = nanoTime;
    }

    /** One more failure; the first of a run is logged with {@code detail}. */
    void failed(String detail) {
        if (count++ == 0) {
            since = nanoTime.getAsLong();
            log.log(Level.WARNING, "route {0}: {1}: {2} (logged once until it is over)", route, what, detail);
        }
    }

    /** A success: ends the run, if there was one, with a line saying how long it lasted and how often it failed. */
    void succeeded() {
        if (count == 0) return;
        long ms = (nanoTime.getAsLong() - since) / 1_000_000;
        log.log(Level.INFO, "route {0}: {1}: over after {2} in {3} ms", route, what, Long.toString(count), Long.toString(ms));
        count = 0;
    }

    /** Failures in the current run; 0 when none is going on. */
    long count() {
        return count;
    }
}
