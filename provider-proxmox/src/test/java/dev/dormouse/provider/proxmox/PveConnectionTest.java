package dev.dormouse.provider.proxmox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How one connection reads an answer and decides whether it may be reused, from canned server bytes. */
class PveConnectionTest {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The answer to one request when the server sends {@code answer}, and the connection after it. */
    private record Outcome(PveConnection.Response response, PveConnection conn) {}

    private static Outcome exchange(byte[] answer, boolean closeAfter) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    in.readNBytes(REQUEST.length);
                    OutputStream out = s.getOutputStream();
                    out.write(answer);
                    out.flush();
                    if (!closeAfter) in.read(); // hold the connection until the client closes it
                } catch (IOException e) {
                    // the client went away
                }
            });
            Socket raw = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            PveConnection c = new PveConnection(raw, raw);
            try {
                return new Outcome(c.exchange(REQUEST, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)), c);
            } finally {
                c.close();
                served.get(5, TimeUnit.SECONDS);
            }
        }
    }

    private static Outcome exchange(String answer) throws Exception {
        return exchange(answer.getBytes(StandardCharsets.ISO_8859_1), true);
    }

    @Test
    void keepAliveFollowsVersionAndConnectionHeader() throws Exception {
        assertTrue(exchange("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").conn().keepAlive, "HTTP/1.1 keeps alive by default");
        assertFalse(exchange("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}").conn().keepAlive);
        assertFalse(exchange("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}").conn().keepAlive, "HTTP/1.0 closes by default");
        assertTrue(exchange("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}").conn().keepAlive);
        Outcome eof = exchange("HTTP/1.1 200 OK\r\n\r\n{\"data\":1}");
        assertEquals("{\"data\":1}", new String(eof.response().body(), StandardCharsets.UTF_8), "no framing: the body runs to the end");
        assertFalse(eof.conn().keepAlive, "and the connection is done");
    }

    @Test
    void anAnnouncedKeepAliveTimeoutShortensReuse() throws Exception {
        long now = System.nanoTime();
        PveConnection five = exchange("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n").conn();
        assertTrue(five.keepAlive);
        long window = TimeUnit.NANOSECONDS.toMillis(five.reuseUntil - now);
        assertTrue(window > 3_000 && window <= 4_500, "timeout less a second: " + window + " ms");
        assertFalse(exchange("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n").conn().keepAlive,
                "a one-second timeout leaves no safe window");
        PveConnection plain = exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").conn();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(plain.reuseUntil - now) <= PveHttp.MAX_IDLE_TIME.toMillis() + 500, "our own bound");
    }

    @Test
    void chunksAndInterimAnswersAreRead() throws Exception {
        Outcome r = exchange("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4;x=y\r\n{\"me\r\n9\r\nssage\":1}\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertEquals(500, r.response().status());
        assertEquals("{\"message\":1}", new String(r.response().body(), StandardCharsets.UTF_8));
        assertTrue(r.conn().keepAlive, "a chunked answer is framed");
    }

    @Test
    void answersPastTheBoundsAreRefused() {
        IOException body = assertThrows(IOException.class,
                () -> exchange("HTTP/1.1 200 OK\r\nContent-Length: " + (PveConnection.MAX_BODY + 1) + "\r\n\r\n"));
        assertTrue(body.getMessage().contains("answer larger than"), body.getMessage());
        IOException chunk = assertThrows(IOException.class, () -> exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(PveConnection.MAX_BODY + 1) + "\r\n"));
        assertTrue(chunk.getMessage().contains("answer larger than"), chunk.getMessage());
        String longHeader = "X-Filler: " + "a".repeat(PveConnection.MAX_HEAD) + "\r\n";
        IOException head = assertThrows(IOException.class, () -> exchange("HTTP/1.1 200 OK\r\n" + longHeader + "Content-Length: 0\r\n\r\n"));
        assertTrue(head.getMessage().contains("answer head longer than"), head.getMessage());
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\r\n");
        while (many.length() <= PveConnection.MAX_HEAD) many.append("X-A: b\r\n");
        IOException lines = assertThrows(IOException.class, () -> exchange(many + "Content-Length: 0\r\n\r\n"));
        assertTrue(lines.getMessage().contains("answer head longer than"), lines.getMessage());
    }

    @Test
    void aClosedConnectionIsSeenBeforeReuse() throws Exception {
        Outcome open = exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);
        assertTrue(open.conn().keepAlive);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket raw = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            PveConnection c = new PveConnection(raw, raw);
            Socket peer = server.accept();
            assertTrue(c.open(), "an idle connection the server keeps");
            peer.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // Deadline of a wait for the kernel to report the peer's close: the condition, not a timer of the code.
            while (c.open() && System.nanoTime() < deadline) Thread.onSpinWait();
            assertFalse(c.open(), "the server's close is seen");
            c.close();
        }
    }
}
