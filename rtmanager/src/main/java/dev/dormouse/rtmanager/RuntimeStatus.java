package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerStatus;
import java.util.Locale;

/** A runtime record's status; stored lower-case as {@code runtime_records.status}. */
public enum RuntimeStatus {
    RUNNING, PAUSED, STOPPED, REMOVED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The record status matching what a provider reports; a missing container is {@code removed}. */
    public static RuntimeStatus of(ContainerStatus s) {
        return switch (s) {
            case RUNNING -> RUNNING;
            case PAUSED -> PAUSED;
            case STOPPED -> STOPPED;
            case MISSING -> REMOVED;
        };
    }

    static RuntimeStatus parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
