package dev.dormouse.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** A command that is a client of the admin API: connects with the shared options, then does its part. */
abstract class AdminCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AdminOptions admin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the daemon was found; set before {@link #run}. */
    AdminOptions.Target target;

    @Override
    public final Integer call() throws Exception {
        check();
        target = admin.target();
        try (AdminClient client = new AdminClient(target.base(), target.tokenFile())) {
            return run(client);
        }
    }

    /** Checks the command's own arguments before anything is sent; throws {@link CommandLine.ParameterException}. */
    void check() {}

    /** Does the command's work; returns the exit code. */
    abstract int run(AdminClient client) throws Exception;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    CliEnv env() {
        return admin.env();
    }

    Times times() {
        return new Times(env());
    }
}
