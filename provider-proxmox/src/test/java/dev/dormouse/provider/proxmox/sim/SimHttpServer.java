package dev.dormouse.provider.proxmox.sim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The simulator's HTTP/1.1 server, written on sockets so that tests decide how connections end, as real
 * servers and proxies do: keep-alive (the default), closed after every answer without saying so, closed
 * after an idle time (announced in {@code Keep-Alive: timeout=} or not), or cut right after a request
 * arrived without an answer. Requests carry a {@code Content-Length} body; answers always do.
 */
final class SimHttpServer implements AutoCloseable {
    record Request(String method, String rawPath, Map<String, String> headers, byte[] body) {}

    record Reply(int status, String json) {}

    interface Handler {
        /** The answer, or empty to cut the connection without one. */
        java.util.Optional<Reply> handle(Request r) throws IOException;
    }

    private final ServerSocket server;
    private final boolean tls;
    private final Handler handler;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Close every connection after its answer, without a {@code Connection: close} header. */
    volatile boolean closeAfterAnswer;
    /** Close a connection idle this long between requests; 0 keeps it open. */
    volatile long idleTimeoutMillis;
    /** Announce {@link #idleTimeoutMillis} in a {@code Keep-Alive: timeout=} header. */
    volatile boolean announceKeepAlive;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger idleCloses = new AtomicInteger();
    /** Start times (nanoTime) of connections now idle between requests, by connection. */
    private final Map<Socket, Long> idleSince = new ConcurrentHashMap<>();
    private volatile boolean closed;

    SimHttpServer(SSLContext ctx, Handler handler) throws IOException {
        this.tls = ctx != null;
        this.handler = handler;
        InetAddress lo = InetAddress.getLoopbackAddress();
        server = ctx == null ? new ServerSocket(0, 128, lo) : ctx.getServerSocketFactory().createServerSocket(0, 128, lo);
        Thread.ofVirtual().name("pve-sim-accept").start(this::accept);
    }

    String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + server.getLocalPort();
    }

    /** How long the longest-idle open connection has waited for its next request, in ms; -1 when none is idle. */
    long longestIdleMillis() {
        long now = System.nanoTime();
        return idleSince.values().stream().mapToLong(t -> (now - t) / 1_000_000).max().orElse(-1);
    }

    int idleConnections() {
        return idleSince.size();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread.ofVirtual().name("pve-sim-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (!closed) {
                long idle = idleTimeoutMillis;
                s.setSoTimeout((int) idle);
                idleSince.put(s, System.nanoTime());
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    idleCloses.incrementAndGet();
                    return;
                } finally {
                    idleSince.remove(s);
                }
                if (first < 0) return;
                s.setSoTimeout(10_000);
                Request r = read(first, in);
                java.util.Optional<Reply> reply = handler.handle(r);
                if (reply.isEmpty()) return;
                byte[] b = reply.get().json().getBytes(StandardCharsets.UTF_8);
                StringBuilder h = new StringBuilder("HTTP/1.1 ").append(reply.get().status()).append(' ').append(reason(reply.get().status()))
                        .append("\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: ").append(b.length).append("\r\n");
                if (announceKeepAlive && idle > 0) h.append("Keep-Alive: timeout=").append(Math.max(1, idle / 1000)).append("\r\n");
                out.write(h.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
                if (closeAfterAnswer) return;
            }
        } catch (SocketException e) {
            // the client went away
        } catch (IOException e) {
            // a broken request ends its connection
        } finally {
            open.remove(s);
        }
    }

    private static Request read(int first, InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(first);
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) throw new IOException("request cut");
            head.write(c);
            if (head.size() > 65_536) throw new IOException("request head too long");
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] start = lines[0].split(" ");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) throw new IOException("request body cut");
        return new Request(start[0], start[1], headers, body);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 401 -> "authentication failure";
            case 501 -> "Not Implemented";
            default -> "Error";
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
