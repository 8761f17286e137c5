package dev.dormouse.admin;

import dev.dormouse.proxy.SseStream;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * One {@code GET /api/v1/events} connection: {@code : subscribed} once the subscription is in place, then
 * each event with an {@code id:} increasing per connection, and {@code : keepalive} comments.
 */
final class AdminEventStream {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.admin");
    private static final AdminEvents.Message KEEPALIVE = new AdminEvents.Message("", ":", "keepalive");

    private AdminEventStream() {}

    /** Starts the stream on the exchange's I/O thread: subscribes, then sends {@code : subscribed}. */
    static void open(HttpServerExchange ex, AdminEvents events, Optional<String> route, int capacity, Duration keepalive) {
        // Queued before subscribing and sent after it: a client that has read it misses no later event.
        SseStream<AdminEvents.Message> s = SseStream.open(ex, new AdminEvents.Message("", ":", "subscribed"), capacity, render(), KEEPALIVE,
                keepalive, LOG, "admin events" + route.map(r -> " (route " + r + ")").orElse(""));
        s.feedBy(events.subscribe(route, s::offer));
        s.start();
    }

    /** Comments as {@code : text}, events with the next id; applied on the I/O thread only, so the counter needs no lock. */
    private static Function<AdminEvents.Message, String> render() {
        long[] nextId = {1};
        return m -> m.event().equals(":") ? ": " + m.data() + "\n\n"
                : "id: " + nextId[0]++ + "\nevent: " + m.event() + "\ndata: " + m.data() + "\n\n";
    }
}
