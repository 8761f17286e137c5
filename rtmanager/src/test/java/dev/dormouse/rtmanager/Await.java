package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, polling; never a fixed sleep. */
final class Await {
    private Await() {}

    static void until(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out after " + within + " waiting for: " + what);
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, Duration.ofSeconds(10), condition);
    }
}
