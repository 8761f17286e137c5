package dev.dormouse.proxy;

import static dev.dormouse.proxy.HttpProxyTest.freePort;
import static dev.dormouse.proxy.TcpListenerTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.idlewatcher.RouteState;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UdpListenerTest {
    private StreamProxy streams;
    private final List<DatagramSocket> sockets = new java.util.ArrayList<>();
    /** Datagrams the echo servers received, and from where the last one came. */
    private final AtomicInteger received = new AtomicInteger();
    private volatile java.net.SocketAddress lastSender;
    /** The listeners' clock, moved by the tests. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void tearDown() {
        if (streams != null) streams.close();
        sockets.forEach(DatagramSocket::close);
    }

    /** A UDP echo server that prefixes each reply with its name; with {@code ports}, also the sender's port it saw. */
    private DatagramSocket echo(String name) throws IOException {
        return echo(name, false);
    }

    private DatagramSocket echo(String name, boolean ports) throws IOException {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        sockets.add(s);
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                while (true) {
                    p.setLength(buf.length);
                    s.receive(p);
                    received.incrementAndGet();
                    lastSender = p.getSocketAddress();
                    if (p.getLength() > 2048) continue;
                    String prefix = ports ? name + "@" + p.getPort() : name;
                    byte[] reply = (prefix + ":" + new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
                    s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed by the test
            }
        });
        return s;
    }

    private static String ask(DatagramSocket client, InetSocketAddress at, String q) throws IOException {
        byte[] b = q.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(b, b.length, at));
        DatagramPacket reply = new DatagramPacket(new byte[256], 256);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
    }

    @Test
    void aSessionFollowsTheContainerToItsNewAddress() throws Exception {
        DatagramSocket a = echo("a");
        DatagramSocket b = echo("b");
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n  - name: dns\n    listen: udp://127.0.0.1:" + freePort()
                + "\n    target: udp://:" + a.getLocalPort() + "\n    container: dns\n";
        RouteConfig r = ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
        FakeWatcher w = new FakeWatcher(r);
        w.state = RouteState.READY;
        w.target = URI.create("udp://127.0.0.1:" + a.getLocalPort());
        streams = new StreamProxy(List.of(new ProxyRoute(r, Optional.of(w))));
        streams.start();
        InetSocketAddress at = streams.address("dns").orElseThrow();
        DatagramSocket client = new DatagramSocket();
        sockets.add(client);
        client.setSoTimeout(5000);

        assertEquals("a:1", ask(client, at, "1"));
        assertEquals("a:2", ask(client, at, "2"), "one session, still at the first address");
        // Recreated elsewhere: the same client's next datagram goes to the new address, not for a minute to the old one.
        w.target = URI.create("udp://127.0.0.1:" + b.getLocalPort());
        assertEquals("b:3", ask(client, at, "3"));
        assertEquals("b:4", ask(client, at, "4"));
    }

    private static RouteConfig udpRoute(int target, String stream, String container) {
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n  - name: dns\n    listen: udp://127.0.0.1:" + freePort()
                + "\n    target: udp://127.0.0.1:" + target + "\n" + (stream.isEmpty() ? "" : "    stream: " + stream + "\n")
                + (container.isEmpty() ? "" : "    container: " + container + "\n");
        return ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
    }

    private InetSocketAddress serve(RouteConfig r, Optional<FakeWatcher> w) {
        streams = new StreamProxy(List.of(new ProxyRoute(r, w.map(x -> x))), ProxyMetrics.unregistered(), now::get, false);
        streams.start();
        return streams.address("dns").orElseThrow();
    }

    private DatagramSocket client() throws IOException {
        DatagramSocket c = new DatagramSocket();
        sockets.add(c);
        c.setSoTimeout(5000);
        return c;
    }

    /** The upstream port the session of {@code client} sends from, as the echo server reports it. */
    private static String sessionPort(DatagramSocket client, InetSocketAddress at, String q) throws IOException {
        String reply = ask(client, at, q);
        assertTrue(reply.endsWith(":" + q), reply);
        return reply.substring(0, reply.indexOf(':'));
    }

    private StreamStats stats() {
        return streams.stats("dns").orElseThrow();
    }

    @Test
    void aNewClientBeyondUdpMaxSessionsClosesTheSessionIdleLongest() throws Exception {
        DatagramSocket up = echo("e", true);
        InetSocketAddress at = serve(udpRoute(up.getLocalPort(), "{udp_max_sessions: 3}", ""), Optional.empty());
        DatagramSocket a = client(), b = client(), c = client(), d = client();
        String pa = sessionPort(a, at, "a1");
        String pb = sessionPort(b, at, "b1");
        String pc = sessionPort(c, at, "c1");
        assertEquals(pa, sessionPort(a, at, "a2"), "a's session is used again, and is now the youngest");
        String pd = sessionPort(d, at, "d1");
        assertEquals(3, stats().sessions());
        assertEquals(1, stats().sessionsEvicted(), "b, idle longest, made room for d");
        assertEquals(pa, sessionPort(a, at, "a3"));
        assertEquals(pd, sessionPort(d, at, "d2"));
        assertEquals(pc, sessionPort(c, at, "c2"), "c was not evicted");
        String pb2 = sessionPort(b, at, "b2");
        assertNotEquals(pb, pb2, "b comes back with a new session");
        assertEquals(2, stats().sessionsEvicted(), "and takes the place of the one idle longest now");
        assertEquals(3, stats().sessions());
        assertEquals(5, stats().connections(), "sessions opened");
    }

    @Test
    void aSessionWithoutTrafficEitherWayForTheIdleTimeoutIsClosed() throws Exception {
        DatagramSocket up = echo("e", true);
        InetSocketAddress at = serve(udpRoute(up.getLocalPort(), "{idle_timeout: 1m}", ""), Optional.empty());
        DatagramSocket c = client();
        String first = sessionPort(c, at, "1");

        now.addAndGet(Duration.ofSeconds(40).toNanos());
        streams.sweep();
        assertEquals(1, stats().sessions(), "40 s is not idle yet");
        // A datagram from the upstream alone is traffic too.
        byte[] push = "push".getBytes(StandardCharsets.US_ASCII);
        up.send(new DatagramPacket(push, push.length, lastSender));
        DatagramPacket got = new DatagramPacket(new byte[64], 64);
        c.receive(got);
        assertEquals("push", new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII));
        now.addAndGet(Duration.ofSeconds(40).toNanos());
        streams.sweep();
        assertEquals(first, sessionPort(c, at, "2"), "still the same session 80 s after the client's first datagram");

        now.addAndGet(Duration.ofSeconds(61).toNanos());
        streams.sweep();
        assertEquals(0, stats().sessions());
        assertEquals(1, stats().closedIdle());
        assertNotEquals(first, sessionPort(c, at, "3"), "the client's next datagram opens a new session");
    }

    @Test
    void datagramsHeldDuringAWakeAreBoundedInNumber() throws Exception {
        DatagramSocket up = echo("e");
        RouteConfig r = udpRoute(up.getLocalPort(), "", "dns");
        FakeWatcher w = new FakeWatcher(r);
        InetSocketAddress at = serve(r, Optional.of(w));
        DatagramSocket c = client();
        int sent = UdpListener.MAX_QUEUED + 76;
        long total = 0;
        for (int i = 0; i < sent; i++) {
            byte[] d = ("d" + i).getBytes(StandardCharsets.US_ASCII);
            c.send(new DatagramPacket(d, d.length, at));
            long in = total += d.length;
            int n = i;
            // One at a time, so the kernel's receive buffer never overflows and every datagram reaches the listener.
            await("datagram " + n + " to be received", () -> stats().bytesIn() >= in);
        }
        assertEquals(76, stats().datagramsDropped());
        w.finishWake();
        DatagramPacket got = new DatagramPacket(new byte[64], 64);
        c.receive(got);
        assertEquals("e:d0", new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII), "the first held datagram is delivered first");
    }

    @Test
    void datagramsHeldDuringAWakeAreBoundedInBytes() throws Exception {
        DatagramSocket up = echo("e");
        RouteConfig r = udpRoute(up.getLocalPort(), "", "dns");
        FakeWatcher w = new FakeWatcher(r);
        InetSocketAddress at = serve(r, Optional.of(w));
        DatagramSocket c = client();
        byte[] big = new byte[60_000];
        for (int i = 0; i < 100; i++) {
            c.send(new DatagramPacket(big, big.length, at));
            long in = (i + 1L) * big.length;
            int n = i;
            await("datagram " + n + " to be received", () -> stats().bytesIn() >= in);
        }
        int kept = UdpListener.MAX_QUEUED_BYTES / big.length;
        assertEquals(100 - kept, stats().datagramsDropped(), "beyond " + UdpListener.MAX_QUEUED_BYTES + " bytes held");
        w.finishWake();
        await("held datagrams to reach the upstream", () -> received.get() > 0);
    }

    @Test
    void sessionsNeedNoThreadOfTheirOwn() throws Exception {
        DatagramSocket up = echo("e");
        InetSocketAddress at = serve(udpRoute(up.getLocalPort(), "", ""), Optional.empty());
        sessionPort(client(), at, "warm");
        int threads = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
        for (int i = 0; i < 200; i++) sessionPort(client(), at, "q" + i);
        assertEquals(201, stats().sessions());
        int after = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
        assertTrue(after - threads < 5, "platform threads grew from " + threads + " to " + after);
    }

    @Test
    void aChangedRouteServesItsNewTargetOnTheSamePort() throws Exception {
        DatagramSocket a = echo("a");
        DatagramSocket b = echo("b");
        int port = freePort();
        String yaml = "routes:\n  - name: dns\n    listen: udp://127.0.0.1:" + port + "\n    target: udp://127.0.0.1:%d\n";
        RouteConfig first = ConfigLoader.parse(new java.io.StringReader(yaml.formatted(a.getLocalPort())), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
        RouteConfig second = ConfigLoader.parse(new java.io.StringReader(yaml.formatted(b.getLocalPort())), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
        streams = new StreamProxy(List.of(new ProxyRoute(first, Optional.empty())), ProxyMetrics.unregistered(), now::get, false);
        streams.start();
        InetSocketAddress at = streams.address("dns").orElseThrow();
        DatagramSocket c = client();
        assertEquals("a:1", ask(c, at, "1"));
        streams.update(List.of(new ProxyRoute(second, Optional.empty())));
        assertEquals(java.util.Map.of(), streams.errors());
        assertEquals("b:2", ask(c, at, "2"));
    }
}
