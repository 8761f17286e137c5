package dev.dormouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the version of dormouse and of the Java runtime.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        for (String line : new Main.VersionProvider().getVersion()) spec.commandLine().getOut().println(line);
        return 0;
    }
}
