package dev.dormouse.provider.proxmox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 to one PVE origin over plain or TLS sockets, with a small pool of idle connections.
 *
 * <p>Why not the JDK's client: a server (or a proxy) may close a kept-alive connection at any moment, and
 * a request sent on it then fails with no answer. For a read that is harmless, it is sent again; for an
 * action nobody can tell whether PVE got it, and that must be known before deciding to resend. So:
 * <ul>
 * <li>a read ({@code idempotent}) takes the most recently used idle connection that is still open (a
 *     non-blocking look for the peer's close before reuse) and is sent again on a new connection when a
 *     reused one breaks before any byte of the answer;</li>
 * <li>an action always opens its own connection and is never sent twice: a failure once its bytes were
 *     written is reported as such, since PVE may have run it;</li>
 * <li>{@code Connection: close} is honoured, an idle connection is not reused after the server's
 *     {@code Keep-Alive: timeout=} less a second (at most {@link #MAX_IDLE_TIME}), and at most
 *     {@link #MAX_IDLE} connections are kept.</li>
 * </ul>
 * Answers are bounded ({@link PveConnection#MAX_HEAD}, {@link PveConnection#MAX_BODY}) and every exchange has one deadline.
 */
final class PveHttp implements AutoCloseable {
    static final int MAX_IDLE = 4;
    static final Duration MAX_IDLE_TIME = Duration.ofSeconds(10);
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /** A failure of one exchange; {@link #written} tells whether the request may have reached the server. */
    static final class ExchangeException extends IOException {
        final boolean written;

        ExchangeException(IOException cause, boolean written) {
            super(cause.getMessage(), cause);
            this.written = written;
        }
    }

    private final String host;
    private final int port;
    private final String authority;
    private final Optional<SSLSocketFactory> tls;
    private final boolean verifyHostname;
    private final Deque<PveConnection> idle = new ArrayDeque<>();
    private boolean closed;

    PveHttp(URI origin, Optional<SSLSocketFactory> tls, boolean verifyHostname) {
        String h = origin.getHost();
        this.host = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
        this.port = origin.getPort() > 0 ? origin.getPort() : tls.isPresent() ? 443 : 80;
        this.authority = origin.getRawAuthority();
        this.tls = tls;
        this.verifyHostname = verifyHostname;
    }

    /**
     * One request and its answer. {@code headers} are name, value pairs; {@code body} is sent with a
     * {@code Content-Length} unless it is empty and the request is a read.
     *
     * @throws ExchangeException telling whether the request was written; a {@link SocketTimeoutException}
     *     cause means no answer before {@code timeout}
     */
    PveConnection.Response exchange(String method, String target, List<String> headers, byte[] body, boolean idempotent, Duration timeout)
            throws ExchangeException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] request = request(method, target, headers, body, idempotent);
        // Each stale connection is dropped on the way, so the last round always has a new one.
        for (int round = 0; ; round++) {
            PveConnection c = idempotent && round <= MAX_IDLE ? pooled() : null;
            boolean reused = c != null;
            if (c == null) {
                try {
                    c = open();
                } catch (IOException e) {
                    throw new ExchangeException(e, false);
                }
            }
            try {
                PveConnection.Response r = c.exchange(request, deadline);
                release(c);
                return r;
            } catch (IOException e) {
                c.close();
                // A kept-alive connection the server closed meanwhile: the read goes again on another.
                if (reused && !c.answered && !(e instanceof SocketTimeoutException)) continue;
                throw new ExchangeException(e, c.written);
            }
        }
    }

    private byte[] request(String method, String target, List<String> headers, byte[] body, boolean idempotent) {
        StringBuilder b = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(authority)
                .append("\r\nUser-Agent: dormouse\r\n");
        for (int i = 0; i + 1 < headers.size(); i += 2) b.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
        if (body.length > 0 || !idempotent) b.append("Content-Length: ").append(body.length).append("\r\n");
        byte[] head = b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** The most recently used idle connection that is still fit for reuse; others are closed on the way. */
    private PveConnection pooled() {
        while (true) {
            PveConnection c;
            synchronized (this) {
                c = idle.pollFirst();
            }
            if (c == null) return null;
            if (System.nanoTime() < c.reuseUntil && c.open()) return c;
            c.close();
        }
    }

    private void release(PveConnection c) {
        if (!c.keepAlive) {
            c.close();
            return;
        }
        PveConnection evicted = null;
        synchronized (this) {
            if (closed) {
                evicted = c;
            } else {
                idle.addFirst(c);
                if (idle.size() > MAX_IDLE) evicted = idle.pollLast();
            }
        }
        if (evicted != null) evicted.close();
    }

    private PveConnection open() throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            if (tls.isEmpty()) return new PveConnection(raw, raw);
            SSLSocket s = (SSLSocket) tls.get().createSocket(raw, host, port, true);
            SSLParameters p = s.getSSLParameters();
            if (verifyHostname) p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!host.contains(":") && !host.matches("[0-9.]+")) p.setServerNames(List.of(new SNIHostName(host)));
            s.setSSLParameters(p);
            s.setSoTimeout(CONNECT_TIMEOUT_MS);
            s.startHandshake();
            return new PveConnection(raw, s);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Closes the idle connections; connections in use close when their exchange ends. */
    @Override
    public void close() {
        List<PveConnection> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(idle);
            idle.clear();
        }
        all.forEach(PveConnection::close);
    }
}
