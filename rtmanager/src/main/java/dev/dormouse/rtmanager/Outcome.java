package dev.dormouse.rtmanager;

import java.util.Locale;

/** How an operation ended; stored lower-case as {@code outcome}. */
public enum Outcome {
    /** The provider did it (or the reconciler corrected the record). */
    SUCCESS,
    /** The provider failed, or the action was refused; {@code error_code} and {@code error_message} say why. */
    FAILURE,
    /** The container was already in the wanted state; the provider was not asked to act. */
    REPLAY_NO_OP,
    /** Another action (this process or another one) held the runtime's lease; nothing was done. */
    CONFLICT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Outcome parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
