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
    CONFLICT,
    /**
     * The action is under way: the row was written with the lease, before the provider was called, and is
     * completed in place when the action ends. Its {@code finished_at} is not set yet.
     */
    PENDING,
    /**
     * The action never reported: its holder died (or its lease expired) while it was pending. The row was
     * resolved later from what the provider reported then; {@code error_message} says what was found.
     */
    INTERRUPTED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Outcome parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
