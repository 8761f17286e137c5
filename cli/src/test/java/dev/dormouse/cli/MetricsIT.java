package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.cli.testkit.PromText;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code Daemon.writeMetrics} behind a real daemon and a real container, read back with a strict parser of
 * the text format: requests and their latency, a sleep, a wake, the route's state, the provider's
 * connection, and a removed route leaving the scrape.
 */
class MetricsIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PromText scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            daemon.writeMetrics(out);
            return PromText.parse(out.toString(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new AssertionError("write metrics", e);
        }
    }

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "*/*").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double requests(PromText t, String route) {
        return t.value("dormouse_http_requests_total", "route", route, "status_class", "2xx");
    }

    private double state(PromText t, String route, String state) {
        return t.value("dormouse_route_state", "route", route, "state", state);
    }

    @Test
    void requestsSleepsAndWakesShowInTheScrape() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("metrics", port, "measured");
        int plainPort = TestDocker.freePort();
        String plain = "  - name: plain\n    hosts: [plain.test]\n    target: http://127.0.0.1:" + plainPort + "\n";
        String routes = ServeIT.route("m", "m.test", port, c, "idle_timeout: 4s, stop_timeout: 5s") + plain;
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", routes);

        ServeIT.await("the docker provider connected", () -> scrape().value("dormouse_provider_connected", "provider", "docker:local") == 1);
        PromText start = scrape();
        assertEquals(1, state(start, "m", "ready"), "a running container is ready at start-up");
        assertEquals(0, start.value("dormouse_wakes_total", "route", "m"));
        assertEquals(0, start.value("dormouse_sleeps_total", "route", "m", "method", "stop"));
        assertEquals(0, requests(start, "m"));
        assertTrue(start.find("dormouse_route_state", "route", "plain", "state", "ready").isEmpty(), "a route without a container has no state");

        for (int i = 0; i < 3; i++) assertEquals("measured", get("m.test").body().strip());
        // A request is counted and closed when its exchange completes, just after the client has the answer.
        ServeIT.await("three requests counted and closed", () -> {
            PromText t = scrape();
            return requests(t, "m") == 3 && t.value("dormouse_open_connections", "route", "m") == 0;
        });
        PromText busy = scrape();
        assertEquals(3, busy.value("dormouse_http_upstream_duration_seconds_count", "route", "m"));
        assertTrue(busy.value("dormouse_http_upstream_duration_seconds_sum", "route", "m") > 0);

        ServeIT.await("asleep after the idle timeout", () -> TestDocker.inspectStatus(c).equals("exited"));
        ServeIT.await("the sleep counted", () -> scrape().value("dormouse_sleeps_total", "route", "m", "method", "stop") == 1);
        PromText asleep = scrape();
        assertEquals(1, state(asleep, "m", "napping"));
        assertEquals(0, state(asleep, "m", "ready"));

        assertEquals("measured", get("m.test").body().strip(), "the request woke the container");
        ServeIT.await("the held request counted once", () -> requests(scrape(), "m") == 4);
        PromText woken = scrape();
        assertEquals(1, woken.value("dormouse_wakes_total", "route", "m"));
        assertEquals(0, woken.value("dormouse_wake_failures_total", "route", "m"));
        assertEquals(1, woken.value("dormouse_wake_duration_seconds_count", "route", "m"));
        double took = woken.value("dormouse_wake_duration_seconds_sum", "route", "m");
        assertTrue(took > 0 && took < 60, "wake took " + took + " s");
        assertEquals(1, state(woken, "m", "ready"));
        assertEquals(4, woken.value("dormouse_http_upstream_duration_seconds_count", "route", "m"));
        assertTrue(woken.value("jvm_threads_current") > 0);
        assertTrue(woken.value("process_start_time_seconds") > 0);

        Files.writeString(dir.resolve("dormouse.yml"), Files.readString(dir.resolve("dormouse.yml")).replace(
                ServeIT.route("m", "m.test", port, c, "idle_timeout: 4s, stop_timeout: 5s"), ""));
        assertTrue(daemon.reload("test"));
        PromText after = scrape();
        for (String sample : new String[] {"dormouse_http_requests_total", "dormouse_http_upstream_duration_seconds_count",
                "dormouse_wakes_total", "dormouse_wake_duration_seconds_count", "dormouse_sleeps_total", "dormouse_route_state",
                "dormouse_open_connections"}) {
            assertTrue(after.samples(sample).stream().noneMatch(s -> "m".equals(s.labels().get("route"))), sample + " of the removed route");
        }
        assertEquals(0, requests(after, "plain"), "the other route stays");
    }
}
