package dev.dormouse.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry under {@code notifications:}.
 *
 * @param name unique name; required
 * @param type {@code ntfy}, {@code gotify} or {@code webhook}; required
 * @param url where notifications are sent; required
 * @param tokenFile file holding the token; optional
 * @param events which events are sent, of {@link #EVENTS}; optional, default {@link #DEFAULT_EVENTS}
 *     ({@code down} and {@code up}; a crash is a kind of down, so it is sent as {@code crashed} to a
 *     notifier that lists {@code down} or {@code crashed}); an empty list means the default
 * @param headers extra HTTP headers sent with each notification; optional
 */
public record NotificationConfig(String name, String type, String url, Optional<Path> tokenFile, List<String> events,
        Map<String, String> headers) {
    /**
     * Every event type: {@code down} (the monitor's checks fail), {@code up} (healthy again after a down or
     * a crash), {@code crashed} (the container stopped without dormouse asking: a non-zero exit, an OOM
     * kill, or any exit of a route that never sleeps), {@code wake_failed} (a wake failed or timed out).
     */
    public static final List<String> EVENTS = List.of("down", "up", "crashed", "wake_failed");
    public static final List<String> DEFAULT_EVENTS = List.of("down", "up");

    public NotificationConfig {
        events = events.isEmpty() ? DEFAULT_EVENTS : List.copyOf(events);
        headers = Map.copyOf(headers);
    }

    /** Whether {@code event} (one of {@link #EVENTS}) is sent to this notifier; {@code crashed} goes wherever {@code down} goes. */
    public boolean wants(String event) {
        return events.contains(event) || (event.equals("crashed") && events.contains("down"));
    }
}
