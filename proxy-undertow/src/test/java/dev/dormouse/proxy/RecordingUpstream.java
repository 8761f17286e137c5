package dev.dormouse.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A raw HTTP/1.1 upstream for tests: records the exact bytes of each connection and each request it can parse
 * (framed by one Content-Length or by chunked), answers each with {@code 200 ok}, and records a request whose
 * framing is ambiguous as a problem, then closes that connection.
 */
final class RecordingUpstream implements AutoCloseable {
    /** One request as the upstream read it: its request line, header lines, body, and the framing it used. */
    record Request(int connection, String line, List<String> headers, byte[] body, String framing) {
        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) return h.substring(prefix.length()).strip();
            }
            return null;
        }

        List<String> all(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            List<String> out = new ArrayList<>();
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) out.add(h.substring(prefix.length()).strip());
            }
            return out;
        }
    }

    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Framing problems seen: anything here is a request an upstream could have read two ways. */
    final List<String> problems = new CopyOnWriteArrayList<>();
    /** Requests whose body never completed before the proxy closed the connection: never served, never a second request. */
    final List<String> aborted = new CopyOnWriteArrayList<>();
    final List<ByteArrayOutputStream> raw = new CopyOnWriteArrayList<>();
    private final ServerSocket server;

    RecordingUpstream() throws IOException {
        server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("recording-upstream").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                raw.add(bytes);
                int id = raw.size() - 1;
                Thread.ofVirtual().start(() -> serve(s, id, bytes));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int id, ByteArrayOutputStream bytes) {
        try (s; InputStream in = new Tee(new java.io.BufferedInputStream(s.getInputStream()), bytes); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) return;
                String[] lines = head.split("\r\n", -1);
                List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
                Request probe = new Request(id, lines[0], headers, new byte[0], "");
                List<String> te = probe.all("Transfer-Encoding");
                List<String> cl = probe.all("Content-Length");
                byte[] body;
                String framing;
                if (!te.isEmpty() && !cl.isEmpty() || te.size() > 1 || cl.size() > 1) {
                    problems.add("two framings in '" + lines[0] + "': " + headers);
                    return;
                } else if (!te.isEmpty()) {
                    if (!te.get(0).equalsIgnoreCase("chunked")) {
                        problems.add("transfer coding '" + te.get(0) + "' in '" + lines[0] + "'");
                        return;
                    }
                    body = readChunked(in);
                    framing = "chunked";
                } else if (!cl.isEmpty()) {
                    if (!cl.get(0).matches("[0-9]{1,18}")) {
                        problems.add("content-length '" + cl.get(0) + "' in '" + lines[0] + "'");
                        return;
                    }
                    body = in.readNBytes(Integer.parseInt(cl.get(0)));
                    framing = "length";
                } else {
                    body = new byte[0];
                    framing = "none";
                }
                if (body == null) {
                    aborted.add(lines[0]);
                    return;
                }
                requests.add(new Request(id, lines[0], headers, body, framing));
                out.write(OK);
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    /** The head up to the empty line, without it; null at end of stream; a bare LF is an error. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int last4 = 0;
        for (int c; (c = in.read()) >= 0; ) {
            b.write(c);
            last4 = (last4 << 8) | c;
            if (last4 == 0x0d0a0d0a) {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        if (b.size() > 0) throw new IOException("head cut short");
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        for (int c; (c = in.read()) >= 0; ) {
            if (prev == '\r' && c == '\n') {
                byte[] a = b.toByteArray();
                return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            prev = c;
        }
        return null;
    }

    /** A chunked body, or null when it ends early or a chunk size is not hex. */
    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            if (size == null) return null;
            int semi = size.indexOf(';');
            String hex = (semi < 0 ? size : size.substring(0, semi)).strip();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) return null;
            int n = Integer.parseInt(hex, 16);
            if (n == 0) {
                for (String t; (t = readLine(in)) != null; ) {
                    if (t.isEmpty()) return body.toByteArray();
                }
                return null;
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n) return null;
            body.write(chunk);
            if (!"".equals(readLine(in))) return null;
        }
    }

    /** Every request line the upstream saw. */
    List<String> lines() {
        return requests.stream().map(Request::line).toList();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** Copies what is read into a buffer, so a test can see the exact bytes the proxy sent. */
    private static final class Tee extends InputStream {
        private final InputStream in;
        private final ByteArrayOutputStream copy;

        Tee(InputStream in, ByteArrayOutputStream copy) {
            this.in = in;
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int c = in.read();
            if (c >= 0) {
                synchronized (copy) {
                    copy.write(c);
                }
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                synchronized (copy) {
                    copy.write(b, off, n);
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
