package dev.dormouse.rtmanager;

import java.util.Locale;

/** How a lifecycle action ended; stored as {@code outcome}. */
public enum Outcome {
    /** The provider did it. */
    SUCCESS,
    /** The provider failed; {@code error_code} and {@code error_message} say why. */
    FAILURE,
    /** The container was already in the wanted state; nothing was done. */
    REPLAY_NO_OP,
    /** Another action held the runtime's lease; nothing was done. */
    CONFLICT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
