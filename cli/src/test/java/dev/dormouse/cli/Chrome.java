package dev.dormouse.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium driven through ChromeDriver's W3C WebDriver endpoints, just enough to load a
 * page and read what a person would see.
 */
final class Chrome implements AutoCloseable {
    private static final Pattern SESSION = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|null)");

    private final Process driver;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String session;
    private final Path profile;

    private Chrome(Process driver, String base, String session, Path profile) {
        this.driver = driver;
        this.base = base;
        this.session = session;
        this.profile = profile;
    }

    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/chromedriver")) && Files.isExecutable(Path.of("/usr/bin/chromium"));
    }

    /** A new browser; {@code extraArgs} are more Chromium switches (e.g. which certificates to trust). */
    static Chrome start(String... extraArgs) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder("/usr/bin/chromedriver", "--port=" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.body().contains("\"ready\":true") || r.body().contains("\"ready\": true")) break;
            } catch (IOException e) {
                // not listening yet
            }
            // Deadline of a wait for a real Chromium process, whose time is not ours.
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("chromedriver did not start on port " + port);
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        Path profile = Files.createTempDirectory("dormouse-chrome");
        String caps = """
                {"capabilities":{"alwaysMatch":{"browserName":"chrome","goog:chromeOptions":{"binary":"/usr/bin/chromium",
                "args":["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking",
                "--disable-component-update","--disable-sync","--disable-dev-shm-usage","--user-data-dir=%s"%s]}}}}
                """.formatted(profile, extra(extraArgs));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/session"))
                .POST(HttpRequest.BodyPublishers.ofString(caps)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = SESSION.matcher(r.body());
        if (!m.find()) {
            p.destroyForcibly();
            throw new IllegalStateException("chromedriver refused a session: " + r.body());
        }
        return new Chrome(p, base, m.group(1), profile);
    }

    private static String extra(String... args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) b.append(",\"").append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        return b.toString();
    }

    /** Navigates and returns once the page has loaded (the driver waits for the load event). */
    void open(String url) throws Exception {
        call("POST", "/url", "{\"url\":\"" + url + "\"}");
    }

    /** Runs a script returning a string (or null). */
    String eval(String script) throws Exception {
        String body = call("POST", "/execute/sync", "{\"script\":\"" + script.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"args\":[]}");
        Matcher m = VALUE.matcher(body);
        if (!m.find() || m.group(1).equals("null")) return null;
        String q = m.group(1);
        return q.substring(1, q.length() - 1).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    String text() throws Exception {
        return eval("return document.body ? document.body.innerText : ''");
    }

    private String call(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/session/" + session + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60));
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) throw new IllegalStateException("webdriver " + path + ": " + r.statusCode() + " " + r.body());
        return r.body();
    }

    @Override
    public void close() throws Exception {
        try {
            call("DELETE", "", null);
        } catch (Exception e) {
            // the driver is going away anyway
        }
        driver.destroy();
        if (!driver.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) driver.destroyForcibly();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
