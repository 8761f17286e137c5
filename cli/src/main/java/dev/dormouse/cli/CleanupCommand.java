package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cleanup", description = {"Remove the stopped containers whose retention has passed (TTL cleanup), now.",
        "Only routes with a retention are considered, never a running container."})
final class CleanupCommand extends AdminCommand {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Option(names = "--dry-run", description = "Only show what would be removed.")
    boolean dryRun;

    @Override
    int run(AdminClient client) {
        if (dryRun) {
            JsonNode doc = client.get("/api/v1/cleanup");
            if (admin.json) {
                Output.json(out(), doc);
                return 0;
            }
            List<JsonNode> candidates = Output.items(doc, "candidates");
            if (candidates.isEmpty()) {
                out().println("nothing to remove: no stopped container is past its retention");
                return 0;
            }
            Times times = times();
            Table t = new Table("RUNTIME", "CONTAINER", "ID", "IMAGE", "STOPPED", "RETENTION");
            for (JsonNode c : candidates) {
                t.row(Output.text(c, "runtime_id"), Output.text(c, "container_ref"),
                        EventLines.shortId(Output.text(c, "container_id")), Output.text(c, "image"),
                        times.ago(c.path("stopped_at")), Output.text(c, "retention"));
            }
            t.print(out());
            return 0;
        }
        JsonNode doc = client.post("/api/v1/cleanup", TIMEOUT).body();
        List<JsonNode> ops = Output.items(doc, "operations");
        if (admin.json) {
            Output.json(out(), doc);
        } else if (ops.isEmpty()) {
            out().println("nothing was removed: no stopped container is past its retention");
        } else {
            OpsCommand.print(ops, times(), spec.commandLine());
        }
        long failed = ops.stream().filter(op -> List.of("failure", "conflict").contains(Output.text(op, "outcome"))).count();
        if (failed > 0) {
            throw new CliException(CliException.FAILED, failed + " of " + ops.size() + " removals did not succeed (see `dormouse ops`)");
        }
        return 0;
    }
}
