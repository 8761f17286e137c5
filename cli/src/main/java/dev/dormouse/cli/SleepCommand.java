package dev.dormouse.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "sleep", description = "Put a route to sleep now with its stop method (pause, stop or kill).")
final class SleepCommand extends AdminCommand {
    /** A stop waits up to the route's stop_timeout before it kills; this bounds the whole answer. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Parameters(paramLabel = "NAME", description = "The route.")
    String name;

    @Override
    int run(AdminClient client) {
        AdminClient.Response r = client.post("/api/v1/routes/" + AdminClient.encode(name) + "/sleep", TIMEOUT);
        if (admin.json) {
            Output.json(out(), r.body());
        } else {
            String state = Output.text(r.body(), "state");
            out().println(name + " is " + (state.isEmpty() ? "asleep" : state));
        }
        return 0;
    }
}
