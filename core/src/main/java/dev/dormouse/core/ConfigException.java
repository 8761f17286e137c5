package dev.dormouse.core;

import java.util.List;
import java.util.stream.Collectors;

/** A config file that cannot be used; carries every problem found, not just the first. */
public final class ConfigException extends DormouseException {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.size() == 1 ? "invalid config: " + problems.get(0)
                : "invalid config: " + problems.size() + " problems:\n  "
                        + problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n  ")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
