package dev.dormouse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", description = {"Check what is often wrong in a setup, changing nothing: the config, each provider's engine "
        + "(reachable, socket permissions, credentials, clock), data_dir, the database, the admin token's mode, each route's "
        + "container and each listener's port.", "Exit 1 when any check finds a problem; warnings alone exit 0."})
final class DoctorCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the checks as JSON for scripts instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Tests set their own; otherwise this machine, as {@code serve} sees it. */
    Doctor.Deps deps;

    @Override
    public Integer call() {
        List<DoctorCheck> checks = new Doctor(deps != null ? deps : Doctor.Deps.system()).run(config.file);
        PrintWriter out = spec.commandLine().getOut();
        long problems = checks.stream().filter(c -> c.status() == DoctorCheck.Status.PROBLEM).count();
        long warnings = checks.stream().filter(c -> c.status() == DoctorCheck.Status.WARNING).count();
        if (json) {
            ObjectNode doc = Output.MAPPER.createObjectNode();
            doc.put("ok", problems == 0);
            doc.put("problems", problems);
            doc.put("warnings", warnings);
            ArrayNode a = doc.putArray("checks");
            for (DoctorCheck c : checks) a.addObject().put("check", c.check()).put("status", c.status().label).put("detail", c.detail());
            Output.json(out, doc);
        } else {
            Table t = new Table("CHECK", "STATUS", "DETAIL");
            for (DoctorCheck c : checks) t.row(c.check(), c.status().label, c.detail());
            t.print(out);
            String warned = warnings == 0 ? "" : ", " + count(warnings, "warning");
            out.println(problems == 0 ? "OK: " + count(checks.size(), "check") + warned : count(problems, "problem") + warned);
            out.flush();
        }
        return problems == 0 ? 0 : 1;
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
