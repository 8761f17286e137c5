package dev.dormouse.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/2 client for tests of the bounds: writes exact frames (header blocks as HPACK literals, never
 * indexed, never Huffman-coded), reads frames as they come (acknowledging the server's SETTINGS) without
 * decoding header blocks. Over TLS it negotiates {@code h2} by ALPN; in the clear it uses prior knowledge.
 */
final class RawH2 implements AutoCloseable {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
    private static final int MAX_FRAME = 16_384;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** A SETTINGS value the server sent, or -1. */
        long setting(int id) {
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int at = (payload[i] & 0xff) << 8 | payload[i + 1] & 0xff;
                if (at == id) return (payload[i + 2] & 0xffL) << 24 | (payload[i + 3] & 0xffL) << 16 | (payload[i + 4] & 0xffL) << 8 | payload[i + 5] & 0xffL;
            }
            return -1;
        }

        /** The error code of RST_STREAM or GOAWAY. */
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8 | payload[at + 3] & 0xff;
        }

        @Override
        public String toString() {
            return "Frame[type=" + type + ", flags=" + flags + ", stream=" + stream + ", length=" + payload.length + "]";
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawH2(Socket socket, int timeoutMillis) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(timeoutMillis);
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** h2c with prior knowledge; nothing is sent yet. */
    static RawH2 plain(int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        return new RawH2(s, timeoutMillis);
    }

    /** Over TLS with ALPN {@code h2} and SNI {@code sni}; the handshake is done, nothing else sent. */
    static RawH2 tls(int port, SSLContext context, String sni, int timeoutMillis) throws IOException {
        Socket tcp = new Socket();
        tcp.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(tcp, sni, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        s.setSoTimeout(timeoutMillis);
        s.startHandshake();
        if (!"h2".equals(s.getApplicationProtocol())) throw new IOException("ALPN chose '" + s.getApplicationProtocol() + "', not h2");
        return new RawH2(s, timeoutMillis);
    }

    /** The connection preface and an empty SETTINGS frame. */
    RawH2 preface() throws IOException {
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        return this;
    }

    RawH2 raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** A request's header block ({@code name, value, ...}), split into HEADERS and CONTINUATION frames as needed. */
    RawH2 headers(int stream, boolean endStream, String... fields) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            block.write(0x00);
            string(block, fields[i]);
            string(block, fields[i + 1]);
        }
        byte[] b = block.toByteArray();
        int first = Math.min(b.length, MAX_FRAME);
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        writeFrame(frames, HEADERS, (endStream ? END_STREAM : 0) | (first == b.length ? END_HEADERS : 0), stream, b, 0, first);
        for (int at = first; at < b.length; at += MAX_FRAME) {
            int n = Math.min(MAX_FRAME, b.length - at);
            writeFrame(frames, CONTINUATION, at + n == b.length ? END_HEADERS : 0, stream, b, at, n);
        }
        out.write(frames.toByteArray());
        out.flush();
        return this;
    }

    /** A GET with the usual pseudo-header fields and any more fields. */
    RawH2 get(int stream, String scheme, String authority, String path, String... more) throws IOException {
        String[] fields = new String[8 + more.length];
        String[] pseudo = {":method", "GET", ":scheme", scheme, ":authority", authority, ":path", path};
        System.arraycopy(pseudo, 0, fields, 0, 8);
        System.arraycopy(more, 0, fields, 8, more.length);
        return headers(stream, true, fields);
    }

    RawH2 data(int stream, byte[] data, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, data);
        return this;
    }

    RawH2 frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeFrame(b, type, flags, stream, payload, 0, payload.length);
        out.write(b.toByteArray());
        out.flush();
        return this;
    }

    private static void writeFrame(ByteArrayOutputStream b, int type, int flags, int stream, byte[] payload, int off, int len) {
        b.write(len >>> 16);
        b.write(len >>> 8);
        b.write(len);
        b.write(type);
        b.write(flags);
        b.write(stream >>> 24 & 0x7f);
        b.write(stream >>> 16);
        b.write(stream >>> 8);
        b.write(stream);
        b.write(payload, off, len);
    }

    /** An HPACK string literal, not Huffman-coded: a 7-bit-prefix length, then the bytes. */
    private static void string(ByteArrayOutputStream b, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = v.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write(n % 128 + 128);
                n /= 128;
            }
            b.write(n);
        }
        b.write(v, 0, v.length);
    }

    /** The next frame, or null when the server closed; the server's SETTINGS and PINGs are acknowledged. */
    Frame read() throws IOException {
        byte[] h = new byte[9];
        try {
            in.readFully(h);
        } catch (EOFException | SocketException | SSLException e) {
            return null;
        }
        int len = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | h[2] & 0xff;
        byte[] payload = new byte[len];
        try {
            in.readFully(payload);
        } catch (EOFException | SocketException | SSLException e) {
            return null;
        }
        Frame f = new Frame(h[3] & 0xff, h[4] & 0xff, (h[5] & 0x7f) << 24 | (h[6] & 0xff) << 16 | (h[7] & 0xff) << 8 | h[8] & 0xff, payload);
        try {
            if (f.type() == SETTINGS && (f.flags() & 0x1) == 0) frame(SETTINGS, 0x1, 0, new byte[0]);
            if (f.type() == PING && (f.flags() & 0x1) == 0) frame(PING, 0x1, 0, f.payload());
        } catch (IOException e) {
            // the server may already have closed; the frame is still news
        }
        return f;
    }

    /** Reads until a frame matches; null when the server closed first. */
    Frame await(Predicate<Frame> match) throws IOException {
        for (Frame f; (f = read()) != null; ) {
            if (match.test(f)) return f;
        }
        return null;
    }

    /** Whether the server ends the connection before the read timeout (frames before the end are skipped). */
    boolean closedByServer() throws IOException {
        try {
            return await(f -> false) == null;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
