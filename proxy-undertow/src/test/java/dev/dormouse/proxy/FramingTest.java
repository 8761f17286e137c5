package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.HttpLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request framing (RFC 9112 sections 6 and 7, RFC 9110) against the real proxy and a recording upstream. Every
 * case carries a second request, {@code GET /smuggled}, inside its body or after its head; the upstream must never
 * read it as a request, neither in the case itself nor on the pooled connection that a following normal request
 * reuses. Each case is refused with its status (and the connection closed), or forwarded as one request with
 * exactly one framing. Every case runs on the plain listener and on the HTTPS one (HTTP/1.1 over TLS).
 */
class FramingTest {
    /**
     * What the upstream sees of a case: nothing; the one request; or the one request cut to an empty body with
     * {@code Content-Length: 0} (a chunked body that turns out malformed after its head was forwarded: Undertow
     * ends the upstream request instead of aborting it, and closes the client's connection without an answer).
     */
    enum Upstream { NOTHING, ONE, TRUNCATED }

    /** The status of a case the proxy can only end by closing: the body went bad after its head was forwarded. */
    private static final int CLOSED = 0;

    record Case(String name, String raw, int status, Upstream upstream) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String HOST = "Host: f.test\r\n";
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: f.test\r\n\r\n";
    private static final String POST = "POST /case HTTP/1.1\r\n" + HOST;
    private static final String GET = "GET /case HTTP/1.1\r\n" + HOST;
    private static final String CHUNKS = chunk(SMUGGLED) + "0\r\n\r\n";

    static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    static Stream<Case> cases() {
        return Stream.of(
                // -- Transfer-Encoding: only one "chunked" is decoded; anything else is 501 and never forwarded
                c("content-length then chunked", POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("chunked then content-length", POST + "Transfer-Encoding: chunked\r\nContent-Length: 48\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("xchunked", POST + "Transfer-Encoding: xchunked\r\n\r\n" + CHUNKS, 501, Upstream.NOTHING),
                c("chunked, gzip", POST + "Transfer-Encoding: chunked, gzip\r\n\r\n" + CHUNKS, 501, Upstream.NOTHING),
                c("gzip, chunked", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n" + CHUNKS, 501, Upstream.NOTHING),
                c("identity", POST + "Transfer-Encoding: identity\r\n\r\n" + SMUGGLED, 501, Upstream.NOTHING),
                c("chunked twice", POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKS, 400, Upstream.NOTHING),
                c("chunked in HTTP/1.0", "POST /case HTTP/1.0\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + CHUNKS, 400, Upstream.NOTHING),
                c("folded x chunked", POST + "Transfer-Encoding: x\r\n chunked\r\n\r\n" + CHUNKS, 501, Upstream.NOTHING),
                c("chunked after a tab", POST + "Transfer-Encoding:\tchunked\r\n\r\n" + CHUNKS, 200, Upstream.ONE),
                c("CHUNKED in capitals", POST + "Transfer-Encoding: CHUNKED\r\n\r\n" + CHUNKS, 200, Upstream.ONE),
                c("chunked on a folded line", POST + "Transfer-Encoding:\r\n chunked\r\n\r\n" + CHUNKS, 200, Upstream.ONE),
                // -- Content-Length: one run of at most 18 digits
                c("content-length twice", POST + "Content-Length: 48\r\nContent-Length: 48\r\n\r\n" + SMUGGLED + "\r\n\r\n", 400, Upstream.NOTHING),
                c("content-length list", POST + "Content-Length: 48, 48\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("content-length negative", POST + "Content-Length: -1\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("content-length plus", POST + "Content-Length: +48\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("content-length hex", POST + "Content-Length: 0x30\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("content-length space inside", POST + "Content-Length: 4 8\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                // 2^64 + 5 wraps to 5 in an unchecked parse
                c("content-length overflow", POST + "Content-Length: 18446744073709551621\r\n\r\nhello" + SMUGGLED, 400, Upstream.NOTHING),
                c("smuggled inside a length body", POST + "Content-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED, 200, Upstream.ONE),
                // -- chunked bodies
                c("smuggled inside chunks", POST + "Transfer-Encoding: chunked\r\n\r\n" + CHUNKS, 200, Upstream.ONE),
                c("chunk extensions", POST + "Transfer-Encoding: chunked\r\n\r\n5;a=1;b=\"x;y\"\r\nhello\r\n" + CHUNKS, 200, Upstream.ONE),
                c("chunk size past 64 bits", POST + "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n" + CHUNKS, CLOSED, Upstream.TRUNCATED),
                c("chunk size not hex", POST + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + CHUNKS, CLOSED, Upstream.TRUNCATED),
                // -- line ends, control bytes, field syntax
                c("bare LF", "GET /case HTTP/1.1\n" + "Host: f.test\n\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("bare LF in a field", GET + "X-A: 1\nX-B: 2\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("bare CR in a field", GET + "X-A: 1\rX-B: 2\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("NUL in a value", GET + "X-A: a\0b\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("control byte in a name", GET + "X\u0001A: 1\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("DEL in a value", GET + "X-A: a\u007fb\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("space before the colon", POST + "Content-Length : 48\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("invalid field name", GET + "X@A: 1\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("empty field name", GET + ": 1\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("obs-fold in a field", GET + "X-A: a\r\n b\r\n\r\n", 200, Upstream.ONE),
                // -- request line, target and Host
                c("absolute-form", "GET http://f.test/case HTTP/1.1\r\n" + HOST + "\r\n", 200, Upstream.ONE),
                c("absolute-form, other Host", "GET http://other.test/case HTTP/1.1\r\n" + HOST + "\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("two Host fields", "GET /case HTTP/1.1\r\n" + HOST + HOST + "\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("no Host in HTTP/1.1", "GET /case HTTP/1.1\r\n\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("two spaces in the request line", "GET  /case HTTP/1.1\r\n" + HOST + "\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                c("space after the version", "GET /case HTTP/1.1 \r\n" + HOST + "\r\n" + SMUGGLED, 400, Upstream.NOTHING),
                // -- Expect
                c("expect 100-continue", POST + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", 200, Upstream.ONE),
                c("expect something else", POST + "Expect: 200-ok\r\nContent-Length: 48\r\n\r\n" + SMUGGLED, 417, Upstream.NOTHING),
                c("expect in HTTP/1.0", "POST /case HTTP/1.0\r\n" + HOST + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", 200, Upstream.ONE));
    }

    private static Case c(String name, String raw, int status, Upstream upstream) {
        return new Case(name, raw, status, upstream);
    }

    static Stream<Arguments> casesOnBothListeners() {
        return cases().flatMap(c -> Stream.of(Arguments.of(c, Transport.PLAIN), Arguments.of(c, Transport.TLS)));
    }

    private static RecordingUpstream upstream;
    private static HttpProxy proxy;
    private static TestTls tls;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        upstream = new RecordingUpstream();
        tls = new TestTls(dir);
        proxy = new HttpProxy(new ProxySettings("127.0.0.1:0", "127.0.0.1:0", 1, Duration.ofSeconds(2), Duration.ofSeconds(1), HttpLimits.DEFAULT, List.of()),
                List.of(new ProxyRoute(HttpProxyTest.route("f", "[f.test]", "http://127.0.0.1:" + upstream.port(), null), Optional.empty())),
                ProxyMetrics.unregistered(), Optional.of(tls.frontDoor(false, false)));
        proxy.start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("casesOnBothListeners")
    void eachCaseIsRefusedOrForwardedWithOneFraming(Case c, Transport t) throws Exception {
        int before = upstream.requests.size();
        int abortedBefore = upstream.aborted.size();
        if (c.status() == CLOSED) {
            try (RawHttp client = t.connect(proxy, tls, 5_000)) {
                assertEquals(null, client.send(c.raw()).response(), c.name() + ": the proxy must close, not answer");
                assertTrue(client.closedByServer(), c.name());
            }
        } else {
            exchange(c, t);
        }
        // A closed client does not mean the upstream has read the forwarded part yet: wait for it, so the next
        // request's line comes after it.
        if (c.upstream() != Upstream.NOTHING) HttpProxyTest.await(c.name() + " at the upstream", () -> upstream.requests.size() > before);
        // A normal request next, on the upstream connection the case may have left behind.
        try (RawHttp next = t.connect(proxy, tls, 5_000)) {
            RawHttp.Response r = next.send("GET /after HTTP/1.1\r\n" + HOST + "\r\n").response();
            assertNotNull(r);
            assertEquals(200, r.status(), "the request after " + c.name());
        }
        List<RecordingUpstream.Request> seen = upstream.requests.subList(before, upstream.requests.size());
        List<String> lines = seen.stream().map(RecordingUpstream.Request::line).toList();
        assertEquals(c.upstream() != Upstream.NOTHING ? List.of(lines.getFirst().split(" ")[0] + " /case HTTP/1.1", "GET /after HTTP/1.1")
                : List.of("GET /after HTTP/1.1"), lines, c.name() + ": what the upstream read");
        if (c.upstream() == Upstream.TRUNCATED) {
            assertEquals("0", seen.getFirst().header("Content-Length"), c.name() + ": " + seen.getFirst().headers());
            assertEquals(0, seen.getFirst().body().length, c.name());
        }
        assertEquals(abortedBefore, upstream.aborted.size(), c.name() + ": a request cut short reached the upstream");
        for (RecordingUpstream.Request q : seen) {
            assertTrue(q.all("Transfer-Encoding").size() + q.all("Content-Length").size() <= 1, c.name() + ": two framings " + q.headers());
        }
        assertEquals(List.of(), upstream.problems, c.name() + ": the upstream met an ambiguous framing");
        assertTrue(upstream.lines().stream().noneMatch(l -> l.contains("/smuggled")), c.name() + ": a smuggled request reached the upstream");
    }

    private static void exchange(Case c, Transport t) throws Exception {
        try (RawHttp client = t.connect(proxy, tls, 5_000)) {
            RawHttp.Response r = client.send(c.raw()).response();
            assertNotNull(r, c.name() + ": no response");
            assertEquals(c.status(), r.status(), c.name() + ": " + r.statusLine());
            if (c.upstream() == Upstream.NOTHING) assertTrue(client.closedByServer(), c.name() + ": a refused request must close the connection");
        }
    }
}
