package dev.dormouse.idlewatcher;

import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Whether a route's upstream answers: HTTP targets must answer the health path with a status below 500,
 * TCP targets must accept a connection. One attempt per call, bounded by the given timeout; a refused
 * connection on loopback fails in microseconds, so callers can poll it tightly.
 */
public interface ReadinessProbe {
    /** Returns true when the target is ready; never throws for an unready target. */
    boolean check(URI target, HealthcheckConfig hc, Duration timeout);

    /** The real probe over sockets. */
    static ReadinessProbe sockets() {
        return SocketProbe.INSTANCE;
    }

    /** The socket implementation; HTTP/1.1 by hand keeps it allocation-light and dependency-free. */
    final class SocketProbe implements ReadinessProbe {
        static final SocketProbe INSTANCE = new SocketProbe();

        private SocketProbe() {}

        @Override
        public boolean check(URI target, HealthcheckConfig hc, Duration timeout) {
            String scheme = target.getScheme();
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (scheme.equals("udp")) return udpBound(target, ms);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(target.getHost(), target.getPort()), ms);
                if (scheme.equals("tcp")) return true;
                s.setSoTimeout(ms);
                Socket io = s;
                if (scheme.equals("https")) {
                    SSLContext ctx = Tls.client(hc.insecureSkipVerify());
                    SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, target.getHost(), target.getPort(), true);
                    if (!hc.insecureSkipVerify()) {
                        SSLParameters p = ssl.getSSLParameters();
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                        ssl.setSSLParameters(p);
                    }
                    ssl.startHandshake();
                    io = ssl;
                }
                return status(io, target, hc) < 500;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /**
         * UDP has no handshake: an empty datagram to a port nobody has bound comes back as ICMP port
         * unreachable (reported on a connected socket). Silence or any answer means something listens.
         */
        private static boolean udpBound(URI target, int timeoutMs) {
            try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                s.connect(new InetSocketAddress(target.getHost(), target.getPort()));
                s.setSoTimeout(Math.min(timeoutMs, 50));
                s.send(new java.net.DatagramPacket(new byte[0], 0));
                s.receive(new java.net.DatagramPacket(new byte[1], 1));
                return true;
            } catch (java.net.PortUnreachableException e) {
                return false;
            } catch (java.net.SocketTimeoutException e) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private static int status(Socket s, URI target, HealthcheckConfig hc) throws IOException {
            String base = target.getRawPath() == null ? "" : target.getRawPath();
            String path = base.endsWith("/") && hc.path().startsWith("/") ? base + hc.path().substring(1) : base + hc.path();
            String req = hc.method() + " " + path + " HTTP/1.1\r\nHost: " + target.getHost() + ":" + target.getPort()
                    + "\r\nUser-Agent: dormouse-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16];
            int n = 0;
            while (n < 12) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) break;
                n += r;
            }
            String line = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            if (n < 12 || !line.startsWith("HTTP/")) return 599;
            try {
                return Integer.parseInt(line.substring(9, 12));
            } catch (NumberFormatException e) {
                return 599;
            }
        }
    }
}
