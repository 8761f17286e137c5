package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.HttpLimits;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a hostile HTTP/2 client can make the listeners hold, over h2c with prior knowledge and over TLS: header
 * lists, field counts, concurrent streams, a preface or first stream that never comes, idle connections, and a
 * body that disagrees with its Content-Length. Frames are written by hand ({@link RawH2}).
 */
class Http2HostileTest {
    @TempDir
    static Path dir;
    private static TestTls tls;
    private RecordingUpstream upstream;
    private HttpProxy proxy;

    @BeforeAll
    static void certificates() {
        tls = new TestTls(dir);
    }

    @BeforeEach
    void upstream() throws Exception {
        upstream = new RecordingUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) proxy.close();
        upstream.close();
    }

    private ProxyRoute plainRoute() {
        return new ProxyRoute(HttpProxyTest.route("f", "[f.test]", "http://127.0.0.1:" + upstream.port(), null), Optional.empty());
    }

    private void serve(HttpLimits limits, ProxyRoute... routes) {
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", "127.0.0.1:0", 1, Duration.ofSeconds(2), Duration.ofSeconds(1), limits, List.of()),
                List.of(routes), ProxyMetrics.unregistered(), Optional.of(tls.frontDoor(false, false)));
        proxy.start();
    }

    private RawH2 connect(Transport t, int timeoutMillis) throws Exception {
        return t == Transport.PLAIN ? RawH2.plain(proxy.httpPort(), timeoutMillis) : RawH2.tls(proxy.httpsPort(), tls.client, "f.test", timeoutMillis);
    }

    /** The response HEADERS of a stream, or what ended it instead (RST_STREAM, GOAWAY, or null when closed). */
    private static RawH2.Frame answer(RawH2 c, int stream) throws Exception {
        return c.await(f -> f.type() == RawH2.HEADERS && f.stream() == stream || f.type() == RawH2.RST_STREAM && f.stream() == stream
                || f.type() == RawH2.GOAWAY);
    }

    // ---------------------------------------------------------------- header lists and fields

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aHeaderListPastMaxHeaderBytesEndsTheConnectionAndReachesNoUpstream(Transport t) throws Exception {
        serve(new HttpLimits(8192, Duration.ofSeconds(30), 100), plainRoute());
        try (RawH2 c = connect(t, 5_000).preface()) {
            RawH2.Frame settings = c.await(f -> f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0);
            assertEquals(8192, settings.setting(RawH2.SETTINGS_MAX_HEADER_LIST_SIZE), "advertised: max_header_bytes");
            c.get(1, t.scheme(), "f.test", "/within", "x-pad", "a".repeat(6000));
            RawH2.Frame ok = answer(c, 1);
            assertEquals(RawH2.HEADERS, ok.type(), "a header list within the bound is served: " + ok);
            c.get(3, t.scheme(), "f.test", "/past", "x-pad", "a".repeat(9000));
            RawH2.Frame refused = answer(c, 3);
            assertTrue(refused == null || refused.type() == RawH2.GOAWAY || refused.type() == RawH2.RST_STREAM, "refused: " + refused);
        }
        assertEquals(List.of("GET /within HTTP/1.1"), upstream.lines(), "only the header list within the bound was forwarded");
    }

    @Test
    void theDefaultBoundIsMaxHeaderBytesNotUndertowsTwentyThousand() throws Exception {
        serve(HttpLimits.DEFAULT, plainRoute());
        try (RawH2 c = connect(Transport.PLAIN, 5_000).preface()) {
            c.get(1, "http", "f.test", "/large", "x-pad", "a".repeat(40_000));
            RawH2.Frame ok = answer(c, 1);
            assertEquals(RawH2.HEADERS, ok == null ? -1 : ok.type(), "a 40 KB header list within 64 KiB: " + ok);
        }
        assertEquals(List.of("GET /large HTTP/1.1"), upstream.lines());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void moreFieldsThanAllowedReachNoUpstream(Transport t) throws Exception {
        serve(HttpLimits.DEFAULT, plainRoute());
        String[] fields = new String[2 * (HeadLimit.MAX_FIELDS + 1)];
        for (int i = 0; i <= HeadLimit.MAX_FIELDS; i++) {
            fields[2 * i] = "x-" + i;
            fields[2 * i + 1] = "1";
        }
        try (RawH2 c = connect(t, 5_000).preface()) {
            c.get(1, t.scheme(), "f.test", "/fields", fields);
            RawH2.Frame refused = answer(c, 1);
            assertTrue(refused == null || refused.type() != RawH2.HEADERS, "refused: " + refused);
        }
        assertEquals(List.of(), upstream.lines());
    }

    // ---------------------------------------------------------------- concurrent streams

    @ParameterizedTest
    @EnumSource(Transport.class)
    void streamsPastTheConcurrencyBoundAreResetAndFreedWhenTheyEnd(Transport t) throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[f.test]", "http://127.0.0.1:" + upstream.port(), "idle_timeout: 1m"));
        serve(HttpLimits.DEFAULT, new ProxyRoute(w.config, Optional.of(w)));
        int bound = HttpListener.H2_MAX_STREAMS;
        try (RawH2 c = connect(t, 10_000).preface()) {
            RawH2.Frame settings = c.await(f -> f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0);
            assertEquals(bound, settings.setting(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS), "advertised");
            // Held while the route sleeps: each stays open.
            for (int i = 0; i <= bound; i++) c.get(1 + 2 * i, t.scheme(), "f.test", "/held/" + i);
            int past = 1 + 2 * bound;
            RawH2.Frame reset = c.await(f -> f.type() == RawH2.RST_STREAM || f.type() == RawH2.GOAWAY || f.type() == RawH2.HEADERS);
            assertNotNull(reset);
            assertEquals(RawH2.RST_STREAM, reset.type(), "the stream past the bound: " + reset);
            assertEquals(past, reset.stream());
            HttpProxyTest.await(bound + " held", () -> w.wakes.get() == bound);
            w.finishWake();
            Set<Integer> answered = new HashSet<>();
            while (answered.size() < bound) {
                RawH2.Frame f = c.await(x -> x.type() == RawH2.HEADERS || x.type() == RawH2.RST_STREAM || x.type() == RawH2.GOAWAY);
                assertNotNull(f, "answered " + answered.size());
                assertEquals(RawH2.HEADERS, f.type(), f.toString());
                answered.add(f.stream());
            }
            // Their ends freed the count: the connection takes new streams again.
            c.get(past + 2, t.scheme(), "f.test", "/after");
            RawH2.Frame after = answer(c, past + 2);
            assertEquals(RawH2.HEADERS, after == null ? -1 : after.type(), "a stream after the others ended: " + after);
        }
        assertEquals(bound + 1, upstream.requests.size(), "the reset stream reached no upstream");
        assertTrue(upstream.lines().stream().noneMatch(l -> l.equals("GET /held/" + bound + " HTTP/1.1")));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void streamsTheClientResetsNoLongerCount(Transport t) throws Exception {
        FakeWatcher w = new FakeWatcher(HttpProxyTest.route("h", "[f.test]", "http://127.0.0.1:" + upstream.port(), "idle_timeout: 1m"));
        serve(HttpLimits.DEFAULT, new ProxyRoute(w.config, Optional.of(w)));
        int bound = HttpListener.H2_MAX_STREAMS;
        try (RawH2 c = connect(t, 10_000).preface()) {
            // Loading-page event streams, each open until its client goes: the client resets them all.
            for (int i = 0; i < bound; i++) c.get(1 + 2 * i, t.scheme(), "f.test", "/.well-known/dormouse/events");
            Set<Integer> open = new HashSet<>();
            while (open.size() < bound) {
                RawH2.Frame f = c.await(x -> x.type() == RawH2.HEADERS || x.type() == RawH2.RST_STREAM || x.type() == RawH2.GOAWAY);
                assertNotNull(f);
                assertEquals(RawH2.HEADERS, f.type(), f.toString());
                open.add(f.stream());
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < bound; i++) c.frame(RawH2.RST_STREAM, 0, 1 + 2 * i, new byte[] {0, 0, 0, 8});
            HttpProxyTest.await("the reset streams unsubscribed", () -> w.listeners.isEmpty());
            int next = 1 + 2 * bound;
            c.get(next, t.scheme(), "f.test", "/.well-known/dormouse/events");
            RawH2.Frame f = c.await(x -> x.type() == RawH2.HEADERS && x.stream() == next || x.type() == RawH2.RST_STREAM && x.stream() == next
                    || x.type() == RawH2.GOAWAY);
            assertEquals(RawH2.HEADERS, f == null ? -1 : f.type(), "a new stream once the reset ones ended: " + f);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(WakeEventStream.HEARTBEAT.toSeconds()), "noticed before a heartbeat");
        }
    }

    // ---------------------------------------------------------------- prefaces, first streams, idle connections

    @Test
    void anH2cPrefaceThatStopsAfterItsFirstLineIsClosed() throws Exception {
        serve(new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), plainRoute());
        try (RawH2 c = connect(Transport.PLAIN, 5_000)) {
            long t0 = System.nanoTime();
            c.raw("PRI * HTTP/2.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.closedByServer(), "half a preface");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "closed late");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aConnectionThatNeverOpensAStreamIsClosed(Transport t) throws Exception {
        serve(new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), plainRoute());
        try (RawH2 c = connect(t, 5_000).preface()) {
            long t0 = System.nanoTime();
            // PINGs and SETTINGS acks flow, and keep nothing open.
            for (int i = 0; i < 3; i++) {
                c.frame(RawH2.PING, 0, 0, new byte[8]);
                TimeUnit.MILLISECONDS.sleep(200);
            }
            assertTrue(c.closedByServer(), "a connection without a stream");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "closed late");
        }
    }

    @Test
    void aTlsConnectionThatNeverShakesHandsIsClosed() throws Exception {
        serve(new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), plainRoute());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.httpsPort()), 2_000);
            s.setSoTimeout(5_000);
            long t0 = System.nanoTime();
            s.getOutputStream().write(0x16); // the first byte of a ClientHello record, and nothing more
            int read;
            try {
                read = s.getInputStream().read();
            } catch (java.net.SocketException e) {
                read = -1;
            }
            assertEquals(-1, read, "closed without an answer");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "closed late");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anIdleConnectionAfterItsStreamsIsClosed(Transport t) throws Exception {
        serve(new HttpLimits(64 * 1024, Duration.ofSeconds(1), 100), plainRoute());
        try (RawH2 c = connect(t, 6_000).preface()) {
            c.get(1, t.scheme(), "f.test", "/one");
            assertEquals(RawH2.HEADERS, answer(c, 1).type());
            long t0 = System.nanoTime();
            RawH2.Frame away = c.await(f -> f.type() == RawH2.GOAWAY);
            assertNotNull(away, "a GOAWAY before the close");
            assertTrue(c.closedByServer());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "closed late");
        }
    }

    // ---------------------------------------------------------------- framing

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: f.test\r\n\r\n";

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aBodyLongerThanItsContentLengthNeverSmugglesARequest(Transport t) throws Exception {
        serve(HttpLimits.DEFAULT, plainRoute());
        try (RawH2 c = connect(t, 5_000).preface()) {
            c.headers(1, false, ":method", "POST", ":scheme", t.scheme(), ":authority", "f.test", ":path", "/case", "content-length", "5");
            c.data(1, ("hello" + SMUGGLED).getBytes(StandardCharsets.US_ASCII), true);
            answer(c, 1);
        }
        try (RawH2 c = connect(t, 5_000).preface()) {
            c.get(1, t.scheme(), "f.test", "/after");
            assertEquals(RawH2.HEADERS, answer(c, 1).type());
        }
        assertTrue(upstream.lines().stream().noneMatch(l -> l.contains("/smuggled")), upstream.lines().toString());
        assertEquals(List.of(), upstream.problems);
        assertTrue(upstream.lines().contains("GET /after HTTP/1.1"), upstream.lines().toString());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void transferEncodingIsRefused(Transport t) throws Exception {
        serve(HttpLimits.DEFAULT, plainRoute());
        try (RawH2 c = connect(t, 5_000).preface()) {
            c.headers(1, false, ":method", "POST", ":scheme", t.scheme(), ":authority", "f.test", ":path", "/te", "transfer-encoding", "chunked");
            c.data(1, ("0\r\n\r\n" + SMUGGLED).getBytes(StandardCharsets.US_ASCII), true);
            RawH2.Frame f = answer(c, 1);
            assertTrue(f == null || f.type() != RawH2.HEADERS, "refused: " + f);
        }
        assertEquals(List.of(), upstream.lines());
    }

    // ---------------------------------------------------------------- forwarding headers

    @Test
    void anH2cClientClaimingHttpsIsForwardedAsHttp() throws Exception {
        serve(HttpLimits.DEFAULT, plainRoute());
        try (RawH2 c = connect(Transport.PLAIN, 5_000).preface()) {
            c.get(1, "https", "f.test", "/claim", "x-forwarded-proto", "https");
            assertEquals(RawH2.HEADERS, answer(c, 1).type());
        }
        RecordingUpstream.Request q = upstream.requests.getLast();
        assertEquals(List.of("http"), q.all("X-Forwarded-Proto"));
        assertEquals(List.of(Integer.toString(proxy.httpPort())), q.all("X-Forwarded-Port"));
        assertEquals(List.of("for=127.0.0.1;host=f.test;proto=http"), q.all("Forwarded"));
    }
}
