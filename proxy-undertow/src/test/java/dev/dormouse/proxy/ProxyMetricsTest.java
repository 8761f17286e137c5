package dev.dormouse.proxy;

import static dev.dormouse.proxy.HttpProxyTest.await;
import static dev.dormouse.proxy.HttpProxyTest.freePort;
import static dev.dormouse.proxy.HttpProxyTest.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.undertow.Undertow;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's instruments, read back from the registry the way a scrape sees them. */
class ProxyMetricsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ProxyMetrics metrics = new ProxyMetrics(registry);
    private final CountDownLatch release = new CountDownLatch(1);
    private Undertow upstream;
    private int upstreamPort;
    private HttpProxy proxy;
    private StreamProxy streams;

    @BeforeEach
    void upstream() {
        upstreamPort = freePort();
        io.undertow.server.HttpHandler ws = io.undertow.Handlers.websocket((exchange, channel) -> {
            channel.getReceiveSetter().set(new io.undertow.websockets.core.AbstractReceiveListener() {});
            channel.resumeReceives();
        });
        upstream = Undertow.builder().addHttpListener(upstreamPort, "127.0.0.1").setHandler(ex -> {
            switch (ex.getRequestPath()) {
                case "/ws" -> ws.handleRequest(ex);
                case "/missing" -> ex.setStatusCode(404).getResponseSender().send("no");
                case "/slow" -> {
                    if (ex.isInIoThread()) {
                        ex.dispatch(r -> Thread.ofVirtual().start(r), () -> {
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            ex.getResponseSender().send("slow");
                        });
                    }
                }
                default -> ex.getResponseSender().send("hello");
            }
        }).build();
        upstream.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (proxy != null) proxy.close();
        if (streams != null) streams.close();
        upstream.stop();
    }

    private void serve(ProxyRoute... routes) {
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", 2, Duration.ofSeconds(2), Duration.ofSeconds(2)), List.of(routes), metrics);
        proxy.start();
    }

    private ProxyRoute plain(String name) {
        return new ProxyRoute(route(name, "[" + name + ".test]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty());
    }

    private HttpResponse<String> get(String host, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path)).header("Host", host)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---------------------------------------------------------------- reading the registry

    /** The data point of {@code name} with exactly these label pairs, as the next scrape reports it. */
    private Optional<DataPointSnapshot> point(String name, String... labels) {
        Labels want = Labels.of(labels);
        for (MetricSnapshot s : registry.scrape()) {
            if (!s.getMetadata().getPrometheusName().equals(name)) continue;
            for (DataPointSnapshot d : s.getDataPoints()) {
                if (d.getLabels().equals(want)) return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private OptionalDouble value(String name, String... labels) {
        return point(name, labels).map(d -> switch (d) {
            case CounterSnapshot.CounterDataPointSnapshot c -> OptionalDouble.of(c.getValue());
            case GaugeSnapshot.GaugeDataPointSnapshot g -> OptionalDouble.of(g.getValue());
            case HistogramSnapshot.HistogramDataPointSnapshot h -> OptionalDouble.of(h.getCount());
            default -> OptionalDouble.empty();
        }).orElse(OptionalDouble.empty());
    }

    private double requests(String route, String statusClass) {
        return value("dormouse_http_requests", "route", route, "status_class", statusClass).orElseThrow();
    }

    private double open(String route) {
        return value("dormouse_open_connections", "route", route).orElseThrow();
    }

    // ---------------------------------------------------------------- HTTP

    @Test
    void requestsAreCountedByRouteAndStatusClassAndUpstreamLatencyIsObserved() throws Exception {
        serve(plain("a"), plain("b"));
        assertEquals(0, requests("a", "2xx"), "a served route has its series from the start");
        for (int i = 0; i < 3; i++) assertEquals(200, get("a.test", "/").statusCode());
        assertEquals(404, get("a.test", "/missing").statusCode());
        assertEquals(200, get("b.test", "/").statusCode());
        // Requests are counted when their exchange completes, which may be just after the client has the answer.
        await("every request counted and timed", () -> requests("a", "2xx") == 3 && requests("a", "4xx") == 1 && requests("b", "2xx") == 1
                && ((HistogramSnapshot.HistogramDataPointSnapshot) point("dormouse_http_upstream_duration_seconds", "route", "a").orElseThrow())
                        .getCount() == 4);
        assertEquals(0, requests("a", "5xx"));
        HistogramSnapshot.HistogramDataPointSnapshot latency = (HistogramSnapshot.HistogramDataPointSnapshot)
                point("dormouse_http_upstream_duration_seconds", "route", "a").orElseThrow();
        assertEquals(4, latency.getCount());
        assertTrue(latency.getSum() > 0 && latency.getSum() < 20, "sum " + latency.getSum());
        assertEquals(0.001, latency.getClassicBuckets().getUpperBound(0), "finer buckets than the defaults for local upstreams");
    }

    @Test
    void unknownHostsAndUnreachableUpstreamsAreCounted() throws Exception {
        serve(new ProxyRoute(route("down", "[down.test]", "http://127.0.0.1:" + freePort(), null), Optional.empty()));
        assertEquals(404, get("nobody.test", "/").statusCode());
        assertEquals(502, get("down.test", "/").statusCode());
        await("counted", () -> requests("down", "5xx") == 1 && value("dormouse_http_unknown_host_requests").orElseThrow() == 1);
    }

    @Test
    void anOpenRequestIsAnOpenConnectionUntilItEnds() throws Exception {
        serve(plain("s"));
        CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + proxy.httpPort() + "/slow")).header("Host", "s.test").build(), HttpResponse.BodyHandlers.ofString());
        await("one open connection", () -> open("s") == 1);
        assertEquals(0, requests("s", "2xx"), "a request is counted when it is answered");
        release.countDown();
        assertEquals("slow", slow.get(10, TimeUnit.SECONDS).body());
        await("closed", () -> open("s") == 0 && requests("s", "2xx") == 1);
    }

    @Test
    void anUpgradedWebSocketIsOpenUntilItCloses() throws Exception {
        serve(new ProxyRoute(route("localhost", "[localhost]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty()));
        java.net.http.WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + proxy.httpPort() + "/ws"),
                new java.net.http.WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
        await("the handshake counted and the socket open", () -> requests("localhost", "1xx") == 1 && open("localhost") == 1);
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await("closed", () -> open("localhost") == 0);
    }

    @Test
    void heldAndLoadingPageRequestsAreCountedButOnlyProxiedOnesAreTimed() throws Exception {
        FakeWatcher w = new FakeWatcher(route("z", "[z.test]", "http://127.0.0.1:" + upstreamPort, "idle_timeout: 1m"));
        serve(new ProxyRoute(w.config, Optional.of(w)));
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/"))
                .header("Host", "z.test").header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, page.statusCode());
        CompletableFuture<HttpResponse<String>> held = HTTP.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + proxy.httpPort() + "/")).header("Host", "z.test").build(), HttpResponse.BodyHandlers.ofString());
        await("held", () -> w.wakes.get() == 2);
        await("a held request is an open connection", () -> open("z") == 1);
        w.finishWake();
        assertEquals("hello", held.get(10, TimeUnit.SECONDS).body());
        await("both counted, only the proxied one timed", () -> requests("z", "5xx") == 1 && requests("z", "2xx") == 1
                && value("dormouse_http_upstream_duration_seconds", "route", "z").orElseThrow() == 1);
        assertEquals(1, value("dormouse_http_upstream_duration_seconds", "route", "z").orElseThrow(), "only the proxied one is timed");
        await("closed", () -> open("z") == 0 && w.open() == 0);
    }

    @Test
    void removedRoutesDisappearFromTheScrapeAndKeptOnesKeepCounting() throws Exception {
        serve(plain("keep"), plain("gone"));
        get("keep.test", "/");
        get("gone.test", "/");
        await("counted", () -> requests("keep", "2xx") == 1 && requests("gone", "2xx") == 1);
        proxy.update(List.of(plain("keep")));
        assertTrue(point("dormouse_http_requests", "route", "gone", "status_class", "2xx").isEmpty());
        assertTrue(point("dormouse_http_upstream_duration_seconds", "route", "gone").isEmpty());
        assertTrue(point("dormouse_open_connections", "route", "gone").isEmpty());
        get("keep.test", "/");
        await("kept counting", () -> requests("keep", "2xx") == 2);
        proxy.update(List.of(new ProxyRoute(route("keep", "[keep.test, other.test]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty())));
        get("other.test", "/");
        await("a changed route keeps its series", () -> requests("keep", "2xx") == 3);
    }

    // ---------------------------------------------------------------- streams

    @Test
    void streamBytesConnectionsAndOpenSessionsAreCounted() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (java.io.IOException e) {
                    // the test closed it
                }
            });
            String yaml = "routes:\n  - name: echo\n    listen: tcp://127.0.0.1:" + freePort() + "\n    target: tcp://127.0.0.1:" + echo.getLocalPort() + "\n";
            RouteConfig r = ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
            streams = new StreamProxy(List.of(new ProxyRoute(r, Optional.empty())), metrics);
            streams.start();
            InetSocketAddress at = streams.address("echo").orElseThrow();
            byte[] data = new byte[100_000];
            new java.util.Random(7).nextBytes(data);
            try (Socket c = new Socket(at.getAddress(), at.getPort())) {
                OutputStream out = c.getOutputStream();
                out.write(data);
                await("the connection counted open", () -> open("echo") == 1);
                c.shutdownOutput();
                InputStream in = c.getInputStream();
                assertEquals(data.length, in.readAllBytes().length);
            }
            await("bytes counted both ways and the connection closed", () -> value("dormouse_stream_bytes", "route", "echo", "direction", "in")
                    .orElseThrow() == data.length && value("dormouse_stream_bytes", "route", "echo", "direction", "out").orElseThrow() == data.length
                    && open("echo") == 0);
            assertEquals(1, value("dormouse_stream_connections", "route", "echo").orElseThrow());
            assertEquals(0, value("dormouse_udp_datagrams_dropped", "route", "echo").orElseThrow());
            streams.update(List.of());
            assertFalse(point("dormouse_stream_bytes", "route", "echo", "direction", "in").isPresent(), "removed with the route");
            assertFalse(point("dormouse_open_connections", "route", "echo").isPresent());
        }
    }

    @Test
    void connectionsClosedForTheLimitsAreCountedByReason() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(upstream.accept());
                } catch (java.io.IOException e) {
                    // the test closed it
                }
            });
            String yaml = "routes:\n  - name: capped\n    listen: tcp://127.0.0.1:" + freePort() + "\n    target: tcp://127.0.0.1:"
                    + upstream.getLocalPort() + "\n    stream: {max_connections: 1}\n";
            RouteConfig r = ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
            streams = new StreamProxy(List.of(new ProxyRoute(r, Optional.empty())), metrics);
            streams.start();
            InetSocketAddress at = streams.address("capped").orElseThrow();
            try (Socket first = new Socket(at.getAddress(), at.getPort()); Socket second = new Socket(at.getAddress(), at.getPort())) {
                await("the first relayed", () -> held.size() == 1);
                second.setSoTimeout(5000);
                assertThrows(java.io.IOException.class, () -> {
                    if (second.getInputStream().read() >= 0) throw new AssertionError("the second was relayed");
                    throw new java.io.EOFException();
                });
                await("the refusal counted", () -> value("dormouse_stream_limit_closes", "route", "capped", "reason", "refused").orElse(0) == 1);
                assertEquals(0, value("dormouse_stream_limit_closes", "route", "capped", "reason", "evicted").orElseThrow());
                assertEquals(0, value("dormouse_stream_limit_closes", "route", "capped", "reason", "idle").orElseThrow());
            } finally {
                for (Socket s : held) s.close();
            }
            streams.update(List.of());
            assertFalse(point("dormouse_stream_limit_closes", "route", "capped", "reason", "refused").isPresent(), "removed with the route");
        }
    }

    @Test
    void udpSessionsCountAsOpenConnections() throws Exception {
        try (java.net.DatagramSocket echo = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[2048];
                java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                try {
                    while (true) {
                        p.setLength(buf.length);
                        echo.receive(p);
                        echo.send(new java.net.DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            });
            String yaml = "routes:\n  - name: dns\n    listen: udp://127.0.0.1:" + freePort() + "\n    target: udp://127.0.0.1:" + echo.getLocalPort() + "\n";
            RouteConfig r = ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
            streams = new StreamProxy(List.of(new ProxyRoute(r, Optional.empty())), metrics);
            streams.start();
            InetSocketAddress at = streams.address("dns").orElseThrow();
            try (java.net.DatagramSocket c = new java.net.DatagramSocket()) {
                c.setSoTimeout(5000);
                byte[] q = "ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                c.send(new java.net.DatagramPacket(q, q.length, at));
                java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[64], 64);
                c.receive(reply);
                assertEquals("ping", new String(reply.getData(), 0, reply.getLength(), java.nio.charset.StandardCharsets.US_ASCII));
            }
            await("one session, 4 bytes each way", () -> open("dns") == 1
                    && value("dormouse_stream_bytes", "route", "dns", "direction", "in").orElseThrow() == 4
                    && value("dormouse_stream_bytes", "route", "dns", "direction", "out").orElseThrow() == 4);
            assertEquals(1, value("dormouse_stream_connections", "route", "dns").orElseThrow());
            streams.close();
            streams = null;
            await("the session closed with the listener", () -> open("dns") == 0);
        }
    }

    @Test
    void aRouteChangingKindNeverAppearsTwiceInOneScrape() {
        metrics.stream("x").open.increment();
        metrics.http("x");
        assertEquals(0, open("x"), "while both proxies catch up, the HTTP side is reported once");
        metrics.retainStreams(Set.of());
        assertEquals(0, open("x"));
    }
}
