package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.core.HttpLimits;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS listener and HTTP/2 as clients see them: curl (OpenSSL, nghttp2) and the JDK's client over TLS by ALPN
 * and over h2c with prior knowledge; certificates by SNI; old protocols refused; forwarding headers; ACME HTTP-01
 * challenges and {@code redirect_http} on the plain listener; the loading page, its event stream and held
 * requests over HTTP/2; WebSockets over TLS.
 */
class HttpsProxyTest {
    @TempDir
    static Path dir;
    private static TestTls tls;
    private static HttpClient h2;
    private Undertow upstream;
    private int upstreamPort;
    private HttpProxy proxy;

    @BeforeAll
    static void certificates() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        tls = new TestTls(dir);
        h2 = tls.http2();
    }

    @BeforeEach
    void upstream() {
        upstreamPort = HttpProxyTest.freePort();
        upstream = Undertow.builder().addHttpListener(upstreamPort, "127.0.0.1").setHandler(Handlers.path(ex -> {
            StringBuilder b = new StringBuilder("hello " + ex.getRequestURI() + (ex.getQueryString().isEmpty() ? "" : "?" + ex.getQueryString()));
            if (ex.getRequestPath().equals("/headers")) {
                for (var h : ex.getRequestHeaders()) b.append('\n').append(h.getHeaderName()).append(": ").append(String.join(",", h));
            }
            ex.getResponseSender().send(b.toString());
        }).addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
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

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
        upstream.stop();
    }

    private ProxyRoute route(String name, String host) {
        return new ProxyRoute(HttpProxyTest.route(name, "[" + host + "]", "http://127.0.0.1:" + upstreamPort, null), Optional.empty());
    }

    private void serve(TlsFrontDoor door, ProxyRoute... routes) {
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", "127.0.0.1:0", 1, Duration.ofSeconds(2), Duration.ofSeconds(1), HttpLimits.DEFAULT, List.of()),
                List.of(routes), ProxyMetrics.unregistered(), Optional.of(door));
        proxy.start();
    }

    /** curl's exit code, then {@code http_version}, {@code response_code} and the body, e.g. {@code 0 2 200 hello /}. */
    private static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "15", "--cacert", tls.caFile.toString(),
                "-w", "\n%{http_version} %{response_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() != 0) return Integer.toString(p.exitValue());
        int nl = out.lastIndexOf('\n');
        return "0 " + out.substring(nl + 1) + " " + out.substring(0, nl);
    }

    private String https(String host) {
        return "https://" + host + ":" + proxy.httpsPort();
    }

    private String resolve(String host) {
        return host + ":" + proxy.httpsPort() + ":127.0.0.1";
    }

    // ---------------------------------------------------------------- TLS, ALPN, SNI

    @Test
    void http2AndHttp11OverTlsWithEachNamesOwnCertificate() throws Exception {
        serve(tls.frontDoor(false, false), route("f", "f.test"), route("o", "other.test"));
        assertEquals("0 2 200 hello /x", curl("--http2", "--resolve", resolve("f.test"), https("f.test") + "/x"));
        assertEquals("0 1.1 200 hello /x", curl("--http1.1", "--resolve", resolve("f.test"), https("f.test") + "/x"));
        assertEquals("0 2 200 hello /y", curl("--http2", "--resolve", resolve("other.test"), https("other.test") + "/y"),
                "curl checks the name: other.test got its own certificate by SNI");
        assertEquals("0 2 200 hello /z", curl("--http2", "--tls-max", "1.2", "--resolve", resolve("other.test"), https("other.test") + "/z"));
        assertEquals("35", curl("--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "--resolve", resolve("f.test"), https("f.test")),
                "TLS 1.1 is refused in the handshake");
        assertEquals("35", curl("--tlsv1.0", "--tls-max", "1.0", "--ciphers", "DEFAULT@SECLEVEL=0", "--resolve", resolve("f.test"), https("f.test")),
                "TLS 1.0 is refused in the handshake");
    }

    @Test
    void h2cWithPriorKnowledgeReachesTheUpstream() throws Exception {
        serve(tls.frontDoor(false, false), route("f", "f.test"));
        assertEquals("0 2 200 hello /prior?k=v", curl("--http2-prior-knowledge", "-H", "Host: f.test", "http://127.0.0.1:" + proxy.httpPort() + "/prior?k=v"));
        assertEquals("0 1.1 200 hello /plain", curl("-H", "Host: f.test", "http://127.0.0.1:" + proxy.httpPort() + "/plain"), "HTTP/1.1 as before");
    }

    @Test
    void requestsOverTlsAreForwardedAsHttps() throws Exception {
        serve(tls.frontDoor(false, false), route("f", "f.test"));
        for (String version : List.of("--http2", "--http1.1")) {
            String out = curl(version, "--resolve", resolve("f.test"), https("f.test") + "/headers");
            assertTrue(out.contains("\nX-Forwarded-Proto: https\n"), version + ": " + out);
            assertTrue(out.contains("\nX-Forwarded-Port: " + proxy.httpsPort() + "\n"), version + ": " + out);
            assertTrue(out.contains("\nForwarded: for=127.0.0.1;host=\"f.test:" + proxy.httpsPort() + "\";proto=https\n"), version + ": " + out);
        }
        String plain = curl("--http2-prior-knowledge", "-H", "Host: f.test", "http://127.0.0.1:" + proxy.httpPort() + "/headers");
        assertTrue(plain.contains("\nX-Forwarded-Proto: http\n"), plain);
    }

    @Test
    void aTakenHttpsAddressIsNamedAndNothingStaysBound() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int httpPort = HttpProxyTest.freePort();
            HttpProxy p = new HttpProxy(new ProxySettings("127.0.0.1:" + httpPort, "127.0.0.1:" + taken.getLocalPort(), 1, Duration.ofSeconds(2),
                    Duration.ofSeconds(1), HttpLimits.DEFAULT, List.of()), List.of(), ProxyMetrics.unregistered(), Optional.of(tls.frontDoor(false, false)));
            ProxyException e = assertThrows(ProxyException.class, p::start);
            assertEquals("listen https 127.0.0.1:" + taken.getLocalPort() + ": address already in use", e.getMessage());
            try (ServerSocket free = new ServerSocket(httpPort, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertEquals(httpPort, free.getLocalPort(), "the HTTP port was not left bound");
            }
        }
        HttpProxy noCertificates = new HttpProxy(new ProxySettings("", "127.0.0.1:0", 1, Duration.ofSeconds(2), Duration.ofSeconds(1),
                HttpLimits.DEFAULT, List.of()), List.of());
        assertEquals("listen https 127.0.0.1:0: no certificates (tls.certificates or tls.acme)",
                assertThrows(ProxyException.class, noCertificates::start).getMessage());
    }

    // ---------------------------------------------------------------- ACME challenges and redirects on the plain listener

    private RawHttp.Response plain(String request) throws Exception {
        try (RawHttp c = new RawHttp(proxy.httpPort(), 5_000)) {
            return c.send(request).response();
        }
    }

    @Test
    void acmeChallengesAreAnsweredForAnyHostBeforeRedirectsAndWithoutWaking() throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[h.test]", "http://127.0.0.1:" + upstreamPort, "idle_timeout: 1m"));
        serve(tls.frontDoor(true, true), new ProxyRoute(w.config, Optional.of(w)));
        tls.challenges.putHttp01("tok-1", "tok-1.thumbprint");
        try {
            for (String host : List.of("h.test", "nocert.test", "unknown.example")) {
                RawHttp.Response r = plain("GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                assertEquals(200, r.status(), host);
                assertEquals("text/plain", r.header("Content-Type"), host);
                assertEquals("tok-1.thumbprint", r.body(), host);
                assertNull(r.header("Location"), host + ": never redirected");
            }
            assertEquals(404, plain("GET /.well-known/acme-challenge/other HTTP/1.1\r\nHost: h.test\r\n\r\n").status(), "an unknown token");
            assertEquals(404, plain("POST /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: h.test\r\nContent-Length: 0\r\n\r\n").status());
            assertEquals("0 2 200 tok-1.thumbprint", curl("--http2-prior-knowledge", "-H", "Host: h.test",
                    "http://127.0.0.1:" + proxy.httpPort() + "/.well-known/acme-challenge/tok-1"), "h2c too");
            assertEquals(0, w.wakes.get(), "a challenge never wakes the route");
            assertEquals(308, plain("GET /app HTTP/1.1\r\nHost: h.test\r\n\r\n").status(), "everything else on h.test is redirected");
            assertEquals(0, w.wakes.get(), "nor does a redirect");
        } finally {
            tls.challenges.removeHttp01("tok-1");
        }
        assertEquals(404, plain("GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: h.test\r\n\r\n").status(), "gone once removed");
    }

    @Test
    void withoutAcmeTheChallengePathIsRoutedAndNeverRedirected() throws Exception {
        serve(tls.frontDoor(false, true), route("f", "f.test"));
        RawHttp.Response r = plain("GET /.well-known/acme-challenge/t HTTP/1.1\r\nHost: f.test\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("hello /.well-known/acme-challenge/t", r.body(), "the upstream answers its own challenges");
    }

    @Test
    void redirectHttpSends308ToTheSameTargetOnHttpsForHostsWithACertificate() throws Exception {
        serve(tls.frontDoor(false, true), route("f", "f.test"), route("n", "nocert.test"));
        String base = "https://f.test:" + proxy.httpsPort();
        RawHttp.Response r = plain("GET /a/b%20c?x=1&y=%2F HTTP/1.1\r\nHost: F.test:8080\r\n\r\n");
        assertEquals(308, r.status());
        assertEquals(base + "/a/b%20c?x=1&y=%2F", r.header("Location"), "same path and query, raw");
        assertEquals(base + "/abs?q", plain("GET http://f.test/abs?q HTTP/1.1\r\nHost: f.test\r\n\r\n").header("Location"), "absolute form");
        assertEquals(308, plain("POST /form HTTP/1.1\r\nHost: f.test\r\nContent-Length: 2\r\n\r\nab").status(), "308 keeps the method");
        assertEquals(200, plain("GET /n HTTP/1.1\r\nHost: nocert.test\r\n\r\n").status(), "a host without its own certificate is served");
        assertEquals("0 2 308 ", curl("--http2-prior-knowledge", "-H", "Host: f.test", "http://127.0.0.1:" + proxy.httpPort() + "/h2c"));
        assertEquals("0 2 200 hello /follow", curl("-L", "--resolve", resolve("f.test"), "--resolve", "f.test:" + proxy.httpPort() + ":127.0.0.1",
                "http://f.test:" + proxy.httpPort() + "/follow"), "curl -L lands on the HTTPS listener");
        assertEquals("0 2 200 hello /tls", curl("--resolve", resolve("f.test"), https("f.test") + "/tls"), "HTTPS itself is never redirected");
    }

    @Test
    void withRedirectOffPlainHttpIsServed() throws Exception {
        serve(tls.frontDoor(false, false), route("f", "f.test"));
        RawHttp.Response r = plain("GET /stay HTTP/1.1\r\nHost: f.test\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("hello /stay", r.body());
    }

    // ---------------------------------------------------------------- the wake flow over HTTP/2

    @Test
    void theLoadingPageItsEventsAndHeldRequestsOverHttp2() throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[h.test]", "http://127.0.0.1:" + upstreamPort, "idle_timeout: 1m"));
        serve(tls.frontDoor(false, false), new ProxyRoute(w.config, Optional.of(w)));
        HttpResponse<String> page = h2.send(HttpRequest.newBuilder(URI.create(https("h.test") + "/")).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, page.version());
        assertEquals(503, page.statusCode());
        assertEquals("2", page.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(page.body().contains("/.well-known/dormouse/loading.js"), page.body());
        CompletableFuture<HttpResponse<String>> held = h2.sendAsync(HttpRequest.newBuilder(URI.create(https("h.test") + "/api")).build(),
                HttpResponse.BodyHandlers.ofString());
        Process h2c = new ProcessBuilder("curl", "-sS", "--max-time", "20", "--http2-prior-knowledge", "-H", "Host: h.test", "-w", " %{http_version}",
                "http://127.0.0.1:" + proxy.httpPort() + "/held-h2c").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        HttpResponse<InputStream> events = h2.send(HttpRequest.newBuilder(URI.create(https("h.test") + "/.well-known/dormouse/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(HttpClient.Version.HTTP_2, events.version());
        assertEquals("text/event-stream; charset=utf-8", events.headers().firstValue("Content-Type").orElseThrow());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
            assertEquals("event: starting", nextEvent(in), "the wake's history first");
            HttpProxyTest.await("both requests held", () -> w.wakes.get() >= 4);
            assertFalse(held.isDone(), "held until ready");
            w.finishWake();
            assertEquals("event: ready", nextEvent(in), "then ready, as it happens");
        }
        assertEquals("hello /api", held.get(10, TimeUnit.SECONDS).body());
        assertEquals(HttpClient.Version.HTTP_2, held.get().version());
        assertTrue(h2c.waitFor(20, TimeUnit.SECONDS));
        assertEquals("hello /held-h2c 2", new String(h2c.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "held over h2c too");
        HttpProxyTest.await("the event stream ended with its stream", () -> w.listeners.isEmpty());
    }

    private static String nextEvent(BufferedReader in) throws Exception {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("event: ")) return line;
        }
        return null;
    }

    @Test
    void aBackedOffWakeAnswersRetryAfterOverHttp2() throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[h.test]", "http://127.0.0.1:" + upstreamPort, "idle_timeout: 1m"));
        serve(tls.frontDoor(false, false), new ProxyRoute(w.config, Optional.of(w)));
        w.wake = CompletableFuture.failedFuture(new dev.dormouse.idlewatcher.WakeFailedException("boom", Duration.ofMillis(7_500)));
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create(https("h.test") + "/api")).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertEquals(503, r.statusCode());
        assertEquals("8", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("{\"error\":{\"code\":\"wake_failed\",\"message\":\"route 'h' could not be woken\"}}", r.body().strip());
    }

    // ---------------------------------------------------------------- WebSockets

    @Test
    void webSocketsUpgradeOverTlsWithHttp11() throws Exception {
        serve(tls.frontDoor(false, false), route("f", "f.test"));
        CompletableFuture<String> got = new CompletableFuture<>();
        WebSocket ws = tls.http1().newWebSocketBuilder().buildAsync(URI.create("wss://f.test:" + proxy.httpsPort() + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
                got.complete(data.toString());
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        ws.sendText("over tls", true);
        assertEquals("echo:over tls", got.get(10, TimeUnit.SECONDS));
        ws.abort();
        // The JDK's client offers h2 first; the handshake still goes to HTTP/1.1.
        CompletableFuture<String> again = new CompletableFuture<>();
        WebSocket ws2 = h2.newWebSocketBuilder().buildAsync(URI.create("wss://f.test:" + proxy.httpsPort() + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
                again.complete(data.toString());
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        ws2.sendText("again", true);
        assertEquals("echo:again", again.get(10, TimeUnit.SECONDS));
        ws2.abort();
    }
}
