package dev.dormouse.tls.testkit;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real HTTPS server for handshake tests: the JDK's HttpsServer, which (like Undertow) creates an SSLEngine
 * per connection from the context and applies the context's default parameters, answering {@code hello}.
 * Optionally it sets ALPN protocols on each engine the way Undertow's HTTP/2 listener does. The static
 * helpers are a client: a handshake with SNI, protocols, suites and ALPN of choice, and a keep-alive GET.
 */
public final class TestHttpsServer implements AutoCloseable {
    private final HttpsServer server;

    public TestHttpsServer(SSLContext context, List<String> alpn) {
        this(context, alpn, 0);
    }

    public TestHttpsServer(SSLContext context, List<String> alpn, int port) {
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                if (!alpn.isEmpty()) p.setApplicationProtocols(alpn.toArray(String[]::new));
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A client with its own context (so no session is resumed) trusting {@code ca}. */
    public static SSLSocket connect(int port, X509Certificate ca, String sni, List<String> protocols, List<String> suites, List<String> alpn) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        if (sni != null) p.setServerNames(List.of(new SNIHostName(sni)));
        if (!protocols.isEmpty()) p.setProtocols(protocols.toArray(String[]::new));
        if (!suites.isEmpty()) p.setCipherSuites(suites.toArray(String[]::new));
        if (!alpn.isEmpty()) p.setApplicationProtocols(alpn.toArray(String[]::new));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    public static SSLSocket connect(int port, X509Certificate ca, String sni) throws Exception {
        return connect(port, ca, sni, List.of(), List.of(), List.of());
    }

    /** One keep-alive HTTP/1.1 GET on an open connection; returns the body. */
    public static String get(SSLSocket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + head);
            head.append((char) b);
        }
        int len = Integer.parseInt(head.toString().lines().filter(l -> l.toLowerCase().startsWith("content-length:")).findFirst()
                .orElseThrow().substring(15).strip());
        return new String(in.readNBytes(len), StandardCharsets.US_ASCII);
    }

    public static X509Certificate peer(SSLSocket s) throws Exception {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
}
