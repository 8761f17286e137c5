package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerStatus;
import java.util.Locale;

/** A runtime record's status. */
public enum RuntimeStatus {
    RUNNING, PAUSED, STOPPED, REMOVED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static RuntimeStatus of(ContainerStatus s) {
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
