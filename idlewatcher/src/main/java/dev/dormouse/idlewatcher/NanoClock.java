package dev.dormouse.idlewatcher;

/**
 * A monotonic time source in nanoseconds, read like {@link System#nanoTime()}: only differences between
 * readings mean anything. The watchers measure idleness and wake backoffs with it, so tests can advance
 * time instead of waiting for it.
 */
@FunctionalInterface
public interface NanoClock {
    long nanoTime();

    /** {@link System#nanoTime()}. */
    static NanoClock system() {
        return System::nanoTime;
    }
}
