package dev.dormouse.cli;

import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the commands take from the process around them: environment variables, the clock and the time
 * zone that tables are shown in. Tests pass their own.
 */
record CliEnv(Map<String, String> vars, Clock clock, ZoneId zone) {
    CliEnv {
        vars = Map.copyOf(Objects.requireNonNull(vars, "vars"));
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(zone, "zone");
    }

    static CliEnv system() {
        return new CliEnv(System.getenv(), Clock.systemUTC(), ZoneId.systemDefault());
    }

    /** The variable's value; unset and empty are the same. */
    Optional<String> get(String name) {
        String v = vars.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }
}
