package dev.dormouse.idlewatcher;

import java.util.Optional;

/**
 * The one rule that tells a crash from a nap when a route's container stops. Pure, so it is tested by
 * table; {@link RouteWatcher} applies it to what it inspects when a container it was serving from is found
 * stopped, and its {@link RouteIncident} feeds both the health monitor and the notifications.
 */
public final class Exits {
    private Exits() {}

    /**
     * Why a container's exit is a failure, or empty when it is a nap. A stop dormouse asked for (sleep,
     * admin sleep, whatever the exit code: its own stop ends with SIGKILL and 137 after
     * {@code stop_timeout}) is a nap. Otherwise an OOM kill, a non-zero exit code, or any exit of a route
     * that never sleeps on its own (no {@code idle_timeout}) is a failure; an exit with code 0 of a route
     * that sleeps (an operator's {@code docker stop}) is a nap.
     *
     * @param askedByDormouse whether dormouse itself was putting the container to sleep; known from the
     *     watcher's own state, never from the exit code
     * @return {@code OOM killed} or {@code exited with code N}
     */
    public static Optional<String> crash(boolean askedByDormouse, boolean routeSleeps, int exitCode, boolean oomKilled) {
        if (askedByDormouse) return Optional.empty();
        if (oomKilled) return Optional.of("OOM killed");
        if (exitCode != 0 || !routeSleeps) return Optional.of("exited with code " + exitCode);
        return Optional.empty();
    }
}
