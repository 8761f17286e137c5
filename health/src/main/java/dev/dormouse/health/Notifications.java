package dev.dormouse.health;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.Json;
import dev.dormouse.core.NotificationConfig;
import dev.dormouse.core.Scheduler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Sends the notifications of a route's episodes, each once: {@code down} when its monitor becomes unhealthy
 * (or error), {@code crashed} instead when that is because its container crashed (the change is marked so),
 * and {@code up} when it is healthy again, only after one of those was sent; {@code wake_failed} when
 * {@link #wakeFailed} is told of a failed wake (the idle watcher reports only the first of an episode).
 * Each delivery runs on its own virtual thread with retries (exponential backoff with jitter), so a slow or
 * failing notifier never delays a check. Tokens are read from their files once; they never appear in logs
 * or errors.
 */
public final class Notifications implements Consumer<StatusChange> {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.health.notify");

    /**
     * One notification.
     *
     * @param event {@code down}, {@code crashed}, {@code up} or {@code wake_failed}
     * @param detail what was seen: the failing check's answer, the crash ({@code exited with code 137},
     *     {@code OOM killed}), the wake's error
     */
    public record Notification(String route, String event, HealthStatus status, String detail, long latencyMillis, Instant time) {
        String json() {
            StringBuilder b = new StringBuilder(160).append("{\"route\":");
            Json.quote(b, route).append(",\"event\":\"").append(event).append("\",\"status\":\"").append(status.label())
                    .append("\",\"detail\":");
            Json.quote(b, detail).append(",\"latency_ms\":").append(latencyMillis).append(",\"time\":\"").append(time).append("\"}");
            return b.toString();
        }

        String text() {
            String what = switch (event) {
                case "up" -> "is healthy again";
                case "crashed" -> "crashed";
                case "wake_failed" -> "failed to wake";
                default -> "is " + status.label();
            };
            return "route " + route + " " + what + (detail.isEmpty() ? "" : ": " + detail);
        }

        boolean bad() {
            return !event.equals("up");
        }

        /** An ntfy tag (an emoji name) per event. */
        String tag() {
            return switch (event) {
                case "up" -> "white_check_mark";
                case "crashed" -> "boom";
                case "wake_failed" -> "x";
                default -> "warning";
            };
        }
    }

    private record Target(NotificationConfig config, Optional<String> token) {}

    private final List<Target> targets = new ArrayList<>();
    /** Made at the first delivery: building one loads the JDK's TLS trust store, which start-up need not wait for. */
    private HttpClient http;
    private final int attempts;
    private final Duration backoff;
    private final Scheduler scheduler;
    private final Map<String, Boolean> downSent = new ConcurrentHashMap<>();

    /**
     * @param attempts deliveries tried per notification
     * @param backoff the pause after the first failed attempt, doubling (plus up to as much again at random) after each next one
     * @param scheduler the pauses between attempts
     * @throws DormouseException naming the notifier and file when a token file cannot be read
     */
    public Notifications(List<NotificationConfig> configs, int attempts, Duration backoff, Scheduler scheduler) {
        this.attempts = attempts;
        this.backoff = backoff;
        this.scheduler = java.util.Objects.requireNonNull(scheduler, "scheduler");
        for (NotificationConfig c : configs) {
            Optional<String> token = Optional.empty();
            if (c.tokenFile().isPresent()) {
                try {
                    token = Optional.of(Files.readString(c.tokenFile().get(), StandardCharsets.UTF_8).strip());
                } catch (IOException e) {
                    throw new DormouseException("notification " + c.name() + ": read token_file " + c.tokenFile().get() + ": "
                            + e.getClass().getSimpleName());
                }
            }
            targets.add(new Target(c, token));
        }
    }

    private synchronized HttpClient http() {
        if (http == null) http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http;
    }

    /** Five attempts, pausing from 1 s. */
    public Notifications(List<NotificationConfig> configs, Scheduler scheduler) {
        this(configs, 5, Duration.ofSeconds(1), scheduler);
    }

    @Override
    public void accept(StatusChange c) {
        String event;
        if (c.to().isDown() && !c.from().isDown()) {
            if (Boolean.TRUE.equals(downSent.put(c.route(), true))) return; // still down since the last one
            event = c.crashed() ? "crashed" : "down";
        } else if (c.to() == HealthStatus.HEALTHY && Boolean.TRUE.equals(downSent.get(c.route()))) {
            downSent.put(c.route(), false);
            event = "up";
        } else {
            return;
        }
        send(new Notification(c.route(), event, c.to(), c.detail(), c.latencyMillis(), c.at()));
    }

    /**
     * A wake of {@code route} failed or timed out: {@code wake_failed} with the wake's error. The caller
     * reports one per episode (until the route is ready again).
     */
    public void wakeFailed(String route, String reason, Instant at) {
        send(new Notification(route, "wake_failed", HealthStatus.ERROR, reason, 0, at));
    }

    private void send(Notification n) {
        if (!targets.isEmpty()) LOG.log(Level.DEBUG, "notification: {0}", n.text());
        for (Target t : targets) {
            if (t.config().wants(n.event())) Thread.ofVirtual().name("notify-" + t.config().name()).start(() -> deliver(t, n));
        }
    }

    private void deliver(Target t, Notification n) {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                HttpResponse<Void> r = http().send(request(t, n), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() < 300) {
                    LOG.log(Level.DEBUG, "notification {0}: route {1} {2} sent", t.config().name(), n.route(), n.event());
                    return;
                }
                LOG.log(Level.WARNING, "notification {0}: route {1} {2}: HTTP {3} (attempt {4}/{5})", t.config().name(), n.route(),
                        n.event(), r.statusCode(), attempt, attempts);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "notification {0}: route {1} {2}: {3} (attempt {4}/{5})", t.config().name(), n.route(), n.event(),
                        e.getClass().getSimpleName(), attempt, attempts);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < attempts) {
                long base = backoff.toMillis() << (attempt - 1);
                try {
                    scheduler.sleep(Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base + 1)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        LOG.log(Level.ERROR, "notification {0}: route {1} {2} not delivered after {3} attempts", t.config().name(), n.route(), n.event(), attempts);
    }

    private static HttpRequest request(Target t, Notification n) {
        NotificationConfig c = t.config();
        HttpRequest.Builder b;
        switch (c.type()) {
            case "ntfy" -> {
                b = HttpRequest.newBuilder(URI.create(c.url())).POST(HttpRequest.BodyPublishers.ofString(n.text()))
                        .header("Title", "dormouse: " + n.route() + " " + n.event())
                        .header("Tags", n.tag())
                        .header("Priority", n.bad() ? "high" : "default");
                t.token().ifPresent(tok -> b.header("Authorization", "Bearer " + tok));
            }
            case "gotify" -> {
                String url = c.url().endsWith("/") ? c.url() + "message" : c.url() + "/message";
                StringBuilder body = new StringBuilder("{\"title\":");
                Json.quote(body, "dormouse: " + n.route() + " " + n.event()).append(",\"message\":");
                Json.quote(body, n.text()).append(",\"priority\":").append(n.bad() ? 8 : 4).append('}');
                b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .header("Content-Type", "application/json");
                t.token().ifPresent(tok -> b.header("X-Gotify-Key", tok));
            }
            default -> {
                b = HttpRequest.newBuilder(URI.create(c.url())).POST(HttpRequest.BodyPublishers.ofString(n.json()))
                        .header("Content-Type", "application/json");
                t.token().ifPresent(tok -> b.header("Authorization", "Bearer " + tok));
            }
        }
        c.headers().forEach(b::header);
        return b.timeout(Duration.ofSeconds(10)).build();
    }
}
