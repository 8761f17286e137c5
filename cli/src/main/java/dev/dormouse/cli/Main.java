package dev.dormouse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dormouse}: the entry point. Exit codes: 0 success, 1 failure (with a one-line reason), 2 bad usage. */
@Command(name = "dormouse", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "A reverse proxy that lets idle services sleep and wakes them on the next request.",
        subcommands = {ServeCommand.class, ValidateCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("dormouse: " + ex.getMessage());
            err.println("Try 'dormouse " + (ex.getCommandLine().getCommandName().equals("dormouse") ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help' for usage.");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, c, r) -> {
            err.println("dormouse " + c.getCommandName() + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dormouse " + version(), "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "") + ")"};
        }
    }
}
