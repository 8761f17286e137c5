package dev.dormouse.core;

/** How a route's container is put to sleep. */
public enum StopMethod {
    PAUSE, STOP, KILL;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
