package dev.dormouse.cli;

import dev.dormouse.tls.ServerTlsContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code dormouse}: the entry point. Exit codes: 0 success, 1 failure (with a one-line reason), 2 bad usage,
 * 3 daemon not reachable, 4 admin token missing or refused.
 */
@Command(name = "dormouse", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.VersionProvider.class,
        description = "A reverse proxy that lets idle services sleep and wakes them on the next request.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the daemon refused or the action failed", "2:usage error",
                "3:the daemon is not reachable", "4:the admin token is missing or was refused"})
public final class Main implements Runnable {
    /** The subcommands, in the order of the help. */
    private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, ValidateCommand.class, DoctorCommand.class, RoutesCommand.class,
            ProvidersCommand.class, WakeCommand.class, SleepCommand.class, RuntimesCommand.class, OpsCommand.class, EventsCommand.class,
            CleanupCommand.class, ReloadCommand.class, VersionCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CliEnv env;

    Main(CliEnv env) {
        this.env = env;
    }

    CliEnv env() {
        return env;
    }

    public static void main(String[] args) {
        // First: the JDK reads this once, at the first server handshake, whichever command makes it.
        ServerTlsContext.rejectClientRenegotiation();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, CliEnv.system());
    }

    static int run(String[] args, PrintWriter out, PrintWriter err, CliEnv env) {
        CommandLine cli = new CommandLine(new Main(env));
        // picocli reads each command's annotations as it is added (about 50 ms for all of them): `serve` adds only its
        // own, so that the daemon's start-up does not wait for the others.
        boolean serve = args.length > 0 && args[0].equals("serve");
        for (Class<?> c : serve ? List.<Class<?>>of(ServeCommand.class) : COMMANDS) cli.addSubcommand(c);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            String command = ex.getCommandLine().getCommandName().equals("dormouse") ? "" : ex.getCommandLine().getCommandName() + " ";
            err.println("dormouse: " + Output.oneLine(ex.getMessage()) + " (see 'dormouse " + command + "--help')");
            err.flush();
            return CliException.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, r) -> {
            out.flush();
            if (ex instanceof CliException e) {
                err.println("dormouse: " + Output.oneLine(e.getMessage()));
                err.flush();
                return e.exitCode();
            }
            err.println("dormouse " + c.getCommandName() + ": " + Output.oneLine(ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            err.flush();
            return CliException.FAILED;
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
