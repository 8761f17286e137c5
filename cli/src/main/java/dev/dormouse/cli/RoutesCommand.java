package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;

@Command(name = "routes", description = "List the routes with their state, health, provider, container and certificates.")
final class RoutesCommand extends AdminCommand {
    @Override
    int run(AdminClient client) {
        JsonNode doc = client.get("/api/v1/routes");
        if (admin.json) {
            Output.json(out(), doc);
            return 0;
        }
        Times times = times();
        Table t = new Table("NAME", "KIND", "STATE", "HEALTH", "IDLE", "HOSTS", "TARGET", "PROVIDER", "CONTAINER", "CERTIFICATE", "LAST ERROR");
        for (JsonNode r : Output.items(doc, "routes")) {
            String hosts = Output.joined(r, "hosts");
            String listen = Output.text(r, "listen");
            t.row(Output.text(r, "name"), Output.text(r, "kind"), Output.text(r, "state"),
                    Output.text(r.path("health"), "status"), idle(Output.text(r, "idle_timeout")),
                    listen.isEmpty() ? hosts : listen, Output.text(r, "target"), Output.text(r, "provider"), local(r),
                    certificates(r.path("certificates"), times), lastError(r));
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

    /** Each distinct certificate of the route's hosts: {@code acme, 89d left}, {@code file, expired}, {@code acme, pending}. */
    private static String certificates(JsonNode certs, Times times) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode c : certs) {
            Optional<Instant> notAfter = Times.instant(c.path("not_after"));
            String when;
            if (notAfter.isEmpty()) {
                when = "pending";
            } else {
                Duration left = Duration.between(times.now(), notAfter.get());
                when = left.isNegative() ? "expired" : Times.span(left) + " left";
            }
            out.add(Output.text(c, "source") + ", " + when);
        }
        return String.join("; ", out);
    }

    /** The route's last error, else the first certificate error of its hosts (their certificates keep serving). */
    private static String lastError(JsonNode r) {
        String own = Output.text(r, "last_error");
        if (!own.isEmpty()) return own;
        for (JsonNode c : r.path("certificates")) {
            String e = Output.text(c, "last_error");
            if (!e.isEmpty()) return "certificate " + Output.text(c, "host") + ": " + e;
        }
        return "";
    }
}
