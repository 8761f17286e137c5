package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "reload", description = {"Make the daemon reload its config file (like SIGHUP).",
        "An invalid file is refused with its first problem; the running config stays."})
final class ReloadCommand extends AdminCommand {
    @Override
    int run(AdminClient client) {
        JsonNode body = client.post("/api/v1/reload", AdminClient.REQUEST_TIMEOUT).body();
        if (admin.json) {
            Output.json(out(), body);
        } else {
            String routes = Output.text(body, "routes");
            out().println("reloaded the config" + (routes.isEmpty() ? "" : ": " + routes + (routes.equals("1") ? " route" : " routes")));
        }
        return 0;
    }
}
