package dev.dormouse.cli;

import dev.dormouse.core.DormouseException;

/**
 * A command failed for a reason the user can act on: printed as one line {@code dormouse: <message>}, the
 * process exits with {@link #exitCode()} (see the exit codes of docs/admin-api.md).
 */
final class CliException extends DormouseException {
    /** The daemon refused, or the action failed. */
    static final int FAILED = 1;
    /** Bad usage: unknown option, missing argument. */
    static final int USAGE = 2;
    /** The daemon is not reachable. */
    static final int UNREACHABLE = 3;
    /** The admin token is missing or was refused. */
    static final int UNAUTHORIZED = 4;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
