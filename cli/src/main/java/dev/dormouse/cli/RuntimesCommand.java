package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "runtimes", description = "List the managed containers (runtime records) and their status.")
final class RuntimesCommand extends AdminCommand {
    @Override
    int run(AdminClient client) {
        JsonNode doc = client.get("/api/v1/runtimes");
        if (admin.json) {
            Output.json(out(), doc);
            return 0;
        }
        Times times = times();
        Table t = new Table("RUNTIME", "PROVIDER", "CONTAINER", "ID", "IMAGE", "STATUS", "SINCE", "LAST OP", "RETENTION");
        for (JsonNode r : Output.items(doc, "runtimes")) {
            String status = Output.text(r, "status");
            JsonNode since = switch (status) {
                case "running", "paused" -> r.path("started_at");
                case "stopped" -> r.path("stopped_at");
                case "removed" -> r.path("removed_at");
                default -> r.path("last_op_at");
            };
            t.row(Output.text(r, "runtime_id"), Output.text(r, "provider"), Output.text(r, "container_ref"),
                    EventLines.shortId(Output.text(r, "container_id")), Output.text(r, "image"), status,
                    times.ago(since), times.ago(r.path("last_op_at")), Output.text(r, "retention"));
        }
        t.print(out());
        return 0;
    }
}
