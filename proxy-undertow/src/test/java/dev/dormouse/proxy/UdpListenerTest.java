package dev.dormouse.proxy;

import static dev.dormouse.proxy.HttpProxyTest.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UdpListenerTest {
    private StreamProxy streams;
    private final List<DatagramSocket> sockets = new java.util.ArrayList<>();

    @AfterEach
    void tearDown() {
        if (streams != null) streams.close();
        sockets.forEach(DatagramSocket::close);
    }

    /** A UDP echo server that prefixes each reply with its name. */
    private DatagramSocket echo(String name) throws IOException {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        sockets.add(s);
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                while (true) {
                    p.setLength(buf.length);
                    s.receive(p);
                    byte[] reply = (name + ":" + new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
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
}
