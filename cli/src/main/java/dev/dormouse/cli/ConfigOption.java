package dev.dormouse.cli;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --config FILE}, and the one way every command loads and checks it. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/dormouse/dormouse.yml",
            description = "Config file (default: ${DEFAULT-VALUE}).")
    Path file;

    /** Loads and fully validates the config, this build's providers included; prints every problem to err. */
    Optional<DormouseConfig> load(PrintWriter err) {
        List<ConfigProblem> problems = new ArrayList<>();
        DormouseConfig cfg = null;
        try {
            cfg = ConfigLoader.load(file, Daemon.providerKinds());
            problems.addAll(Daemon.buildProblems(cfg));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (problems.isEmpty()) return Optional.of(cfg);
        for (ConfigProblem p : problems) err.println(p);
        err.println(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "; nothing was started");
        return Optional.empty();
    }
}
