package dev.dormouse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "events", description = {"Show what happened recently: operations and health events merged by time, oldest first.",
        "With --follow, stream wake, health, operation and health events as they happen, until Ctrl-C."})
final class EventsCommand extends AdminCommand {
    @Option(names = {"-f", "--follow"}, description = "Stream events as they happen (--json: one JSON object per line).")
    boolean follow;

    @Option(names = "--route", paramLabel = "R", description = "Only this route (runtime).")
    String route;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "Without --follow: the last N events, 1..1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    void check() {
        Limits.check(spec, "--limit", limit);
    }

    @Override
    int run(AdminClient client) throws InterruptedException {
        return follow ? follow(client) : history(client);
    }

    private int history(AdminClient client) {
        JsonNode ops = client.get("/api/v1/operations" + Limits.query(route, limit));
        JsonNode health = client.get("/api/v1/health-events" + Limits.query(route, limit));
        if (admin.json) {
            ObjectNode doc = Output.MAPPER.createObjectNode();
            doc.set("operations", ops.path("operations"));
            doc.set("health_events", health.path("health_events"));
            Output.json(out(), doc);
            return 0;
        }
        List<EventLines> lines = new ArrayList<>();
        Output.items(ops, "operations").forEach(op -> lines.add(EventLines.operation(op)));
        Output.items(health, "health_events").forEach(ev -> lines.add(EventLines.healthEvent(ev)));
        lines.sort(Comparator.comparing((EventLines l) -> l.time().orElse(Instant.MIN)));
        List<EventLines> last = lines.subList(Math.max(0, lines.size() - limit), lines.size());
        if (last.isEmpty()) {
            out().println("no operations or health events" + (route == null ? "" : " for " + route) + " yet");
            return 0;
        }
        Times times = times();
        Table t = new Table("TIME", "ROUTE", "EVENT", "DETAIL");
        for (EventLines l : last) t.row(l.time().map(times::at).orElse(""), l.route(), l.what(), l.detail());
        t.print(out());
        return 0;
    }

    /** Ends only when the daemon closes the stream (exit 1, one line) or the user interrupts. */
    private int follow(AdminClient client) throws InterruptedException {
        String path = "/api/v1/events" + (route == null || route.isBlank() ? "" : "?route=" + AdminClient.encode(route.strip()));
        PrintWriter out = out();
        Times times = times();
        try (EventStream events = client.events(path)) {
            while (true) {
                if (!(events.take() instanceof SseParser.Event e)) continue;
                JsonNode data = parse(e.data());
                if (admin.json) {
                    ObjectNode line = Output.MAPPER.createObjectNode();
                    line.put("id", e.id());
                    line.put("event", e.type());
                    line.set("data", data == null ? Output.MAPPER.getNodeFactory().textNode(e.data()) : data);
                    Output.jsonLine(out, line);
                    continue;
                }
                EventLines l = data == null ? new EventLines(Optional.empty(), "", e.type(), e.data()) : EventLines.of(e.type(), data);
                out.printf("%s  %-16s %-24s %s%n", times.timeOfDay(l.time().orElseGet(() -> env().clock().instant())),
                        l.route().isEmpty() ? "-" : l.route(), l.what(), Output.oneLine(l.detail()));
                out.flush();
            }
        }
    }

    private static JsonNode parse(String data) {
        try {
            JsonNode n = Output.MAPPER.readTree(data);
            return n == null || n.isMissingNode() ? null : n;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
