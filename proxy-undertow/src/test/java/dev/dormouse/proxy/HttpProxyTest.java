package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.idlewatcher.RouteState;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.io.IoCallback;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpProxyTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Undertow upstream;
    private int upstreamPort;
    private HttpProxy proxy;

    @BeforeEach
    void upstream() {
        upstreamPort = freePort();
        upstream = Undertow.builder().addHttpListener(upstreamPort, "127.0.0.1")
                .setServerOption(io.undertow.UndertowOptions.MAX_ENTITY_SIZE, -1L).setHandler(Handlers.path(this::app)
                .addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage m) {
                            WebSockets.sendText("echo:" + m.getData(), ch, null);
                        }
                    });
                    channel.resumeReceives();
                }))).build();
        upstream.start();
    }

    /** The test upstream: / says hello, /echo returns the body's MD5 and the headers it saw, /sse streams slowly. */
    private void app(HttpServerExchange ex) throws Exception {
        switch (ex.getRelativePath()) {
            case "/echo" -> {
                if (ex.isInIoThread()) {
                    ex.dispatch(this::app);
                    return;
                }
                ex.startBlocking();
                byte[] body = ex.getInputStream().readAllBytes();
                StringBuilder b = new StringBuilder(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)));
                for (var h : ex.getRequestHeaders()) b.append('\n').append(h.getHeaderName()).append(": ").append(h.getFirst());
                b.append("\npath: ").append(ex.getRequestURI()).append('?').append(ex.getQueryString());
                ex.getResponseHeaders().put(Headers.CONNECTION, "X-Secret");
                ex.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Secret"), "hop");
                ex.getResponseSender().send(b.toString());
            }
            case "/sse" -> {
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
                ex.getResponseSender().send("data: first\n\n", new IoCallback() {
                    @Override
                    public void onComplete(HttpServerExchange e, io.undertow.io.Sender s) {
                        e.getIoThread().executeAfter(() -> s.send("data: second\n\n"), 1500, TimeUnit.MILLISECONDS);
                    }

                    @Override
                    public void onException(HttpServerExchange e, io.undertow.io.Sender s, java.io.IOException x) {
                        e.endExchange();
                    }
                });
            }
            default -> ex.getResponseSender().send("hello " + ex.getRequestPath());
        }
    }

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
        upstream.stop();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static RouteConfig route(String name, String hosts, String target, String idle) {
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n  - name: " + name + "\n    hosts: " + hosts + "\n    target: " + target
                + (idle == null ? "" : "\n    container: c\n    idlewatcher: {" + idle + "}") + "\n";
        return ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
    }

    private void serve(ProxyRoute... routes) {
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", 2, Duration.ofSeconds(2), Duration.ofSeconds(2)), List.of(routes));
        proxy.start();
    }

    private FakeWatcher sleeping(String name, String idle) {
        FakeWatcher w = new FakeWatcher(route(name, "[" + name + ".test]", "http://127.0.0.1:" + upstreamPort, idle));
        serve(new ProxyRoute(w.config, Optional.of(w)));
        return w;
    }

    private HttpRequest.Builder req(String host, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path)).header("Host", host)
                .timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String host, String path, String accept) throws Exception {
        return HTTP.send(req(host, path).header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            LockSupport.parkNanos(5_000_000L);
        }
    }

    // ---------------------------------------------------------------- routing and proxying

    /**
     * Upstream connections are opened with Nagle's algorithm off (XNIO leaves it on unless told): with it on, a
     * request whose body goes out in a second write waits for the upstream's ACK; a 20 KB POST on a keep-alive
     * connection measured 1,400 req/s with it and 7,000-10,000 without.
     */
    @Test
    void upstreamSocketsAreOpenedWithoutNagle() {
        assertTrue(Upstream.SOCKET.get(org.xnio.Options.TCP_NODELAY, false));
    }

    @Test
    void routesByExactAndWildcardHost() throws Exception {
        serve(new ProxyRoute(route("a", "[a.example.com]", "http://127.0.0.1:" + upstreamPort + "/base", null), Optional.empty()),
                new ProxyRoute(route("w", "['*.apps.example.com']", "http://127.0.0.1:" + upstreamPort, null), Optional.empty()));
        assertEquals("hello /base/x", get("A.Example.com:8080", "/x", "*/*").body());
        assertEquals("hello /y", get("grafana.apps.example.com", "/y", "*/*").body());
        HttpResponse<String> unknown = get("nope.example.com", "/", "text/html");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("nope.example.com"));
        assertEquals(404, get("apps.example.com", "/", "*/*").statusCode());
    }

    @Test
    void aTargetWithoutAHostFollowsTheWatchersAddress() throws Exception {
        int otherPort = freePort();
        Undertow other = Undertow.builder().addHttpListener(otherPort, "127.0.0.1")
                .setHandler(ex -> ex.getResponseSender().send("moved")).build();
        other.start();
        try {
            FakeWatcher w = new FakeWatcher(route("mv", "[mv.test]", "http://:" + upstreamPort, "idle_timeout: 1m"));
            serve(new ProxyRoute(w.config, Optional.of(w)));
            w.target = URI.create("http://127.0.0.1:" + upstreamPort);
            w.finishWake();
            assertEquals("hello /", get("mv.test", "/", "*/*").body());
            w.target = URI.create("http://127.0.0.1:" + otherPort);
            assertEquals("moved", get("mv.test", "/", "*/*").body(), "the container came back at another address");
        } finally {
            other.stop();
        }
    }

    @Test
    void unreachableUpstreamIs502NamingTheRoute() throws Exception {
        serve(new ProxyRoute(route("down", "[down.test]", "http://127.0.0.1:" + freePort(), null), Optional.empty()));
        HttpResponse<String> r = get("down.test", "/", "text/plain");
        assertEquals(502, r.statusCode());
        assertEquals("route 'down': the service is not reachable", r.body().strip());
        HttpResponse<String> again = get("down.test", "/", "application/json");
        assertEquals(502, again.statusCode());
        assertTrue(again.body().startsWith("{\"error\":{\"code\":\"upstream_unreachable\""), again.body());
    }

    @Test
    void bodiesHeadersAndForwardingAreRight() throws Exception {
        serve(new ProxyRoute(route("e", "[e.test]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty()));
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(1).nextBytes(body);
        HttpResponse<String> r = HTTP.send(req("e.test", "/echo?q=1").header("Connection", "keep-alive, X-Drop")
                .header("X-Drop", "x").header("X-Keep", "k").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        String[] lines = r.body().split("\n");
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)), lines[0]);
        String seen = r.body().toLowerCase();
        assertTrue(seen.contains("x-forwarded-for: 127.0.0.1"), seen);
        assertTrue(seen.contains("x-forwarded-proto: http"), seen);
        assertTrue(seen.contains("x-forwarded-host: e.test"), seen);
        assertTrue(seen.contains("host: e.test"), seen);
        assertTrue(seen.contains("x-keep: k"), seen);
        assertFalse(seen.contains("x-drop"), "a header named by Connection is hop-by-hop: " + seen);
        assertTrue(seen.contains("path: /echo?q=1"), seen);
        assertTrue(r.headers().firstValue("X-Secret").isEmpty(), "response hop-by-hop header leaked");
    }

    @Test
    void upstreamEventStreamsAreNotBuffered() throws Exception {
        serve(new ProxyRoute(route("s", "[s.test]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty()));
        HttpResponse<InputStream> r = HTTP.send(req("s.test", "/sse").build(), HttpResponse.BodyHandlers.ofInputStream());
        long t0 = System.nanoTime();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertEquals("data: first", in.readLine());
            assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1000), "first event was held back");
        }
    }

    // ---------------------------------------------------------------- sleeping routes

    @Test
    void navigationGetsTheLoadingPageAndStartsTheWake() throws Exception {
        FakeWatcher w = sleeping("nav", "idle_timeout: 1m");
        HttpResponse<String> r = get("nav.test", "/", "text/html,application/xhtml+xml");
        assertEquals(503, r.statusCode());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        assertTrue(r.body().contains("<title>nav is waking up</title>"), r.body());
        assertTrue(r.body().contains("/.well-known/dormouse/loading.js"));
        assertEquals(1, w.wakes.get());
        assertEquals(200, get("nav.test", "/.well-known/dormouse/loading.js", "*/*").statusCode());
        assertTrue(get("nav.test", "/.well-known/dormouse/loading.css", "*/*").body().contains(".spinner"));
        assertEquals(0, w.open(), "the loading page is no activity of the app");
    }

    @Test
    void routeNamesAreEscapedInPages() {
        assertEquals("&lt;script&gt;&amp;&quot;&#39;", Pages.escape("<script>&\"'"));
        assertTrue(Pages.loadingPage("a<b").contains("<title>a&lt;b is waking up</title>"));
    }

    @Test
    void heldRequestsAreProxiedUnchangedOnceAwake() throws Exception {
        FakeWatcher w = sleeping("api", "idle_timeout: 1m");
        byte[] body = "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<HttpResponse<String>> post = HTTP.sendAsync(req("api.test", "/echo").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        await("the wake to begin", () -> w.wakes.get() == 1);
        assertFalse(post.isDone());
        w.finishWake();
        HttpResponse<String> r = post.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)), r.body().split("\n")[0]);
        await("request counted closed", () -> w.open() == 0 && w.started.get() == 1);
    }

    @Test
    void twoHundredHeldRequestsAllSucceed() throws Exception {
        FakeWatcher w = sleeping("many", "idle_timeout: 1m");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) all.add(pool.submit(() -> get("many.test", "/x", "*/*")));
            await("all held", () -> w.wakes.get() == 200);
            w.finishWake();
            for (Future<HttpResponse<String>> f : all) assertEquals("hello /x", f.get(20, TimeUnit.SECONDS).body());
        }
    }

    @Test
    void aFailedWakeIs503NeverAHang() throws Exception {
        FakeWatcher w = sleeping("bad", "idle_timeout: 1m");
        CompletableFuture<HttpResponse<String>> held = HTTP.sendAsync(req("bad.test", "/").header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        await("held", () -> w.wakes.get() == 1);
        w.failWake("wake of route 'bad' timed out after 60s");
        HttpResponse<String> r = held.get(10, TimeUnit.SECONDS);
        assertEquals(503, r.statusCode());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        assertEquals("{\"error\":{\"code\":\"wake_failed\",\"message\":\"route 'bad' could not be woken\"}}", r.body().strip(),
                "the detail is for the log and the admin API, not for anonymous clients");
    }

    @Test
    void startEndpointAndIgnoredUserAgentsDoNotWake() throws Exception {
        FakeWatcher w = sleeping("gate", "idle_timeout: 1m, start_endpoint: /start, ignore_user_agents: ['(?i)kuma']");
        assertEquals(403, get("gate.test", "/other", "*/*").statusCode());
        HttpResponse<String> bot = HTTP.send(req("gate.test", "/start").header("User-Agent", "Uptime-Kuma/1.0").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, bot.statusCode());
        assertEquals(0, w.wakes.get());
        CompletableFuture<HttpResponse<String>> start = HTTP.sendAsync(req("gate.test", "/start").build(), HttpResponse.BodyHandlers.ofString());
        await("woken by the start endpoint", () -> w.wakes.get() == 1);
        w.finishWake();
        assertEquals("hello /start", start.get(10, TimeUnit.SECONDS).body());
    }

    @Test
    void missingContainerIs502() throws Exception {
        FakeWatcher w = sleeping("gone", "idle_timeout: 1m");
        w.state = RouteState.MISSING;
        HttpResponse<String> r = get("gone.test", "/", "text/html");
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("gone"), r.body());
    }

    @Test
    void wakeEventsAreStreamedAsServerSentEvents() throws Exception {
        FakeWatcher w = sleeping("sse", "idle_timeout: 1m");
        HttpResponse<InputStream> r = HTTP.send(req("sse.test", "/.well-known/dormouse/events").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            await("subscribed", () -> !w.listeners.isEmpty());
            w.emit(dev.dormouse.idlewatcher.WakeEvent.Type.CONTAINER_STARTED, "Container c started", "");
            w.finishWake();
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
                if (line.startsWith("data:") && line.contains("\"type\":\"ready\"")) break;
            }
        }
        String all = String.join("\n", lines);
        assertTrue(all.contains("event: starting\ndata: {\"route\":\"sse\",\"type\":\"starting\""), all);
        assertTrue(all.contains("event: container_started"), all);
        assertTrue(all.contains("id: "), all);
        assertEquals(0, w.open(), "the event stream must not keep the route awake");
    }

    @Test
    void anOpenWebSocketCountsAsOneOpenRequestUntilClosed() throws Exception {
        FakeWatcher w = sleeping("localhost", "idle_timeout: 1m");
        w.finishWake();
        proxy.update(List.of(new ProxyRoute(route("localhost", "[localhost]", "http://127.0.0.1:" + upstreamPort, "idle_timeout: 1m"),
                Optional.of(w))));
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + proxy.httpPort() + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
                got.add(data.toString());
                s.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
        assertEquals("echo:hi", got.poll(5, TimeUnit.SECONDS));
        assertEquals(1, w.open());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await("closed socket counted", () -> w.open() == 0);
    }

    @Test
    void aTakenPortIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            HttpProxy p = new HttpProxy(new ProxySettings("127.0.0.1:" + taken.getLocalPort(), 1, Duration.ofSeconds(1), Duration.ZERO), List.of());
            ProxyException e = assertThrows(ProxyException.class, p::start);
            assertEquals("listen 127.0.0.1:" + taken.getLocalPort() + ": address already in use", e.getMessage());
        }
    }
}
