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
 * @param events which events are sent, {@code down} and/or {@code up}; optional, default both
 * @param headers extra HTTP headers sent with each notification; optional
 */
public record NotificationConfig(String name, String type, String url, Optional<Path> tokenFile, List<String> events,
        Map<String, String> headers) {
    public NotificationConfig {
        events = List.copyOf(events);
        headers = Map.copyOf(headers);
    }

    /** Whether {@code event} ({@code down} or {@code up}) is sent to this notifier. */
    public boolean wants(String event) {
        return events.isEmpty() || events.contains(event);
    }
}
