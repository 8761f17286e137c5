package dev.dormouse.provider.proxmox;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * One HTTP/1.1 connection to PVE, used by one exchange at a time: writes a request, reads its answer
 * (status, headers, a body framed by {@code Content-Length}, chunks or the connection's end) and tells
 * whether it may be reused.
 */
final class PveConnection {
    static final int MAX_HEAD = 64 * 1024;
    static final int MAX_BODY = 32 * 1024 * 1024;

    /** An answer: its status and body. */
    record Response(int status, byte[] body) {}

    private final Socket raw;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    boolean written;
    boolean answered;
    boolean keepAlive;
    long reuseUntil;

    PveConnection(Socket raw, Socket socket) throws IOException {
        this.raw = raw;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = socket.getOutputStream();
    }

    /**
     * True unless the peer has closed (or sent anything, which an idle HTTP/1.1 connection must not):
     * a read on the plain socket that gives up after a millisecond. Bytes read here are lost, but the
     * connection is then closed anyway.
     */
    boolean open() {
        try {
            if (in.available() > 0) return false;
            raw.setSoTimeout(1);
            return raw.getInputStream().read() < 0 ? false : false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Response exchange(byte[] request, long deadline) throws IOException {
        written = false;
        answered = false;
        keepAlive = false;
        written = true;
        socket.setSoTimeout(remaining(deadline));
        out.write(request);
        out.flush();
        while (true) {
            Head h = head(deadline);
            if (h.status >= 100 && h.status < 200) continue;
            byte[] body = body(h, deadline);
            keepAlive = h.keepAlive && h.framed;
            long window = Math.min(PveHttp.MAX_IDLE_TIME.toMillis(), h.keepAliveSeconds.map(s -> s * 1000 - 1000).orElse(Long.MAX_VALUE));
            reuseUntil = System.nanoTime() + Math.max(0, window) * 1_000_000;
            if (window <= 0) keepAlive = false;
            return new Response(h.status, body);
        }
    }

    private record Head(int status, boolean keepAlive, boolean framed, long length, boolean chunked, Optional<Long> keepAliveSeconds) {}

    private Head head(long deadline) throws IOException {
        String status = line(deadline, MAX_HEAD);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) throw new IOException("not an HTTP/1.x answer: " + limit(status));
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + limit(status));
        }
        boolean http11 = parts[0].equals("HTTP/1.1");
        String connection = "";
        long length = -1;
        boolean chunked = false;
        Optional<Long> keepAliveSeconds = Optional.empty();
        int used = status.length();
        for (String l; !(l = line(deadline, MAX_HEAD - used)).isEmpty(); ) {
            used += l.length() + 2;
            int colon = l.indexOf(':');
            if (colon <= 0) continue;
            String name = l.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = l.substring(colon + 1).strip();
            switch (name) {
                case "connection" -> connection = value.toLowerCase(Locale.ROOT);
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + limit(value));
                    }
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "keep-alive" -> keepAliveSeconds = timeout(value);
                default -> { }
            }
        }
        boolean keep = http11 ? !connection.contains("close") : connection.contains("keep-alive");
        boolean empty = code == 204 || code == 304 || (code >= 100 && code < 200);
        return new Head(code, keep, empty || chunked || length >= 0, empty ? 0 : length, !empty && chunked, keepAliveSeconds);
    }

    private static Optional<Long> timeout(String keepAlive) {
        for (String p : keepAlive.split(",")) {
            String[] kv = p.strip().split("=", 2);
            if (kv.length == 2 && kv[0].strip().equalsIgnoreCase("timeout")) {
                try {
                    return Optional.of(Long.parseLong(kv[1].strip()));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private byte[] body(Head h, long deadline) throws IOException {
        if (h.chunked) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line(deadline, 1024);
                int semi = size.indexOf(';');
                long n;
                try {
                    n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + limit(size));
                }
                if (n == 0) break;
                if (n < 0 || b.size() + n > MAX_BODY) throw new IOException("answer larger than " + MAX_BODY + " bytes");
                b.write(bytes((int) n, deadline));
                line(deadline, 2);
            }
            for (int used = 0; ; ) {
                String trailer = line(deadline, MAX_HEAD - used);
                if (trailer.isEmpty()) break;
                used += trailer.length() + 2;
            }
            return b.toByteArray();
        }
        if (h.length > MAX_BODY) throw new IOException("answer larger than " + MAX_BODY + " bytes");
        if (h.length >= 0) return bytes((int) h.length, deadline);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = readSome(buf, deadline)) >= 0; ) {
            if (b.size() + n > MAX_BODY) throw new IOException("answer larger than " + MAX_BODY + " bytes");
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }

    private byte[] bytes(int n, long deadline) throws IOException {
        byte[] b = new byte[n];
        for (int off = 0; off < n; ) {
            socket.setSoTimeout(remaining(deadline));
            int r = in.read(b, off, n - off);
            if (r < 0) throw new IOException("connection closed after " + off + " of " + n + " bytes of the answer");
            off += r;
        }
        return b;
    }

    private int readSome(byte[] buf, long deadline) throws IOException {
        socket.setSoTimeout(remaining(deadline));
        return in.read(buf);
    }

    /** One line without its CRLF, at most {@code max} bytes. */
    private String line(long deadline, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        while (true) {
            socket.setSoTimeout(remaining(deadline));
            int c = in.read();
            if (c < 0) throw new IOException(answered ? "connection closed in the middle of the answer" : "connection closed before an answer");
            answered = true;
            if (c == '\n') break;
            if (b.size() >= max) throw new IOException("answer head longer than " + MAX_HEAD + " bytes");
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static int remaining(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) throw new SocketTimeoutException("no answer before the deadline");
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    private static String limit(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do with it
        }
    }
}
