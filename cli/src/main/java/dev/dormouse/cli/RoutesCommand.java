package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "routes", description = "List the routes with their state, health, provider and container.")
final class RoutesCommand extends AdminCommand {
    @Override
    int run(AdminClient client) {
        JsonNode doc = client.get("/api/v1/routes");
        if (admin.json) {
            Output.json(out(), doc);
            return 0;
        }
        Table t = new Table("NAME", "KIND", "STATE", "HEALTH", "IDLE", "HOSTS", "TARGET", "PROVIDER", "CONTAINER", "LAST ERROR");
        for (JsonNode r : Output.items(doc, "routes")) {
            String hosts = Output.joined(r, "hosts");
            String listen = Output.text(r, "listen");
            t.row(Output.text(r, "name"), Output.text(r, "kind"), Output.text(r, "state"),
                    Output.text(r.path("health"), "status"), idle(Output.text(r, "idle_timeout")),
                    listen.isEmpty() ? hosts : listen, Output.text(r, "target"), Output.text(r, "provider"), local(r),
                    Output.text(r, "last_error"));
        }
        t.print(out());
        return 0;
    }

    /** The container as its provider names it: {@code docker:local/whoami} is {@code whoami} of {@code docker:local}. */
    private static String local(JsonNode r) {
        String c = Output.text(r, "container");
        String p = Output.text(r, "provider");
        return c.startsWith(p + "/") ? c.substring(p.length() + 1) : c;
    }

    /** {@code 0s} means the route never sleeps. */
    private static String idle(String timeout) {
        return timeout.equals("0s") ? "never" : timeout;
    }
}
