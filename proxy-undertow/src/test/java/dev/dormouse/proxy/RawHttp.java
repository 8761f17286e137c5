package dev.dormouse.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw-socket HTTP/1.1 client for tests: sends exact bytes, reads one final response, tells whether the server
 * closed. Over TLS (ALPN {@code http/1.1}) the handshake runs at the first write or read.
 */
final class RawHttp implements AutoCloseable {
    /** A response: status line, header lines, body. */
    record Response(String statusLine, List<String> headers, String body) {
        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) return h.substring(prefix.length()).strip();
            }
            return null;
        }
    }

    private final Socket socket;
    private final InputStream in;

    RawHttp(int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    /** Over TLS, with SNI {@code sni}, offering only HTTP/1.1. */
    RawHttp(int port, int timeoutMillis, SSLContext tls, String sni) throws IOException {
        Socket tcp = new Socket();
        tcp.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(tcp, sni, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.setSoTimeout(timeoutMillis);
        socket = s;
        in = new java.io.BufferedInputStream(s.getInputStream());
    }

    RawHttp send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] raw) throws IOException {
        socket.getOutputStream().write(raw);
        socket.getOutputStream().flush();
        return this;
    }

    /** The next final response (1xx skipped), or null when the connection ends first. */
    Response response() throws IOException {
        while (true) {
            String status = line();
            if (status == null) return null;
            List<String> headers = new ArrayList<>();
            for (String h; (h = line()) != null && !h.isEmpty(); ) headers.add(h);
            Response r = new Response(status, headers, "");
            if (r.status() < 200) continue;
            String cl = r.header("Content-Length");
            byte[] body = cl == null ? new byte[0] : in.readNBytes(Integer.parseInt(cl));
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        }
    }

    /** Whether the server ends the connection (EOF or reset) before the socket's read timeout. */
    boolean closedByServer() throws IOException {
        try {
            byte[] b = new byte[4096];
            while (true) {
                if (in.read(b) < 0) return true;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException | SSLException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        try {
            for (int c; (c = in.read()) >= 0; ) {
                if (prev == '\r' && c == '\n') {
                    byte[] a = b.toByteArray();
                    return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
                prev = c;
            }
        } catch (SocketException | SSLException e) {
            return null;
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
