package dev.dormouse.tls.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Pebble (Debian's {@code pebble} package, an RFC 8555 test CA) and its {@code pebble-challtestsrv}
 * as the DNS server that answers 127.0.0.1 for every name, as child processes on free 127.0.0.1 ports with
 * a generated config. Validation goes to the ports the test's own listeners use ({@code httpPort} for
 * HTTP-01, {@code tlsPort} for TLS-ALPN-01). Pebble's HTTPS certificate is made by a {@link TestCa} at
 * start; {@link #caFile()} trusts it. {@code PEBBLE_VA_NOSLEEP=1}: validation starts at once.
 *
 * <p>Installs nothing itself: it runs {@code scripts/test-pebble.sh} (found upwards from the working
 * directory), which installs the package when missing (as root).
 */
public final class TestPebble implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int managementPort;
    private final Path caFile;
    private final List<Process> processes = new ArrayList<>();
    private X509Certificate root;

    private TestPebble(Path dir, int port, int managementPort, Path caFile) {
        this.dir = dir;
        this.port = port;
        this.managementPort = managementPort;
        this.caFile = caFile;
    }

    /**
     * Starts challtestsrv and Pebble.
     *
     * @param httpPort where Pebble sends HTTP-01 validation requests (127.0.0.1)
     * @param tlsPort where Pebble makes TLS-ALPN-01 validation handshakes (127.0.0.1)
     * @param validity the lifetime of issued certificates; empty for Pebble's default (five years)
     * @param dir working directory for config, certificates and logs
     */
    public static TestPebble start(int httpPort, int tlsPort, Optional<Duration> validity, Path dir) {
        ensureInstalled();
        try {
            Files.createDirectories(dir);
            TestCa ca = TestCa.create("pebble https test CA", TestCa.KeyType.EC);
            Path caFile = ca.writeCertificate(dir.resolve("pebble-https-ca.pem"));
            ca.issue("localhost", "127.0.0.1").write(dir.resolve("pebble.pem"), dir.resolve("pebble.key"), TestCa.KeyFormat.PKCS8);
            int port = freePort();
            int managementPort = freePort();
            int dnsPort = freePort();
            int challtestsrvPort = freePort();
            String config = """
                    {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                      "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                      "ocspResponderURL": "", "externalAccountBindingRequired": false%s}}
                    """.formatted(port, managementPort, dir.resolve("pebble.pem"), dir.resolve("pebble.key"), httpPort, tlsPort,
                    validity.map(v -> ", \"certificateValidityPeriod\": " + v.toSeconds()).orElse(""));
            Files.writeString(dir.resolve("pebble-config.json"), config);
            TestPebble p = new TestPebble(dir, port, managementPort, caFile);
            try {
                p.spawn("challtestsrv", List.of("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:" + dnsPort,
                        "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + challtestsrvPort), Map.of());
                waitForPort(challtestsrvPort, Duration.ofSeconds(20), dir.resolve("challtestsrv.log"));
                p.spawn("pebble", List.of("pebble", "-config", dir.resolve("pebble-config.json").toString(), "-dnsserver", "127.0.0.1:" + dnsPort),
                        Map.of("PEBBLE_VA_NOSLEEP", "1"));
                waitForPort(port, Duration.ofSeconds(20), dir.resolve("pebble.log"));
                return p;
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ACME directory URL, {@code https://127.0.0.1:<port>/dir}. */
    public URI directory() {
        return URI.create("https://127.0.0.1:" + port + "/dir");
    }

    /** PEM of the CA that signed Pebble's own HTTPS certificate (for {@code tls.acme.ca_file}). */
    public Path caFile() {
        return caFile;
    }

    /** Pebble's log (what it validated and why it refused). */
    public String log() {
        try {
            return Files.readString(dir.resolve("pebble.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The root that signs what Pebble issues (new at every start), from its management interface; fetched once. */
    public synchronized X509Certificate issuingRoot() {
        if (root == null) root = fetchRoot();
        return root;
    }

    private X509Certificate fetchRoot() {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(caFile)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            try (HttpClient c = HttpClient.newBuilder().sslContext(ssl).build()) {
                HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(r.body()));
            }
        } catch (Exception e) {
            throw new IllegalStateException("fetch Pebble's root: " + e, e);
        }
    }

    /** Stops Pebble and challtestsrv (what a CA outage looks like); waits until they are gone. */
    public void stop() {
        for (Process p : processes) p.destroy();
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    @Override
    public void close() {
        stop();
    }

    private void spawn(String name, List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        processes.add(pb.start());
    }

    /** Runs scripts/test-pebble.sh (found upwards from the working directory). */
    public static void ensureInstalled() {
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !Files.exists(d.resolve("scripts/test-pebble.sh"))) d = d.getParent();
        if (d == null) throw new IllegalStateException("scripts/test-pebble.sh not found above " + Path.of("").toAbsolutePath());
        try {
            Process p = new ProcessBuilder("bash", d.resolve("scripts/test-pebble.sh").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("Pebble not ready:\n" + out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void waitForPort(int port, Duration bound, Path log) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                // Deadline of a wait for the real Pebble process, whose time is not ours.
                if (System.nanoTime() > deadline) {
                    String out;
                    try {
                        out = Files.readString(log);
                    } catch (IOException e2) {
                        out = "(no log)";
                    }
                    throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " after " + bound + "; log:\n" + out);
                }
                // Pebble's port answers when it answers: poll with the deadline above.
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                if (Thread.currentThread().isInterrupted()) throw new IllegalStateException("interrupted");
            }
        }
    }
}
