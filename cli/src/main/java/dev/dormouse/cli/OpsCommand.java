package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ops", description = "Show the operation log: every container action dormouse took, newest first.")
final class OpsCommand extends AdminCommand {
    @Option(names = "--runtime", paramLabel = "R", description = "Only this runtime (route name).")
    String runtime;

    @Option(names = "--limit", paramLabel = "N", description = "At most N operations, 1..1000 (default: the daemon's, 50).")
    Integer limit;

    @Override
    void check() {
        if (limit != null) Limits.check(spec, "--limit", limit);
    }

    @Override
    int run(AdminClient client) {
        JsonNode doc = client.get("/api/v1/operations" + Limits.query(runtime, limit));
        if (admin.json) {
            Output.json(out(), doc);
            return 0;
        }
        print(Output.items(doc, "operations"), times(), spec.commandLine());
        return 0;
    }

    /** The operations table, also printed by {@code cleanup}. */
    static void print(List<JsonNode> ops, Times times, CommandLine cl) {
        Table t = new Table("TIME", "RUNTIME", "OP", "SOURCE", "OUTCOME", "DURATION", "CONTAINER", "ERROR");
        for (JsonNode op : ops) {
            t.row(times.at(op.path("started_at")), Output.text(op, "runtime_id"), Output.text(op, "op_kind"),
                    Output.text(op, "op_source"), Output.text(op, "outcome"),
                    op.path("duration_ms").canConvertToLong() ? Times.millis(op.path("duration_ms").asLong()) : "",
                    EventLines.shortId(Output.text(op, "container_id")), EventLines.error(op));
        }
        t.print(cl.getOut());
    }
}
