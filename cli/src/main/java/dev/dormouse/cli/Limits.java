package dev.dormouse.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** The {@code runtime=&limit=} query of the log endpoints, checked before anything is sent. */
final class Limits {
    static final int MAX = 1000;

    private Limits() {}

    static void check(CommandLine.Model.CommandSpec spec, String option, int value) {
        if (value < 1 || value > MAX) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " must be between 1 and " + MAX + ", got " + value);
        }
    }

    static String query(String runtime, Integer limit) {
        List<String> q = new ArrayList<>();
        if (runtime != null && !runtime.isBlank()) q.add("runtime=" + AdminClient.encode(runtime.strip()));
        if (limit != null) q.add("limit=" + limit);
        return q.isEmpty() ? "" : "?" + String.join("&", q);
    }
}
