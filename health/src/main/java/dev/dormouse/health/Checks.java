package dev.dormouse.health;

import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.StatusRange;
import dev.dormouse.core.Tls;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The checks, over plain sockets: one attempt per call, bounded by the timeout, allocation-light, so the
 * idle watcher can poll them every few milliseconds while a route wakes.
 */
public final class Checks {
    private Checks() {}

    /**
     * The check a route gets, chosen by its target's scheme; a container with its own HEALTHCHECK is asked
     * first. {@code current} says where the route's requests go now (for a target that names no host, the
     * container's address as last found).
     */
    public static HealthCheck forRoute(RouteConfig route, java.util.function.Supplier<URI> current, Optional<Provider> provider) {
        HealthCheck target = !route.targetFromContainer() ? forTarget(route.target(), route.healthcheck(), route.healthcheck().expectedStatus()) : timeout -> {
            URI t = current.get();
            if (t.getHost() == null) return CheckResult.error(System.nanoTime(), "the container's address is not known yet");
            return forTarget(t, route.healthcheck(), route.healthcheck().expectedStatus()).check(timeout);
        };
        if (provider.isEmpty() || route.container().isEmpty()) return target;
        return container(provider.get(), route.container().get().id(), target);
    }

    /** HTTP(S)/h2c: an answer in {@code expected}; TCP: a connection; UDP: the port is bound. */
    public static HealthCheck forTarget(URI target, HealthcheckConfig hc, StatusRange expected) {
        return switch (target.getScheme()) {
            case "tcp" -> timeout -> tcp(target, timeout);
            case "udp" -> hc.send().isEmpty() ? timeout -> udp(target, timeout) : timeout -> udpAnswer(target, hc, timeout);
            default -> timeout -> http(target, hc, expected, timeout);
        };
    }

    /** The container's own HEALTHCHECK when it has one, else {@code fallback}; a stopped container fails. */
    public static HealthCheck container(Provider provider, String container, HealthCheck fallback) {
        return timeout -> {
            long t0 = System.nanoTime();
            ContainerState s;
            try {
                s = provider.inspect(container);
            } catch (RuntimeException e) {
                return CheckResult.error(t0, e.getMessage());
            }
            if (s.status() != ContainerStatus.RUNNING) {
                return CheckResult.fail(t0, "container " + container + " is " + s.status().name().toLowerCase(java.util.Locale.ROOT));
            }
            return switch (s.health()) {
                case HEALTHY -> CheckResult.pass(t0, "container healthy");
                case UNHEALTHY -> CheckResult.fail(t0, "container unhealthy");
                case STARTING -> CheckResult.fail(t0, "container health starting");
                case NONE -> fallback.check(timeout);
            };
        };
    }

    static CheckResult tcp(URI target, Duration timeout) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.getHost(), target.getPort()), millis(timeout));
            return CheckResult.pass(t0, "connected");
        } catch (IOException e) {
            return CheckResult.error(t0, describe(e));
        }
    }

    /**
     * UDP has no handshake: an empty datagram to a port nobody has bound comes back as ICMP port
     * unreachable on a connected socket. Silence or any answer means something listens.
     */
    static CheckResult udp(URI target, Duration timeout) {
        long t0 = System.nanoTime();
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(target.getHost(), target.getPort()));
            s.setSoTimeout(Math.min(millis(timeout), 50));
            s.send(new DatagramPacket(new byte[0], 0));
            s.receive(new DatagramPacket(new byte[1], 1));
            return CheckResult.pass(t0, "answered");
        } catch (PortUnreachableException e) {
            return CheckResult.error(t0, "port unreachable");
        } catch (SocketTimeoutException e) {
            return CheckResult.pass(t0, "port bound");
        } catch (IOException e) {
            return CheckResult.error(t0, describe(e));
        }
    }

    /** Sends the configured payload; healthy when an answer comes (containing {@code expect}, if set). */
    static CheckResult udpAnswer(URI target, HealthcheckConfig hc, Duration timeout) {
        long t0 = System.nanoTime();
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(target.getHost(), target.getPort()));
            s.setSoTimeout(millis(timeout));
            byte[] out = hc.send().getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(out, out.length));
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            String answer = new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
            if (hc.expect().isEmpty() || answer.contains(hc.expect())) return CheckResult.pass(t0, "answered");
            return CheckResult.fail(t0, "answer without '" + hc.expect() + "'");
        } catch (PortUnreachableException e) {
            return CheckResult.error(t0, "port unreachable");
        } catch (IOException e) {
            return CheckResult.error(t0, describe(e));
        }
    }

    static CheckResult http(URI target, HealthcheckConfig hc, StatusRange expected, Duration timeout) {
        long t0 = System.nanoTime();
        int ms = millis(timeout);
        boolean https = target.getScheme().equals("https");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.getHost(), target.getPort()), ms);
            s.setSoTimeout(ms);
            Socket io = s;
            if (https) {
                SSLSocket ssl = (SSLSocket) Tls.client(hc.insecureSkipVerify()).getSocketFactory()
                        .createSocket(s, target.getHost(), target.getPort(), true);
                if (!hc.insecureSkipVerify()) {
                    SSLParameters p = ssl.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(p);
                }
                ssl.startHandshake();
                io = ssl;
            }
            int status = status(io, target, hc);
            if (status < 0) return CheckResult.error(t0, "not an HTTP answer");
            return expected.matches(status) ? CheckResult.pass(t0, "HTTP " + status) : CheckResult.fail(t0, "HTTP " + status);
        } catch (SSLException e) {
            return CheckResult.error(t0, "TLS: " + e.getMessage());
        } catch (IOException e) {
            return CheckResult.error(t0, describe(e));
        }
    }

    private static int status(Socket s, URI target, HealthcheckConfig hc) throws IOException {
        String base = target.getRawPath() == null ? "" : target.getRawPath();
        String path = base.endsWith("/") && hc.path().startsWith("/") ? base + hc.path().substring(1) : base + hc.path();
        String req = hc.method() + " " + path + " HTTP/1.1\r\nHost: " + target.getHost() + ":" + target.getPort()
                + "\r\nUser-Agent: dormouse-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(req.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[12];
        int n = 0;
        while (n < 12) {
            int r = in.read(buf, n, 12 - n);
            if (r < 0) break;
            n += r;
        }
        if (n < 12 || buf[0] != 'H' || buf[1] != 'T' || buf[2] != 'T' || buf[3] != 'P' || buf[8] != ' ') return -1;
        int status = 0;
        for (int i = 9; i < 12; i++) {
            if (buf[i] < '0' || buf[i] > '9') return -1;
            status = status * 10 + (buf[i] - '0');
        }
        return status;
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectException) return "connection refused";
        if (e instanceof SocketTimeoutException) return "timed out";
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
