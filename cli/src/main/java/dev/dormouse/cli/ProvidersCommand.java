package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "providers", description = "List the providers (Docker engines, Swarm managers, Proxmox) and whether each is connected.")
final class ProvidersCommand extends AdminCommand {
    @Override
    int run(AdminClient client) {
        JsonNode doc = client.get("/api/v1/providers");
        if (admin.json) {
            Output.json(out(), doc);
            return 0;
        }
        Times times = times();
        Table t = new Table("PROVIDER", "ENDPOINT", "ROUTES", "CONNECTED", "LAST EVENT", "LAST ERROR");
        for (JsonNode p : Output.items(doc, "providers")) {
            t.row(Output.text(p, "provider"), Output.text(p, "endpoint"), p.path("routes").asText(), p.path("connected").asBoolean() ? "yes" : "no",
                    times.ago(p.path("last_event_at")), Output.text(p, "last_error"));
        }
        t.print(out());
        return 0;
    }
}
