package dev.dormouse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.Durations;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.RouteConfig;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Subscribes to the route's events first, posts the wake once the daemon says {@code subscribed} (so no
 * event is missed), then prints the wake's progress until {@code ready} or {@code error}, within a bound.
 */
@Command(name = "wake", description = {"Wake a route (its dependencies first) and show the progress until it is ready.",
        "Exit code 0 when ready, 1 when the wake failed or did not end within --timeout."})
final class WakeCommand extends AdminCommand {
    static final Duration MARGIN = Duration.ofSeconds(5);
    static final Duration FALLBACK = Duration.ofSeconds(65);

    @Parameters(paramLabel = "NAME", description = "The route.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up waiting after this long (default: the route's wake_timeout + 5s from the config, else 65s).")
    Duration timeout;

    @Override
    int run(AdminClient client) throws InterruptedException {
        Duration bound = timeout != null ? timeout : defaultTimeout(target.config(), name);
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        String path = "/api/v1/routes/" + AdminClient.encode(name);
        try (EventStream events = client.events("/api/v1/events?route=" + AdminClient.encode(name))) {
            awaitSubscribed(events, deadline, bound);
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            AdminClient.Response posted = client.post(path + "/wake", min(left, AdminClient.REQUEST_TIMEOUT));
            if (posted.status() == 200) {
                if (admin.json) Output.json(out(), posted.body());
                else out().println(name + " is ready (it was already awake)");
                return 0;
            }
            Times times = times();
            while (true) {
                Optional<SseParser.Message> next;
                try {
                    next = events.next(Duration.ofNanos(deadline - System.nanoTime()));
                } catch (CliException ended) {
                    return afterStreamEnded(client, path, start, ended);
                }
                if (next.isEmpty()) {
                    throw new CliException(CliException.FAILED, name + " is not ready after " + Durations.format(bound)
                            + "; the wake goes on in the daemon (follow it with `dormouse events --follow --route " + name + "`)");
                }
                if (!(next.get() instanceof SseParser.Event e) || !e.type().equals("wake")) continue;
                JsonNode data = parse(e.data());
                if (!name.equals(Output.text(data, "route"))) continue;
                String type = Output.text(data, "type");
                if (!admin.json) {
                    EventLines line = EventLines.wake(data);
                    out().printf("%s  %-17s  %s%n", times.timeOfDay(line.time().orElseGet(() -> env().clock().instant())), type, line.detail());
                    out().flush();
                }
                if (type.equals("ready")) return ready(client, path, start);
                if (type.equals("error")) {
                    String error = Output.text(data, "error");
                    throw new CliException(CliException.FAILED, "wake of " + name + " failed: "
                            + (error.isEmpty() ? Output.text(data, "message") : error));
                }
            }
        }
    }

    /** The route's wake_timeout plus a margin, from the config when it was read; else {@link #FALLBACK}. */
    static Duration defaultTimeout(Optional<DormouseConfig> config, String route) {
        return config.map(c -> c.route(route).map(RouteConfig::idle).orElse(c.defaultIdle()))
                .map(IdleConfig::wakeTimeout).map(t -> t.plus(MARGIN)).orElse(FALLBACK);
    }

    private void awaitSubscribed(EventStream events, long deadline, Duration bound) throws InterruptedException {
        while (true) {
            Optional<SseParser.Message> m = events.next(Duration.ofNanos(deadline - System.nanoTime()));
            if (m.isEmpty()) {
                throw new CliException(CliException.FAILED, "the daemon did not confirm the event subscription within "
                        + Durations.format(bound) + "; nothing was woken");
            }
            if (m.get() instanceof SseParser.Comment c && c.text().strip().equals("subscribed")) return;
        }
    }

    private int ready(AdminClient client, String path, long start) {
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        if (admin.json) Output.json(out(), client.get(path));
        else out().println(name + " is ready after " + Times.millis(ms));
        return 0;
    }

    /** The stream ended before the wake did: the route's state decides. */
    private int afterStreamEnded(AdminClient client, String path, long start, CliException ended) {
        JsonNode route = client.get(path);
        String state = Output.text(route, "state");
        if (state.equals("ready")) return ready(client, path, start);
        String error = Output.text(route, "last_error");
        throw new CliException(CliException.FAILED, ended.getMessage() + " before " + name + " was ready (state "
                + (state.isEmpty() ? "unknown" : state) + (error.isEmpty() ? "" : ", last error: " + error) + ")", ended);
    }

    private JsonNode parse(String data) {
        try {
            return Output.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            throw new CliException(CliException.FAILED, "the daemon sent a wake event that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
