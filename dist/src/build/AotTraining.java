import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Makes the AOT cache (JEP 483/514) of an assembled dormouse: one training run of {@code bin/dormouse serve}
 * through the launcher and the bundled runtime, with an HTTP route and a TCP route that both carry traffic
 * and a Docker provider (labels on) whose engine is absent, so that the Docker client's classes are in the
 * cache without the build touching any engine; ended by SIGTERM as systemd would. Then the cache is
 * assembled from what that run recorded.
 *
 * <p>Run at package time with the building JDK: {@code java AotTraining.java <dormouse home> <log file>}.
 * The launcher passes the flags given here through DORMOUSE_JAVA_OPTS, so training and use share every
 * other flag, and the module path spelling the cache depends on.
 */
public final class AotTraining {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    public static void main(String[] args) throws Exception {
        if (args.length != 2) throw new IllegalArgumentException("usage: AotTraining <dormouse home> <log file>");
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host"); // routes are matched by Host
        Path home = Path.of(args[0]).toAbsolutePath();
        Path log = Path.of(args[1]).toAbsolutePath();
        Path launcher = home.resolve("bin/dormouse");
        Path cache = home.resolve("runtime/lib/dormouse.aot");
        Path recorded = home.resolve("runtime/lib/dormouse.aotconf");
        if (!Files.isExecutable(home.resolve("runtime/bin/java"))) throw new IllegalStateException("no bundled runtime in " + home);
        Files.deleteIfExists(cache);
        Files.deleteIfExists(recorded);
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);

        long t0 = System.nanoTime();
        Path work = Files.createTempDirectory("dormouse-aot-training");
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", x -> {
            byte[] body = "trained".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        upstream.start();
        try {
            int http = freePort();
            int tcp = freePort();
            int admin = freePort();
            Path config = work.resolve("dormouse.yml");
            Files.writeString(config, """
                    server: {http: "127.0.0.1:%d", admin: "127.0.0.1:%d", data_dir: "%s"}
                    providers:
                      docker: [{name: local, host: "unix://%6$s/no-docker.sock", labels: true}]
                    defaults:
                      healthcheck: {interval: 1h}
                    routes:
                      - name: web
                        hosts: [web.training]
                        target: http://127.0.0.1:%d
                      - name: stream
                        listen: tcp://127.0.0.1:%d
                        target: tcp://127.0.0.1:%4$d
                    """.formatted(http, admin, work.resolve("data"), upstream.getAddress().getPort(), tcp, work));

            Process serve = launch(launcher, log, "-XX:AOTMode=record -XX:AOTConfiguration=" + recorded,
                    "serve", "--config", config.toString());
            try {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                awaitAnswer(client, http, serve, log);
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = client.send(request(http, "web.training"), HttpResponse.BodyHandlers.ofString());
                    if (!r.body().equals("trained")) throw new IllegalStateException("training request got " + r.statusCode() + ": " + r.body());
                    client.send(request(http, "unknown.training"), HttpResponse.BodyHandlers.discarding());
                    throughStream(tcp);
                }
            } finally {
                serve.destroy(); // SIGTERM: dormouse stops cleanly and the JVM writes what it recorded
                if (!serve.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                    serve.destroyForcibly();
                    fail("the training run did not stop within " + DEADLINE.toSeconds() + " s", log);
                }
            }
            if (serve.exitValue() != 0 || !Files.exists(recorded)) fail("the training run exited " + serve.exitValue() + " without a record", log);

            Process create = launch(launcher, log, "-XX:AOTMode=create -XX:AOTConfiguration=" + recorded + " -XX:AOTCache=" + cache, "version");
            if (!create.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                create.destroyForcibly();
                fail("creating the AOT cache took longer than " + DEADLINE.toSeconds() + " s", log);
            }
            if (create.exitValue() != 0 || !Files.exists(cache)) fail("creating the AOT cache failed (exit " + create.exitValue() + ")", log);
        } finally {
            upstream.stop(0);
            Files.deleteIfExists(recorded);
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        System.out.printf("AOT cache %s: %d MB, trained in %.1f s%n", home.relativize(cache), Files.size(cache) >> 20,
                (System.nanoTime() - t0) / 1e9);
    }

    private static Process launch(Path launcher, Path log, String javaOpts, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(launcher.toString()), Stream.of(args)).toList());
        pb.environment().put("DORMOUSE_JAVA_OPTS", javaOpts);
        pb.environment().put("DORMOUSE_LOG_LEVEL", "info");
        return pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static HttpRequest request(int port, String host) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("Host", host)
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static void awaitAnswer(HttpClient client, int port, Process serve, Path log) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            try {
                client.send(request(port, "web.training"), HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                if (!serve.isAlive()) fail("the training run exited " + serve.exitValue() + " before serving", log);
                if (System.nanoTime() > deadline) fail("the training run did not serve within " + DEADLINE.toSeconds() + " s", log);
                Thread.sleep(50);
            }
        }
    }

    /** An HTTP request as raw bytes through the TCP route. */
    private static void throughStream(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: stream\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!answer.endsWith("trained")) throw new IllegalStateException("training stream got: " + answer);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void fail(String message, Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        throw new IllegalStateException(message + "; the end of " + log + ":\n" + tail);
    }
}
