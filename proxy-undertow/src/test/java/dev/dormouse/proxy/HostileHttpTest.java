package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.Cidr;
import dev.dormouse.core.HttpLimits;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a hostile client can make the listeners do: bounded heads, head timeouts, connections, held requests,
 * forwarding headers. Each test runs against the plain listener and the HTTPS one: HTTP/1.1 over TLS, and for the
 * held requests and event streams, HTTP/2 by ALPN.
 */
class HostileHttpTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String HOST = "Host: f.test\r\n";
    @TempDir
    static Path dir;
    private static TestTls tls;
    private RecordingUpstream upstream;
    private HttpProxy proxy;
    private Transport transport;

    /** The JDK client for the test's transport: HTTP/1.1 on the plain listener, HTTP/2 on the TLS one. */
    private HttpClient client;

    @BeforeAll
    static void certificates() {
        tls = new TestTls(dir);
        h2 = tls.http2();
    }

    private static HttpClient h2;

    @BeforeEach
    void upstream() throws Exception {
        upstream = new RecordingUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) proxy.close();
        upstream.close();
    }

    private ProxyRoute plain() {
        return new ProxyRoute(HttpProxyTest.route("f", "[f.test]", "http://127.0.0.1:" + upstream.port(), null), Optional.empty());
    }

    private void serve(Transport t, HttpLimits limits, List<Cidr> trusted, ProxyRoute... routes) {
        transport = t;
        client = t == Transport.TLS ? h2 : HTTP;
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", "127.0.0.1:0", 1, Duration.ofSeconds(2), Duration.ofSeconds(1), limits, trusted),
                List.of(routes), ProxyMetrics.unregistered(), Optional.of(tls.frontDoor(false, false)));
        proxy.start();
    }

    private RawHttp client() throws Exception {
        return client(5_000);
    }

    private RawHttp client(int timeoutMillis) throws Exception {
        return transport.connect(proxy, tls, timeoutMillis);
    }

    // ---------------------------------------------------------------- max_header_bytes

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aHeadPastTheLimitIs431AndClosed(Transport t) throws Exception {
        serve(t, new HttpLimits(4096, Duration.ofSeconds(30), 100), List.of(), plain());
        String start = "GET /x HTTP/1.1\r\n" + HOST + "X-Pad: ";
        String exact = start + "a".repeat(4096 - start.length() - 4) + "\r\n\r\n";
        assertEquals(4096, exact.length());
        try (RawHttp c = client()) {
            assertEquals(200, c.send(exact).response().status(), "a head of exactly the limit passes");
            // The second head on the same keep-alive connection is bounded as well.
            RawHttp.Response r = c.send(start + "a".repeat(5000) + "\r\n\r\n").response();
            assertEquals(431, r.status());
            assertEquals("request header fields too large", r.body().strip());
            assertTrue(c.closedByServer());
        }
        try (RawHttp c = client()) {
            assertEquals(431, c.send(start + "a".repeat(64 * 1024)).response().status(), "a head that never ends");
            assertTrue(c.closedByServer());
        }
        StringBuilder fields = new StringBuilder("GET /x HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < HeadLimit.MAX_FIELDS; i++) fields.append("X-").append(i).append(": 1\r\n");
        try (RawHttp c = client()) {
            assertEquals(431, c.send(fields + "\r\n").response().status(), "more fields than " + HeadLimit.MAX_FIELDS);
        }
        assertEquals(List.of("GET /x HTTP/1.1"), upstream.lines(), "only the head within the limit was forwarded");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pipelinedHeadsAreCountedOneByOne(Transport t) throws Exception {
        serve(t, new HttpLimits(1024, Duration.ofSeconds(30), 100), List.of(), plain());
        String small = "GET /a HTTP/1.1\r\n" + HOST + "\r\n";
        String large = "GET /b HTTP/1.1\r\n" + HOST + "X-Pad: " + "a".repeat(2000) + "\r\n\r\n";
        try (RawHttp c = client()) {
            c.send(small + small + large);
            assertEquals(200, c.response().status());
            assertEquals(200, c.response().status());
            assertEquals(431, c.response().status(), "the third head, read ahead with the first, is over the limit");
        }
        assertEquals(List.of("GET /a HTTP/1.1", "GET /a HTTP/1.1"), upstream.lines());
    }

    /**
     * Reads stay armed while a request runs (Undertow's suspend per request is skipped): bytes a client sends
     * meanwhile, the next request or the end of the connection, are taken up only once the answer is out.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void whatAClientSendsWhileItsRequestRunsWaitsForTheAnswer(Transport t) throws Exception {
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        try (java.net.ServerSocket slow = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!slow.isClosed()) {
                    try {
                        java.net.Socket s = slow.accept();
                        Thread.ofVirtual().start(() -> holdFirstAnswer(s, seen, arrived, release));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            serve(t, HttpLimits.DEFAULT, List.of(),
                    new ProxyRoute(HttpProxyTest.route("f", "[f.test]", "http://127.0.0.1:" + slow.getLocalPort(), null), Optional.empty()));
            try (RawHttp c = client()) {
                c.send("GET /first HTTP/1.1\r\n" + HOST + "\r\n");
                assertTrue(arrived.await(5, TimeUnit.SECONDS), "the first request reached the upstream");
                c.send("GET /second HTTP/1.1\r\n" + HOST + "\r\n");
                Thread.sleep(200); // the second head sits in the proxy's socket while the first runs; nothing may answer it yet
                assertEquals(List.of("GET /first HTTP/1.1"), seen);
                release.countDown();
                RawHttp.Response first = c.response();
                RawHttp.Response second = c.response();
                assertEquals("first", first.body());
                assertEquals("second", second.body());
            }
            try (RawHttp c = client()) {
                assertEquals("again", c.send("GET /again HTTP/1.1\r\n" + HOST + "\r\n").response().body(), "the proxy still serves");
            }
        }
        assertEquals(List.of("GET /first HTTP/1.1", "GET /second HTTP/1.1", "GET /again HTTP/1.1"), seen);
    }

    /** An upstream that answers each request with its path's last segment, holding the first answer until released. */
    private static void holdFirstAnswer(java.net.Socket s, List<String> seen, java.util.concurrent.CountDownLatch arrived,
            java.util.concurrent.CountDownLatch release) {
        try (s) {
            InputStream in = s.getInputStream();
            while (true) {
                StringBuilder head = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    head.append((char) b);
                    if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) break;
                }
                if (b < 0) return;
                String line = head.substring(0, head.indexOf("\r\n"));
                seen.add(line);
                if (line.startsWith("GET /first ")) {
                    arrived.countDown();
                    release.await(10, TimeUnit.SECONDS);
                }
                String body = line.split(" ")[1].substring(1);
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        } catch (Exception e) {
            // the test's assertions tell what went wrong
        }
    }

    // ---------------------------------------------------------------- header_timeout

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aSlowHeadIsClosedAtTheTimeoutWhateverItSends(Transport t) throws Exception {
        serve(t, new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), List.of(), plain());
        try (RawHttp c = client()) {
            long t0 = System.nanoTime();
            c.send("GET /x HTTP/1.1\r\n");
            boolean closed = false;
            // One byte every 200 ms: each would reset an idle timer, none may extend the head's.
            for (int i = 0; i < 40 && !closed; i++) {
                TimeUnit.MILLISECONDS.sleep(200);
                try {
                    c.send("X");
                } catch (java.io.IOException e) {
                    closed = true;
                }
            }
            closed = closed || c.closedByServer();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(closed, "still open after " + ms + " ms");
            assertTrue(ms < 3_000, "closed only after " + ms + " ms");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aSilentConnectionAndAHalfSecondHeadAreClosed(Transport t) throws Exception {
        serve(t, new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), List.of(), plain());
        try (RawHttp silent = client(); RawHttp keepAlive = client()) {
            long t0 = System.nanoTime();
            assertEquals(200, keepAlive.send("GET /x HTTP/1.1\r\n" + HOST + "\r\n").response().status());
            keepAlive.send("GET /y HTTP/1.1\r\nHo");
            assertTrue(silent.closedByServer(), "a connection that sends nothing");
            assertTrue(keepAlive.closedByServer(), "half a second head on a keep-alive connection");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4));
        }
    }

    // ---------------------------------------------------------------- max_connections

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pastMaxConnectionsNewOnesWaitUntilOneCloses(Transport t) throws Exception {
        serve(t, new HttpLimits(64 * 1024, Duration.ofSeconds(30), 3), List.of(), plain());
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp c = client();
                assertEquals(200, c.send("GET /x HTTP/1.1\r\n" + HOST + "\r\n").response().status());
                open.add(c);
            }
            // Past the limit the connection is not accepted: no TLS handshake, no answer, until one closes.
            CompletableFuture<RawHttp.Response> waiting = CompletableFuture.supplyAsync(() -> {
                try (RawHttp c = client(10_000)) {
                    return c.send("GET /waiting HTTP/1.1\r\n" + HOST + "\r\n").response();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                RawHttp.Response early = waiting.get(700, TimeUnit.MILLISECONDS);
                throw new AssertionError("a connection past the limit was served: " + (early == null ? "closed" : early.statusLine()));
            } catch (java.util.concurrent.TimeoutException expected) {
                // waits in the backlog
            }
            open.removeFirst().close();
            RawHttp.Response r = waiting.get(10, TimeUnit.SECONDS);
            assertNotNull(r, "accepted once a connection closed");
            assertEquals(200, r.status());
        } finally {
            for (RawHttp c : open) c.close();
        }
    }

    // ---------------------------------------------------------------- forwarding headers

    private static final String SPOOFED = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 7.7.7.7\r\nX-Forwarded-Host: evil.example\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nForwarded: for=6.6.6.6;host=evil.example;proto=https\r\n"
            + "X-Real-IP: 6.6.6.6\r\nX-Forwarded-Server: evil.example\r\n";

    private RecordingUpstream.Request forwarded(String extra) throws Exception {
        try (RawHttp c = client()) {
            assertEquals(200, c.send("GET /fwd HTTP/1.1\r\nHost: f.test:8080\r\n" + extra + "\r\n").response().status());
        }
        return upstream.requests.getLast();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anUntrustedClientsForwardingHeadersNeverArrive(Transport t) throws Exception {
        serve(t, HttpLimits.DEFAULT, List.of(Cidr.parse("10.0.0.0/8")), plain());
        RecordingUpstream.Request q = forwarded(SPOOFED);
        String port = Integer.toString(t.port(proxy));
        assertEquals(List.of("127.0.0.1"), q.all("X-Forwarded-For"));
        assertEquals(List.of("f.test:8080"), q.all("X-Forwarded-Host"));
        assertEquals(List.of(t.scheme()), q.all("X-Forwarded-Proto"), "the listener's scheme");
        assertEquals(List.of(port), q.all("X-Forwarded-Port"), "the listener's port");
        assertEquals(List.of("for=127.0.0.1;host=\"f.test:8080\";proto=" + t.scheme()), q.all("Forwarded"));
        assertEquals(List.of("127.0.0.1"), q.all("X-Real-IP"));
        assertEquals(List.of("f.test"), q.all("X-Forwarded-Server"));
        assertFalse(String.join("\n", q.headers()).contains("6.6.6.6") || String.join("\n", q.headers()).contains("evil"), q.headers().toString());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aTrustedProxysForwardingHeadersAreKeptAndAppendedTo(Transport t) throws Exception {
        serve(t, HttpLimits.DEFAULT, List.of(Cidr.parse("127.0.0.1/32")), plain());
        RecordingUpstream.Request q = forwarded(SPOOFED);
        assertEquals(List.of("6.6.6.6, 7.7.7.7,127.0.0.1"), q.all("X-Forwarded-For"));
        assertEquals(List.of("evil.example"), q.all("X-Forwarded-Host"));
        assertEquals(List.of("https"), q.all("X-Forwarded-Proto"));
        assertEquals(List.of("443"), q.all("X-Forwarded-Port"));
        assertEquals(List.of("for=6.6.6.6;host=evil.example;proto=https, for=127.0.0.1;host=\"f.test:8080\";proto=" + t.scheme()), q.all("Forwarded"));
        assertEquals(List.of("6.6.6.6"), q.all("X-Real-IP"));
        RecordingUpstream.Request bare = forwarded("");
        assertEquals(List.of("127.0.0.1"), bare.all("X-Forwarded-For"), "a trusted proxy that sent none");
        assertEquals(List.of("127.0.0.1"), bare.all("X-Real-IP"));
        assertEquals(List.of(t.scheme()), bare.all("X-Forwarded-Proto"));
        assertEquals(List.of(Integer.toString(t.port(proxy))), bare.all("X-Forwarded-Port"));
        assertEquals(List.of("for=127.0.0.1;host=\"f.test:8080\";proto=" + t.scheme()), bare.all("Forwarded"));
    }

    @Test
    void forwardedValuesAreQuotedAsRfc7239Says() {
        assertEquals("example.com", Forwarding.value("example.com"));
        assertEquals("\"example.com:8080\"", Forwarding.value("example.com:8080"));
        assertEquals("\"[::1]:80\"", Forwarding.value("[::1]:80"));
        assertEquals("\"a\\\"b\"", Forwarding.value("a\"b"));
    }

    // ---------------------------------------------------------------- held requests and event streams

    @ParameterizedTest
    @EnumSource(Transport.class)
    void heldRequestsAndEventStreamsPastTheCapAre503AtOnce(Transport t) throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[h.test]", "http://127.0.0.1:" + upstream.port(), "idle_timeout: 1m, max_held_requests: 3"));
        serve(t, HttpLimits.DEFAULT, List.of(), new ProxyRoute(w.config, Optional.of(w)));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) held.add(client.sendAsync(req("h.test", "/held").build(), HttpResponse.BodyHandlers.ofString()));
        HttpProxyTest.await("three held", () -> w.wakes.get() == 3);
        long t0 = System.nanoTime();
        HttpResponse<String> refused = client.send(req("h.test", "/more").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, refused.statusCode());
        assertEquals(t == Transport.TLS ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, refused.version());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "answered at once");
        List<HttpResponse<InputStream>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            streams.add(client.send(req("h.test", "/.well-known/dormouse/events").build(), HttpResponse.BodyHandlers.ofInputStream()));
            assertEquals(200, streams.getLast().statusCode());
        }
        assertEquals(503, client.send(req("h.test", "/.well-known/dormouse/events").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        w.finishWake();
        for (var f : held) assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
        for (var s : streams) s.body().close();
        // Released: the cap counts what is held now, not what ever was.
        w.state = dev.dormouse.idlewatcher.RouteState.NAPPING;
        w.wake = new CompletableFuture<>();
        int wakesBefore = w.wakes.get();
        List<CompletableFuture<HttpResponse<String>>> again = new ArrayList<>();
        for (int i = 0; i < 3; i++) again.add(client.sendAsync(req("h.test", "/again").build(), HttpResponse.BodyHandlers.ofString()));
        HttpProxyTest.await("three held again", () -> w.wakes.get() == wakesBefore + 3);
        w.finishWake();
        for (var f : again) assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
        HttpProxyTest.await("streams released", () -> {
            try {
                HttpResponse<InputStream> s = client.send(req("h.test", "/.well-known/dormouse/events").build(), HttpResponse.BodyHandlers.ofInputStream());
                s.body().close();
                return s.statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void theEventStreamsErrorCarriesNoDetail(Transport t) throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("e", "[e.test]", "http://127.0.0.1:" + upstream.port(), "idle_timeout: 1m"));
        serve(t, HttpLimits.DEFAULT, List.of(), new ProxyRoute(w.config, Optional.of(w)));
        HttpResponse<InputStream> r = client.send(req("e.test", "/.well-known/dormouse/events").build(), HttpResponse.BodyHandlers.ofInputStream());
        StringBuilder seen = new StringBuilder();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            HttpProxyTest.await("subscribed", () -> !w.listeners.isEmpty());
            w.failWake("docker local: start container 'c' (unix:///var/run/docker.sock): 500 Server Error");
            for (String line; (line = in.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.startsWith("data:") && line.contains("\"type\":\"error\"")) break;
            }
        }
        assertTrue(seen.toString().contains("event: error\n"), seen.toString());
        assertTrue(seen.toString().contains("\"error\":\"route 'e' could not be woken\""), seen.toString());
        assertFalse(seen.toString().contains("docker.sock"), seen.toString());
    }

    /** A request to the test's listener: over TLS by name (SNI and :authority), else to 127.0.0.1 with a Host header. */
    private HttpRequest.Builder req(String host, String path) {
        if (transport == Transport.TLS) {
            return HttpRequest.newBuilder(URI.create("https://" + host + ":" + proxy.httpsPort() + path)).timeout(Duration.ofSeconds(20));
        }
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path)).header("Host", host).timeout(Duration.ofSeconds(20));
    }

    // ---------------------------------------------------------------- ignore_user_agents off the I/O thread

    @ParameterizedTest
    @EnumSource(Transport.class)
    void longUserAgentsAtASleepingRouteDoNotHoldUpOtherRoutes(Transport t) throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("s", "[s.test]", "http://127.0.0.1:" + upstream.port(), "idle_timeout: 1m, ignore_user_agents: ['.*bot.*']"));
        serve(t, new HttpLimits(1024 * 1024, Duration.ofSeconds(30), 100), List.of(), new ProxyRoute(w.config, Optional.of(w)), plain());
        // Matched at its very end: the regex reads it all.
        String ua = "x".repeat(300_000) + " bot";
        // Warm both paths first, so the bound measures the proxy and not the JIT.
        for (int i = 0; i < 3; i++) {
            try (RawHttp c = client()) {
                assertEquals(503, c.send("GET / HTTP/1.1\r\nHost: s.test\r\nUser-Agent: " + ua + "\r\n\r\n").response().status());
            }
            try (RawHttp c = client()) {
                assertEquals(200, c.send("GET /plain HTTP/1.1\r\n" + HOST + "\r\n").response().status());
            }
        }
        RawHttp probe = client();
        assertEquals(200, probe.send("GET /plain HTTP/1.1\r\n" + HOST + "\r\n").response().status());
        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(CompletableFuture.supplyAsync(() -> {
                long t0 = System.nanoTime();
                try (RawHttp c = client()) {
                    RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: s.test\r\nUser-Agent: " + ua + "\r\n\r\n").response();
                    assertEquals(503, r.status(), "an ignored agent is told the route sleeps");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            }));
        }
        long worst = 0;
        // One keep-alive connection, its handshake done: the bound is on the I/O thread, not on TLS handshakes,
        // which need CPU that the two regex matches take on a small machine.
        try (RawHttp c = probe) {
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                assertEquals(200, c.send("GET /plain HTTP/1.1\r\n" + HOST + "\r\n").response().status());
                worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        }
        for (var f : slow) assertTrue(f.get(10, TimeUnit.SECONDS) < 1_000, "a long User-Agent took " + f.get() + " ms");
        assertTrue(worst < 100, "the plain route took " + worst + " ms meanwhile");
        assertEquals(0, w.wakes.get(), "an ignored agent never wakes the route");
    }
}
