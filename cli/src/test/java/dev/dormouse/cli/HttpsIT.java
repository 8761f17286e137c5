package dev.dormouse.cli;

import static dev.dormouse.cli.ServeIT.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.cli.testkit.PromText;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.TlsCertificate;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.tls.testkit.TestCa;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.util.Headers;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS front door of the real daemon, as clients see it (curl with OpenSSL and nghttp2, the JDK's TLS, a real
 * Chromium): certificates made by a test CA at test time, an in-process upstream or a real container.
 */
class HttpsIT {
    /** A body large enough that its download spans a certificate swap: 24 MiB at about 4 MiB/s. */
    private static final int BIG = 24 << 20;
    private static final int CHUNK = 64 << 10;
    private static TestCa ca;
    private static byte[] big;

    @TempDir
    Path dir;
    private Path caFile;
    private Daemon daemon;
    private Undertow app;
    private int appPort;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void tools() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        ca = TestCa.create();
        big = new byte[BIG];
        new Random(14).nextBytes(big);
    }

    @BeforeEach
    void upstream() {
        caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        appPort = TestDocker.freePort();
        // The app answers with the Host it saw and the path; /big streams BIG bytes, a chunk every 15 ms.
        app = Undertow.builder().addHttpListener(appPort, "127.0.0.1").setServerOption(UndertowOptions.ENABLE_HTTP2, false).setHandler(ex -> {
            if (ex.getRequestPath().equals("/big")) {
                if (ex.isInIoThread()) {
                    ex.dispatch(this::slowBig);
                    return;
                }
            }
            ex.getResponseSender().send("hello " + ex.getRequestHeaders().getFirst(Headers.HOST).replaceFirst(":\\d+$", "") + " " + ex.getRequestURI()
                    + (ex.getQueryString().isEmpty() ? "" : "?" + ex.getQueryString()));
        }).build();
        app.start();
    }

    private void slowBig(io.undertow.server.HttpServerExchange ex) throws Exception {
        ex.startBlocking();
        ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, BIG);
        try (OutputStream out = ex.getOutputStream()) {
            for (int at = 0; at < BIG; at += CHUNK) {
                out.write(big, at, Math.min(CHUNK, BIG - at));
                out.flush();
                // The test upstream's own artificial slowness, not a timer of the code under test.
                TimeUnit.MILLISECONDS.sleep(15);
            }
        }
    }

    @AfterEach
    void cleanup() {
        processes.forEach(Process::destroyForcibly);
        if (daemon != null) daemon.close();
        app.stop();
        TestDocker.removeAll();
    }

    // ---------------------------------------------------------------- helpers

    /** Starts a daemon with both listeners on free ports, the {@code tls:} block and the routes given. */
    private void serve(String tls, String providers, String routes) throws Exception {
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, config(tls, providers, routes));
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
    }

    private String config(String tls, String providers, String routes) {
        return "server:\n  http: \"127.0.0.1:0\"\n  https: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "tls:\n" + tls + (providers.isEmpty() ? "" : "providers:\n" + providers) + "routes:\n" + routes;
    }

    private static String files(TlsCertificate... certs) {
        StringBuilder b = new StringBuilder("  certificates:\n");
        for (TlsCertificate c : certs) b.append("    - {cert_file: \"").append(c.certFile()).append("\", key_file: \"").append(c.keyFile()).append("\"}\n");
        return b.toString();
    }

    private String appRoute(String name, String host) {
        return "  - name: " + name + "\n    hosts: [" + host + "]\n    target: http://127.0.0.1:" + appPort + "\n";
    }

    /** curl against the daemon with the test CA trusted and {@code host} resolved to 127.0.0.1 on both ports. */
    private Process curlProcess(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "--cacert", caFile.toString(), "-w", "\n%{http_version} %{response_code}"));
        for (String h : List.of("a.test", "b.test", "c.test", "w.test")) {
            cmd.addAll(List.of("--resolve", h + ":" + daemon.httpsPort() + ":127.0.0.1", "--resolve", h + ":" + daemon.httpPort() + ":127.0.0.1"));
        }
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** {@code <curl exit> <http version> <status> <body>}, e.g. {@code 0 2 200 hello a.test /x}; just the exit code when it failed. */
    private String curl(String... args) throws Exception {
        Process p = curlProcess(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        if (p.exitValue() != 0) return Integer.toString(p.exitValue());
        int nl = out.lastIndexOf('\n');
        return "0 " + out.substring(nl + 1) + " " + out.substring(0, nl);
    }

    private String https(String host, String path) {
        return "https://" + host + ":" + daemon.httpsPort() + path;
    }

    private String http(String host, String path) {
        return "http://" + host + ":" + daemon.httpPort() + path;
    }

    /** The leaf the HTTPS listener shows a fresh handshake (no session resumed) with SNI {@code host}. */
    private X509Certificate leafFor(String host) throws Exception {
        try (SSLSocket s = dev.dormouse.tls.testkit.TestHttpsServer.connect(daemon.httpsPort(), ca.certificate(), host)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    // ---------------------------------------------------------------- 1. HTTP/2 and HTTP/1.1, SNI, old protocols

    @Test
    void http2AndHttp11OverTlsWithEachHostsOwnCertificate() throws Exception {
        TestCa.Leaf a = ca.issue("a.test");
        TestCa.Leaf b = ca.issue(TestCa.KeyType.RSA, java.time.Instant.now().minusSeconds(60), java.time.Instant.now().plus(Duration.ofDays(20)), "b.test");
        serve(files(a.write(dir, "a"), b.write(dir, "b")), "", appRoute("a", "a.test") + appRoute("b", "b.test"));

        assertEquals("0 2 200 hello a.test /x?y=1", curl("--http2", https("a.test", "/x?y=1")));
        assertEquals("0 1.1 200 hello a.test /x", curl("--http1.1", https("a.test", "/x")));
        assertEquals("0 2 200 hello b.test /y", curl("--http2", https("b.test", "/y")), "curl checks the name against b's certificate");
        assertEquals(a.certificate(), leafFor("a.test"));
        assertEquals(b.certificate(), leafFor("b.test"), "the second host on the listener gets its own certificate by SNI");
        assertEquals(a.certificate(), leafFor("unknown.test"), "a name no certificate covers gets the first one");
        assertEquals("35", curl("--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", https("a.test", "/")), "TLS 1.1 refused");
        assertEquals("35", curl("--tlsv1", "--tls-max", "1.0", "--ciphers", "DEFAULT@SECLEVEL=0", https("a.test", "/")), "TLS 1.0 refused");

        ByteArrayOutputStream m = new ByteArrayOutputStream();
        daemon.writeMetrics(m);
        PromText metrics = PromText.parse(m.toString(StandardCharsets.UTF_8));
        assertEquals(b.certificate().getNotAfter().toInstant().getEpochSecond(), (long) metrics.value("dormouse_tls_certificate_expiry_seconds", "host", "b.test"));
        assertEquals(a.certificate().getNotAfter().toInstant().getEpochSecond(), (long) metrics.value("dormouse_tls_certificate_expiry_seconds", "host", "a.test"));
    }

    // ---------------------------------------------------------------- 2. h2c, and HTTP/2 during a real wake

    @Test
    void h2cAndHttp2HoldAndStreamDuringARealWake() throws Exception {
        TestDocker.ensureEngine();
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("h2-wake", port, "woken over h2");
        TestDocker.exec("stop", "-t", "5", c);
        await(c + " stopped", () -> TestDocker.inspectStatus(c).equals("exited"));
        TestCa.Leaf w = ca.issue("w.test", "a.test");
        serve(files(w.write(dir, "w")) + "  redirect_http: false\n", "  docker: [{name: local}]\n", appRoute("a", "a.test")
                + "  - name: w\n    hosts: [w.test]\n    target: http://127.0.0.1:" + port + "\n    container: " + c + "\n    idlewatcher: {idle_timeout: 1h}\n");

        assertEquals("0 2 200 hello a.test /prior", curl("--http2-prior-knowledge", http("a.test", "/prior")), "h2c with prior knowledge reaches the upstream");

        // The loading page's event stream over HTTP/2 (TLS), then a held request over h2c, during one wake.
        Process events = curlProcess("-N", "--http2", https("w.test", "/.well-known/dormouse/events"));
        BufferedReader lines = new BufferedReader(new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8));
        Process held = curlProcess("--http2-prior-knowledge", http("w.test", "/"));
        List<String> seen = new ArrayList<>();
        for (String line; (line = lines.readLine()) != null; ) {
            seen.add(line);
            if (line.equals("event: ready")) break;
        }
        assertTrue(seen.contains("event: starting") && seen.contains("event: ready"), "the wake as the page follows it: " + seen);
        assertTrue(held.waitFor(60, TimeUnit.SECONDS));
        assertEquals("woken over h2\n\n2 200", new String(held.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "held, then proxied");
        assertEquals("running", TestDocker.inspectStatus(c));
        events.destroy();

        // A browser's navigation over HTTP/2 to a sleeping route: the loading page, 503 and Retry-After.
        TestDocker.exec("stop", "-t", "5", c);
        await("the route napping", () -> daemon.watchers().get("w").orElseThrow().state().label().equals("napping"));
        Process page = curlProcess("--http2", "-D", "-", "-H", "Accept: text/html", https("w.test", "/"));
        String head = new String(page.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(head.startsWith("HTTP/2 503"), head);
        assertTrue(head.contains("\nretry-after: 2\r\n"), head);
        assertTrue(head.contains("<title>w is waking up</title>"), head);
    }

    // ---------------------------------------------------------------- 3. a certificate swap during a long download

    @Test
    void aReplacedCertificateServesNewHandshakesWhileALongDownloadCompletes() throws Exception {
        TestCa.Leaf first = ca.issue("a.test");
        TlsCertificate files = first.write(dir, "a");
        serve(files(files), "", appRoute("a", "a.test"));
        assertEquals(first.certificate(), leafFor("a.test"));

        Path out = dir.resolve("big.bin");
        Process download = curlProcess("--http2", "-o", out.toString(), https("a.test", "/big"));
        await("the download under way", () -> Files.exists(out) && size(out) > 4 * CHUNK);

        // Replaced as certbot does: new files written beside, then renamed over the old ones.
        TestCa.Leaf second = ca.issue("a.test");
        TlsCertificate next = second.write(dir.resolve("next"), "a");
        Files.move(next.keyFile(), files.keyFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next.certFile(), files.certFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await("new handshakes get the new certificate", Duration.ofSeconds(15), () -> {
            try {
                return leafFor("a.test").equals(second.certificate());
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(download.isAlive(), "the download began before the swap and is still running after it");
        assertTrue(size(out) < BIG);

        assertTrue(download.waitFor(60, TimeUnit.SECONDS));
        String result = new String(download.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, download.exitValue(), result);
        assertEquals("2 200", result);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out))), "the whole body, intact");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- reload

    @Test
    void aReloadAddsACertificateFileAndABadOneIsRefused() throws Exception {
        TestCa.Leaf a = ca.issue("a.test");
        TlsCertificate af = a.write(dir, "a");
        serve(files(af), "", appRoute("a", "a.test") + appRoute("c", "c.test"));
        assertEquals(a.certificate(), leafFor("c.test"), "c.test has none of its own yet");
        TestCa.Leaf c = ca.issue("c.test");
        TlsCertificate cf = c.write(dir, "c");
        Files.writeString(dir.resolve("dormouse.yml"), config(files(af, cf), "", appRoute("a", "a.test") + appRoute("c", "c.test")));
        assertTrue(daemon.reload("test"), daemon.lastReloadError().orElse(""));
        assertEquals(c.certificate(), leafFor("c.test"), "the new file serves after the reload");
        assertEquals("0 2 200 hello c.test /", curl("--http2", https("c.test", "/")));

        Path broken = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        Files.writeString(dir.resolve("dormouse.yml"), config(files(af, cf, new TlsCertificate(broken, cf.keyFile())), "",
                appRoute("a", "a.test") + appRoute("c", "c.test")));
        assertFalse(daemon.reload("test"));
        assertTrue(daemon.lastReloadError().orElse("").contains("tls.certificates[2].cert_file"), daemon.lastReloadError().orElse(""));
        assertEquals(c.certificate(), leafFor("c.test"), "the running certificates stay");
    }

    // ---------------------------------------------------------------- 5. redirect_http

    @Test
    void plainHttpForAHostWithACertificateIs308ToHttpsAndChallengesAreNeverRedirected() throws Exception {
        TestCa.Leaf a = ca.issue("a.test");
        // ACME against a CA that is not there: dormouse answers the challenge path itself, and c.test stays without a certificate.
        serve(files(a.write(dir, "a")) + "  acme: {directory: \"https://127.0.0.1:1/directory\"}\n  redirect_http: true\n", "",
                appRoute("a", "a.test") + appRoute("c", "c.test"));
        String redirect = curl("-D", "-", "-o", "/dev/null", http("a.test", "/some/path?q=1&r=%2F"));
        assertTrue(redirect.startsWith("0 1.1 308 HTTP/1.1 308"), redirect);
        assertTrue(redirect.contains("\r\nLocation: https://a.test:" + daemon.httpsPort() + "/some/path?q=1&r=%2F\r\n"), redirect);
        assertEquals("0 2 200 hello a.test /followed", curl("-L", http("a.test", "/followed")), "curl -L ends on HTTPS");
        assertEquals("0 1.1 200 hello c.test /plain", curl(http("c.test", "/plain")), "a host without a certificate is served over HTTP");
        String challenge = curl("-D", "-", http("a.test", "/.well-known/acme-challenge/some-token"));
        assertTrue(challenge.startsWith("0 1.1 404 HTTP/1.1 404"), "answered by dormouse, not redirected: " + challenge);
        assertFalse(challenge.contains("Location:"), challenge);
    }

    // ---------------------------------------------------------------- 6. the wake flow in a real browser over HTTPS

    @Test
    void aBrowserSeesTheLoadingPageOverHttpsThenTheApp() throws Exception {
        Assumptions.assumeTrue(Chrome.available() || System.getenv("CI") != null, "chromium and chromedriver are not installed");
        TestDocker.ensureEngine();
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("tls-browser", port, "hello over https");
        TestDocker.exec("stop", "-t", "5", c);
        await(c + " stopped", () -> TestDocker.inspectStatus(c).equals("exited"));
        TestCa.Leaf leaf = ca.issue("tls-browser.localhost");
        serve(files(leaf.write(dir, "browser")), "  docker: [{name: local}]\n", "  - name: tls-browser\n    hosts: [tls-browser.localhost]\n"
                + "    target: http://127.0.0.1:" + port + "\n    container: " + c + "\n    idlewatcher: {idle_timeout: 1h}\n");
        // Chromium trusts the test certificate by its key's hash (no system store is touched).
        String spki = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(leaf.certificate().getPublicKey().getEncoded()));
        try (Chrome chrome = Chrome.start("--ignore-certificate-errors-spki-list=" + spki)) {
            chrome.open("https://tls-browser.localhost:" + daemon.httpsPort() + "/");
            await("the page to end on the app's content", () -> {
                try {
                    return chrome.text().contains("hello over https");
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals("reload", chrome.eval("return performance.getEntriesByType('navigation')[0].type"),
                    "the app is reached through the loading page's reload");
            assertEquals("h2", chrome.eval("return performance.getEntriesByType('navigation')[0].nextHopProtocol"), "over HTTP/2");
            assertEquals("https:", chrome.eval("return location.protocol"));
        }
    }
}
