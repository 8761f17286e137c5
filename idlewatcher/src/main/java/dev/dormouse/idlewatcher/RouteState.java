package dev.dormouse.idlewatcher;

import java.util.Locale;

/** Where a sleeping route stands. */
public enum RouteState {
    /** Container stopped or paused. */
    NAPPING,
    /** A wake is under way. */
    WAKING,
    /** Container running and its probe passes. */
    READY,
    /** The last wake failed; the first request after its backoff tries again. */
    ERROR,
    /** The container does not exist. */
    MISSING;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
