package dev.dormouse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The admin API as the CLI sees it (docs/admin-api.md): requests with the bearer token, answers as JSON
 * trees, and every failure turned into a {@link CliException} with the contract's exit code. The token is
 * only ever put into the {@code Authorization} header; no message carries it.
 */
final class AdminClient implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Bound on one plain request; actions that take longer (sleep) pass their own. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** One answer: its status (2xx) and its JSON body. */
    record Response(int status, JsonNode body) {}

    private final String base;
    private final Path tokenFile;
    private final String token;
    private final HttpClient http;

    /** Reads the token from {@code tokenFile} (exit code 4 when that fails); {@code base} is {@code http://host:port[/prefix]}. */
    AdminClient(URI base, Path tokenFile) {
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.tokenFile = tokenFile;
        this.token = readToken(tokenFile);
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Where the daemon is, for messages. */
    String where() {
        return base;
    }

    JsonNode get(String path) {
        return send("GET", path, REQUEST_TIMEOUT).body();
    }

    Response post(String path, Duration timeout) {
        return send("POST", path, timeout);
    }

    /** Subscribes to {@code path} (an SSE endpoint); the stream is open once this returns. */
    EventStream events(String path) {
        HttpRequest req = request(path).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(CliException.FAILED, "interrupted while connecting to " + base, e);
        }
        if (r.statusCode() != 200) {
            String body;
            try (InputStream in = r.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            check("GET", path, r.statusCode(), body);
            throw new CliException(CliException.FAILED, "GET " + path + ": unexpected HTTP " + r.statusCode() + " from " + base);
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            try {
                r.body().close();
            } catch (IOException ignored) {
                // the answer is refused either way
            }
            throw new CliException(CliException.FAILED, "GET " + path + ": " + base + " answered '" + type + "', not an event stream");
        }
        return new EventStream(r.body());
    }

    /** A path segment or query value, percent-encoded. */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Ends the client at once: an event stream still open is cut, never waited for. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    private Response send(String method, String path, Duration timeout) {
        HttpRequest req = request(path).timeout(timeout).header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw unreachable(e);
        } catch (HttpTimeoutException e) {
            throw new CliException(CliException.FAILED, method + " " + path + ": no answer from " + base + " within "
                    + timeout.toSeconds() + "s", e);
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(CliException.FAILED, "interrupted while waiting for " + base, e);
        }
        return check(method, path, r.statusCode(), r.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
    }

    /** A 2xx answer as a {@link Response}; anything else as the contract's error. */
    private Response check(String method, String path, int status, String body) {
        if (status == 401) {
            throw new CliException(CliException.UNAUTHORIZED, "the admin token was refused (token file " + tokenFile + ")");
        }
        JsonNode json;
        try {
            json = Output.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (status / 100 == 2) {
            if (json == null || json.isMissingNode()) {
                throw new CliException(CliException.FAILED, method + " " + path + ": " + base
                        + " answered HTTP " + status + " without a JSON body; is it a dormouse admin API?");
            }
            return new Response(status, json);
        }
        JsonNode message = json == null ? null : json.path("error").path("message");
        if (message != null && message.isTextual() && !message.asText().isBlank()) {
            throw new CliException(CliException.FAILED, message.asText());
        }
        throw new CliException(CliException.FAILED, method + " " + path + ": HTTP " + status + " from " + base
                + " without an admin API error; is it a dormouse admin API?");
    }

    private CliException unreachable(IOException e) {
        return new CliException(CliException.UNREACHABLE, "the daemon is not reachable at " + base + " (" + reason(e)
                + "); is `dormouse serve` running?", e);
    }

    static String reason(IOException e) {
        if (e instanceof HttpConnectTimeoutException) return "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) return "unknown host";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                for (Throwable c = t; c != null; c = c.getCause()) {
                    String m = c.getMessage();
                    if (m != null && !m.isBlank()) return m.toLowerCase(Locale.ROOT).contains("refused") ? "connection refused" : m;
                }
                return "connection refused";
            }
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** The token, trimmed; failures exit with 4 and name the file, never its content. */
    static String readToken(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new CliException(CliException.UNAUTHORIZED, "no admin token: the token file " + file
                    + " does not exist (the daemon writes it on its first start; or pass --token-file)", e);
        } catch (AccessDeniedException e) {
            throw new CliException(CliException.UNAUTHORIZED, "cannot read the token file " + file
                    + " (permission denied; run as the daemon's user or root)", e);
        } catch (IOException e) {
            throw new CliException(CliException.UNAUTHORIZED, "cannot read the token file " + file + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        if (text.isEmpty()) {
            throw new CliException(CliException.UNAUTHORIZED, "the token file " + file + " is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new CliException(CliException.UNAUTHORIZED, "the token file " + file
                        + " does not hold a token (it has more than one word or non-ASCII characters)");
            }
        }
        return text;
    }
}
