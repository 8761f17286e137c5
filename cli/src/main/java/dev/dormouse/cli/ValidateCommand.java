package dev.dormouse.cli;

import dev.dormouse.core.DormouseConfig;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "validate", description = "Check a config file completely and report every problem with its line and column.")
final class ValidateCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Optional<DormouseConfig> cfg = config.load(spec.commandLine().getErr());
        if (cfg.isEmpty()) return 1;
        // Worth knowing, not wrong: an expired certificate, a host ACME cannot serve, a challenge port elsewhere.
        for (String note : TlsChecks.notes(cfg.get())) spec.commandLine().getErr().println("warning: " + note);
        spec.commandLine().getOut().println("OK: " + config.file + ": " + cfg.get().routes().size() + " routes");
        return 0;
    }
}
