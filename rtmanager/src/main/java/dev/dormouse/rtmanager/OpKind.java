package dev.dormouse.rtmanager;

import java.util.Locale;

/** What a lifecycle action did; stored as {@code op_kind}. */
public enum OpKind {
    START, STOP, PAUSE, UNPAUSE, KILL, REMOVE, RECONCILE_ADOPT, RECONCILE_DISPOSE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
