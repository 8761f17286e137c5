package dev.dormouse.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestPebble;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS from the unpacked tarball: {@code bin/dormouse serve} on the bundled runtime with its AOT cache serves
 * file certificates without loading anything of the ACME client, whose jars sit in {@code lib/acme/} and not on
 * the module path; with {@code tls.acme} the first order loads them from there (against Pebble) and the
 * certificate it gets is served.
 */
class HttpsDistributionIT {
    private static final List<String> ACME_JARS = List.of("acme4j-client", "bcpkix-jdk18on", "bcprov-jdk18on", "bcutil-jdk18on", "dormouse-tls-acme",
            "jose4j");

    @TempDir
    static Path home;
    static Path install;
    static Path bin;
    private final List<Process> started = new ArrayList<>();
    private HttpServer upstream;

    @BeforeAll
    static void unpack() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        Path tarball = Path.of(System.getProperty("dormouse.tarball"));
        assertTrue(Files.exists(tarball), "no tarball at " + tarball);
        assertEquals(0, new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", home.toString()).inheritIO().start().waitFor());
        install = home.resolve("dormouse-" + System.getProperty("dormouse.version"));
        bin = install.resolve("bin/dormouse");
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        if (upstream != null) upstream.stop(0);
    }

    private int upstream() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", x -> {
            byte[] body = "hello from the tarball".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        upstream.start();
        return upstream.getAddress().getPort();
    }

    @Test
    void theAcmeClientLivesInLibAcmeOnly() throws Exception {
        List<String> lib;
        List<String> acme;
        try (Stream<Path> s = Files.list(install.resolve("lib"))) {
            lib = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        try (Stream<Path> s = Files.list(install.resolve("lib/acme"))) {
            acme = s.map(p -> p.getFileName().toString().replaceFirst("-[0-9][^-]*(-SNAPSHOT)?\\.jar$", "")).sorted().toList();
        }
        assertEquals(ACME_JARS, acme);
        assertTrue(lib.stream().anyMatch(j -> j.startsWith("dormouse-tls-0")), "the tls module is on the module path: " + lib);
        assertTrue(lib.stream().noneMatch(j -> ACME_JARS.stream().anyMatch(j::startsWith)), "nothing of the ACME client in lib/: " + lib);
    }

    @Test
    void fileCertificatesServeWithoutLoadingTheAcmeClient() throws Exception {
        TestCa ca = TestCa.create();
        Path caFile = ca.writeCertificate(home.resolve("files-ca.pem"));
        var files = ca.issue("files.test").write(home, "files");
        int app = upstream();
        int https = TestPebble.freePort();
        Path cfg = Files.writeString(home.resolve("files.yml"), """
                server: {http: "127.0.0.1:0", https: "127.0.0.1:%d", admin: "", data_dir: "%s"}
                tls:
                  certificates: [{cert_file: "%s", key_file: "%s"}]
                routes:
                  - {name: app, hosts: [files.test], target: "http://127.0.0.1:%d"}
                """.formatted(https, home.resolve("files-data"), files.certFile(), files.keyFile(), app));
        Path classes = home.resolve("files-classes.log");
        serve(cfg, "-Xlog:class+load=info:file=" + classes, home.resolve("files-serve.log"));
        assertEquals("0 2 hello from the tarball", awaitCurl(caFile, "files.test", https, home.resolve("files-serve.log")));
        String loaded = Files.readString(classes);
        assertTrue(loaded.contains("dev.dormouse.tls.CertificateStore"), "the tls module served the handshake");
        for (String p : List.of("org.bouncycastle.", "org.shredzone.", "org.jose4j.", "dev.dormouse.tls.acme.")) {
            assertTrue(!loaded.contains(" " + p), "nothing of the ACME client (" + p + ") is loaded without tls.acme");
        }
    }

    @Test
    void anAcmeOrderLoadsTheClientFromLibAcmeAndItsCertificateIsServed() throws Exception {
        int app = upstream();
        int http = TestPebble.freePort();
        int https = TestPebble.freePort();
        try (TestPebble pebble = TestPebble.start(http, TestPebble.freePort(), Optional.empty(), home.resolve("pebble"))) {
            Path cfg = Files.writeString(home.resolve("acme.yml"), """
                    server: {http: "127.0.0.1:%d", https: "127.0.0.1:%d", admin: "", data_dir: "%s"}
                    tls:
                      acme: {email: ops@example.com, directory: "%s", ca_file: "%s"}
                    routes:
                      - {name: app, hosts: [app.acme.test], target: "http://127.0.0.1:%d"}
                    """.formatted(http, https, home.resolve("acme-data"), pebble.directory(), pebble.caFile(), app));
            Path classes = home.resolve("acme-classes.log");
            Path log = home.resolve("acme-serve.log");
            serve(cfg, "-Xlog:class+load=info:file=" + classes, log);
            Path root = Files.writeString(home.resolve("pebble-root.pem"), TestCa.pem("CERTIFICATE", pebble.issuingRoot().getEncoded()));
            assertEquals("0 2 hello from the tarball", awaitCurl(root, "app.acme.test", https, log));
            String loaded = Files.readString(classes);
            List<String> session = loaded.lines().filter(l -> l.contains(" org.shredzone.acme4j.Session ")).toList();
            assertTrue(session.size() == 1 && session.get(0).contains("/lib/acme/acme4j-client-"), "acme4j from lib/acme: " + session);
            assertTrue(!loaded.contains("org.bouncycastle.jce.provider.BouncyCastleProvider "), "JCA never met Bouncy Castle's provider");
            assertTrue(Files.readString(log).contains("tls acme: obtained certificate for 'app.acme.test'"), Files.readString(log));
        }
    }

    private void serve(Path cfg, String javaOpts, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "serve", "--config", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DORMOUSE_JAVA_OPTS", javaOpts);
        started.add(pb.start());
    }

    /** curl over HTTPS until the daemon answers: {@code <exit> <http version> <body>}. */
    private static String awaitCurl(Path trust, String host, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (listening(port)) {
                Process p = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--cacert", trust.toString(), "-w", " %{http_version}",
                        "--resolve", host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(20, TimeUnit.SECONDS);
                if (p.exitValue() == 0) {
                    int sp = out.lastIndexOf(' ');
                    return "0 " + out.substring(sp + 1) + " " + out.substring(0, sp);
                }
                last = out;
            }
            Thread.sleep(100); // the pause between tries of a condition wait with a deadline (the daemon, a real process, is coming up)
        }
        throw new AssertionError("no HTTPS answer from " + host + ":" + port + " (last: " + last + "); log:\n" + Files.readString(log));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
