package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** Times from the API (ISO-8601 UTC) shown short, in the local zone, or relative to now. */
final class Times {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("MMM dd HH:mm", Locale.ENGLISH);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT);

    private final Clock clock;
    private final ZoneId zone;

    Times(CliEnv env) {
        this.clock = env.clock();
        this.zone = env.zone();
    }

    /** Now, by the command's clock. */
    Instant now() {
        return clock.instant();
    }

    /** The instant of an ISO timestamp field, empty when null, missing or not a timestamp. */
    static Optional<Instant> instant(JsonNode node) {
        if (node == null || !node.isTextual()) return Optional.empty();
        try {
            return Optional.of(Instant.parse(node.asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Short local time: {@code 14:03:07} today, {@code Dec 01 14:03} this year, else {@code 2025-12-01}. */
    String at(JsonNode node) {
        return instant(node).map(this::at).orElseGet(() -> raw(node));
    }

    String at(Instant t) {
        ZonedDateTime z = t.atZone(zone);
        ZonedDateTime now = clock.instant().atZone(zone);
        if (z.toLocalDate().equals(now.toLocalDate())) return TIME.format(z);
        if (z.getYear() == now.getYear()) return DAY_TIME.format(z);
        return DATE.format(z);
    }

    /** Local wall-clock time of day, {@code 14:03:07}, for lines of a live stream. */
    String timeOfDay(Instant t) {
        return TIME.format(t.atZone(zone));
    }

    /** Relative to now: {@code 12s ago}, {@code 3m ago}, {@code 5h ago}, {@code 2d ago}; {@code in 3m} for the future. */
    String ago(JsonNode node) {
        return instant(node).map(this::ago).orElseGet(() -> raw(node));
    }

    String ago(Instant t) {
        Duration d = Duration.between(t, clock.instant());
        if (d.isNegative()) return "in " + span(d.negated());
        if (d.toSeconds() < 1) return "just now";
        return span(d) + " ago";
    }

    /** A coarse span: {@code 45s}, {@code 12m}, {@code 5h}, {@code 3d}. */
    static String span(Duration d) {
        long s = d.toSeconds();
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m";
        if (s < 48 * 3600) return s / 3600 + "h";
        return s / 86400 + "d";
    }

    /** A measured duration: {@code 112ms}, {@code 1.4s}, {@code 2m05s}. */
    static String millis(long ms) {
        if (ms < 1000) return ms + "ms";
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        return String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, (ms / 1000) % 60);
    }

    private static String raw(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? "" : node.asText();
    }
}
