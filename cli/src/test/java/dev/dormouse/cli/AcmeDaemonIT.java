package dev.dormouse.cli;

import static dev.dormouse.cli.ServeIT.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.tls.AcmeModules;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestClock;
import dev.dormouse.tls.testkit.TestHttpsServer;
import dev.dormouse.tls.testkit.TestPebble;
import io.undertow.Undertow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates from a real ACME CA for the real daemon: Debian's Pebble, validating HTTP-01 against the daemon's
 * HTTP listener (its {@code httpPort}), with pebble-challtestsrv answering 127.0.0.1 for every name. The daemon
 * obtains a certificate for a route host, serves it, renews it when its clock (moved by the test) reaches two
 * thirds of the lifetime, and when the CA is gone keeps serving the certificate it has, with the failure in the
 * admin API and {@code dormouse routes}.
 */
class AcmeDaemonIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestPebble pebble;
    private Daemon daemon;
    private Undertow app;
    private String token;

    @BeforeAll
    static void tools() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        TestPebble.ensureInstalled();
    }

    @AfterEach
    void cleanup() {
        if (daemon != null) daemon.close();
        if (pebble != null) pebble.close();
        if (app != null) app.stop();
    }

    @Test
    void obtainsServesAndRenewsACertificateAndOutlivesTheCa() throws Exception {
        int appPort = TestDocker.freePort();
        app = Undertow.builder().addHttpListener(appPort, "127.0.0.1").setHandler(ex -> ex.getResponseSender().send("hello over acme")).build();
        app.start();
        int httpPort = TestPebble.freePort();
        pebble = TestPebble.start(httpPort, TestPebble.freePort(), Optional.empty(), dir.resolve("pebble"));
        Path cfg = Files.writeString(dir.resolve("dormouse.yml"), """
                server: {http: "127.0.0.1:%d", https: "127.0.0.1:0", admin: "127.0.0.1:0", data_dir: "%s"}
                tls:
                  acme: {email: ops@example.com, directory: "%s", ca_file: "%s"}
                routes:
                  - name: app
                    hosts: [app.acme.test]
                    target: http://127.0.0.1:%d
                """.formatted(httpPort, dir.resolve("data"), pebble.directory(), pebble.caFile(), appPort));
        TestClock clock = new TestClock(Instant.now());
        daemon = new Daemon(ConfigLoader.load(cfg), Daemon.providerKinds(), dev.dormouse.core.Scheduler.system(),
                new TlsFront.Setup(clock, Duration.ofMillis(500), Duration.ofMillis(200), AcmeModules.visible()));
        daemon.start();
        token = Files.readString(dir.resolve("data/admin.token")).strip();

        // Obtained through HTTP-01 on the HTTP listener, stored, and served.
        await("a certificate from the CA", Duration.ofSeconds(90), () -> !certificate().path("not_after").isNull());
        JsonNode c = certificate();
        assertEquals("acme", c.path("source").asText());
        assertTrue(c.path("last_error").isNull(), c.toString());
        assertTrue(Files.isRegularFile(Path.of(c.path("file").asText())), c.toString());
        Path root = dir.resolve("pebble-root.pem");
        Files.writeString(root, TestCa.pem("CERTIFICATE", pebble.issuingRoot().getEncoded()));
        assertEquals("0 hello over acme", curl(root));
        X509Certificate first = leaf();
        assertEquals(Instant.parse(c.path("not_after").asText()), first.getNotAfter().toInstant());

        // Renewed once the worker's clock reaches two thirds of the lifetime.
        Thread.sleep(1_100); // Pebble stamps notBefore from its own clock (not ours): the next certificate must get a later second
        clock.set(renewAt(first));
        await("a renewed certificate", Duration.ofSeconds(90), () -> !leafOrNull().getSerialNumber().equals(first.getSerialNumber()));
        X509Certificate second = leaf();
        assertTrue(second.getNotBefore().after(first.getNotBefore()) || second.getNotBefore().equals(first.getNotBefore()));
        assertTrue(renewAt(second).isAfter(clock.instant()), "not due again at once");
        assertEquals("0 hello over acme", curl(root));

        // The CA is gone when the next renewal is due: the certificate in hand keeps serving, the failure is shown.
        pebble.stop();
        clock.set(renewAt(second));
        await("the failed renewal in the admin API", Duration.ofSeconds(60), () -> !certificate().path("last_error").isNull());
        JsonNode failed = certificate();
        assertTrue(failed.path("last_error").asText().contains("app.acme.test"), failed.toString());
        assertEquals(second.getNotAfter().toInstant(), Instant.parse(failed.path("not_after").asText()));
        assertTrue(Instant.parse(failed.path("next_attempt").asText()).isAfter(clock.instant()), "retried later: " + failed);
        assertEquals(second.getSerialNumber(), leaf().getSerialNumber(), "still serving the certificate it has");
        assertEquals("0 hello over acme", curl(root));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path tokenFile = dir.resolve("data/admin.token");
        int code = Main.run(new String[] {"routes", "--admin", "http://127.0.0.1:" + daemon.adminPort(), "--token-file", tokenFile.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String table = out.toString();
        assertTrue(table.contains("acme, ") && table.contains(" left"), table);
        assertTrue(table.contains("certificate app.acme.test: "), table);
    }

    private JsonNode certificate() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminPort() + "/api/v1/routes/app"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode certs = JSON.readTree(r.body()).path("certificates");
            return certs.size() == 0 ? JSON.createObjectNode().putNull("not_after") : certs.get(0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Two thirds into the certificate's lifetime, as the worker renews. */
    private static Instant renewAt(X509Certificate c) {
        Instant from = c.getNotBefore().toInstant();
        return from.plus(Duration.between(from, c.getNotAfter().toInstant()).multipliedBy(2).dividedBy(3));
    }

    private X509Certificate leaf() throws Exception {
        try (SSLSocket s = TestHttpsServer.connect(daemon.httpsPort(), pebble.issuingRoot(), "app.acme.test")) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    private X509Certificate leafOrNull() {
        try {
            return leaf();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** curl's exit code and body over HTTPS, trusting only {@code root}. */
    private String curl(Path root) throws Exception {
        Process p = new ProcessBuilder(List.of("curl", "-sS", "--max-time", "20", "--cacert", root.toString(), "--resolve",
                "app.acme.test:" + daemon.httpsPort() + ":127.0.0.1", "https://app.acme.test:" + daemon.httpsPort() + "/"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String body = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue() + " " + body;
    }
}
