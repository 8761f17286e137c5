package dev.dormouse.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the daemon's admin API that follows docs/admin-api.md: bearer-token check with the
 * contract's 401, canned JSON answers per {@code METHOD path?query}, the contract's error for anything
 * else, and a scripted SSE stream on {@code /api/v1/events}. Every request is recorded.
 */
final class FakeAdminServer implements AutoCloseable {
    /** The ports these tests may use. */
    static final int FIRST_PORT = 19500;
    static final int LAST_PORT = 19599;

    /** A request as the server saw it. */
    record Seen(String method, String target, String authorization) {
        String line() {
            return method + " " + target;
        }
    }

    /** A canned answer. */
    record Answer(int status, String json) {}

    /** Writes an SSE stream; the server closes it when the script returns. */
    interface Script {
        void run(Sse sse) throws Exception;
    }

    /** The open event stream of one subscriber. */
    final class Sse {
        private final OutputStream out;
        private int id;

        private Sse(OutputStream out) {
            this.out = out;
        }

        void comment(String text) throws IOException {
            raw(": " + text + "\n\n");
        }

        /** One message with an increasing id. */
        void event(String type, String data) throws IOException {
            raw("id: " + (++id) + "\nevent: " + type + "\ndata: " + data + "\n\n");
        }

        void raw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Blocks until the request {@code line} ({@code POST /api/...}) has arrived, within a deadline. */
        void awaitRequest(String line) throws InterruptedException {
            FakeAdminServer.this.awaitRequest(line, Duration.ofSeconds(10));
        }

        /** Keeps the stream open until the client goes away or the server stops. */
        void holdOpen() throws InterruptedException {
            while (!stopped) {
                try {
                    raw(": keepalive\n\n");
                } catch (IOException gone) {
                    return;
                }
                synchronized (FakeAdminServer.this) {
                    FakeAdminServer.this.wait(50);
                }
            }
        }
    }

    final String token;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Script script = sse -> sse.comment("subscribed");
    private volatile boolean stopped;

    FakeAdminServer(String token) throws IOException {
        this.token = token;
        this.server = bind();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Answers {@code METHOD target} (the path with its query, exactly as sent) with {@code status} and {@code json}. */
    FakeAdminServer answer(String line, int status, String json) {
        answers.put(line, new Answer(status, json));
        return this;
    }

    FakeAdminServer events(Script s) {
        this.script = s;
        return this;
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    List<String> lines() {
        return seen.stream().map(Seen::line).toList();
    }

    void awaitRequest(String line, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (lines().stream().noneMatch(line::equals)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no request '" + line + "' within " + within + "; saw " + lines());
            synchronized (this) {
                wait(5);
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        synchronized (this) {
            notifyAll();
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String target = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        seen.add(new Seen(ex.getRequestMethod(), target, ex.getRequestHeaders().getFirst("Authorization")));
        synchronized (this) {
            notifyAll();
        }
        try (ex) {
            if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"dormouse\"");
                send(ex, 401, error("unauthorized", "missing or wrong admin token"));
                return;
            }
            Answer a = answers.get(ex.getRequestMethod() + " " + target);
            if (a != null) {
                send(ex, a.status(), a.json());
            } else if (ex.getRequestMethod().equals("GET") && ex.getRequestURI().getRawPath().equals("/api/v1/events")) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.getResponseHeaders().set("Cache-Control", "no-store");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                out.flush();
                try {
                    script.run(new Sse(out));
                } catch (IOException clientGone) {
                    // the subscriber left: nothing more to write
                } catch (Exception e) {
                    throw new IOException("event script: " + e, e);
                }
            } else {
                send(ex, 404, error("not_found", "no such endpoint: " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()));
            }
        }
    }

    static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static HttpServer bind() throws IOException {
        for (int p = FIRST_PORT; p <= LAST_PORT; p++) {
            try {
                return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 0);
            } catch (BindException taken) {
                // next one
            }
        }
        throw new BindException("no free port in " + FIRST_PORT + ".." + LAST_PORT);
    }

    /** A port in the range that nothing listens on now: the address of a daemon that is down. */
    static int freePort() throws IOException {
        for (int p = LAST_PORT; p >= FIRST_PORT; p--) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (BindException taken) {
                // next one
            }
        }
        throw new BindException("no free port in " + FIRST_PORT + ".." + LAST_PORT);
    }
}
