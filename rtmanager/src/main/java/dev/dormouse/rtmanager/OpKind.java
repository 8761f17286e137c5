package dev.dormouse.rtmanager;

import java.util.Locale;

/**
 * What an operation-log row did; stored lower-case as {@code op_kind}. The first six are container
 * actions of {@link LifecycleService#perform}; {@code SCALE_UP} and {@code SCALE_DOWN} are what a wake
 * ({@code START}) and a sleep ({@code STOP}, {@code KILL}) become for a provider that sleeps by scaling
 * ({@link dev.dormouse.core.spi.Provider#scales()}: Swarm services); the {@code RECONCILE_*} kinds are the
 * {@link Reconciler}'s record corrections, which touch no container.
 */
public enum OpKind {
    START, STOP, PAUSE, UNPAUSE, KILL, REMOVE, SCALE_UP, SCALE_DOWN, RECONCILE_ADOPT, RECONCILE_DISPOSE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static OpKind parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
