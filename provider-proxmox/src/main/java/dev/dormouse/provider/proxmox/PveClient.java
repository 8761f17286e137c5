package dev.dormouse.provider.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.DormouseException;
import dev.dormouse.core.ProxmoxProviderConfig;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The PVE HTTP API ({@code /api2/json}) with API-token authentication. Answers are unwrapped from
 * {@code {"data": ...}}; failures become {@link ProviderException}s with PVE's message. Reads are
 * retried on a broken connection; actions are not (they are not idempotent on PVE's side).
 */
final class PveClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READ_ATTEMPTS = 3;

    private final ProxmoxProviderConfig config;
    private final String authorization;
    private final String base;
    private final HttpClient http;

    PveClient(ProxmoxProviderConfig config, String secret) {
        this.config = config;
        this.authorization = "PVEAPIToken=" + config.tokenId() + "=" + secret;
        String u = config.url().endsWith("/") ? config.url().substring(0, config.url().length() - 1) : config.url();
        this.base = u + "/api2/json";
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (config.url().startsWith("https://") && (config.insecureSkipVerify() || config.fingerprint().isPresent())) {
            b.sslContext(pinned(config));
        }
        this.http = b.build();
    }

    /** A TLS context that trusts exactly the pinned certificate (by SHA-256), or anything with insecure_skip_verify. */
    private static SSLContext pinned(ProxmoxProviderConfig c) {
        String want = c.fingerprint().map(f -> f.replace(":", "").toLowerCase(java.util.Locale.ROOT)).orElse(null);
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                if (want == null) return;
                try {
                    String got = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
                    if (!got.equals(want)) throw new CertificateException("certificate fingerprint does not match the configured fingerprint");
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new CertificateException(e);
                }
            }

            public void checkServerTrusted(X509Certificate[] chain, String a, java.net.Socket s) throws CertificateException {
                check(chain);
            }

            public void checkServerTrusted(X509Certificate[] chain, String a, SSLEngine e) throws CertificateException {
                check(chain);
            }

            public void checkServerTrusted(X509Certificate[] chain, String a) throws CertificateException {
                check(chain);
            }

            public void checkClientTrusted(X509Certificate[] chain, String a, java.net.Socket s) {}

            public void checkClientTrusted(X509Certificate[] chain, String a, SSLEngine e) {}

            public void checkClientTrusted(X509Certificate[] chain, String a) {}

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new DormouseException("proxmox " + c.name() + ": TLS setup: " + e.getMessage(), e);
        }
    }

    String prefix(String action, String guest) {
        return "proxmox " + config.name() + ": " + action + (guest.isEmpty() ? "" : " guest " + guest) + ": ";
    }

    JsonNode get(String path, String action, String guest) {
        ProviderException last = null;
        for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
            try {
                return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), action, guest);
            } catch (ProviderException e) {
                if (e.reason() != Reason.UNAVAILABLE) throw e;
                last = e;
            }
        }
        throw last;
    }

    JsonNode post(String path, Map<String, String> form, String action, String guest) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)), action, guest);
    }

    JsonNode delete(String path, String action, String guest) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), action, guest);
    }

    private JsonNode send(HttpRequest.Builder b, String action, String guest) {
        HttpResponse<String> r;
        try {
            r = http.send(b.header("Authorization", authorization).header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ProviderException(Reason.TIMEOUT, prefix(action, guest) + "no answer from " + config.url() + " within 30s", e);
        } catch (IOException e) {
            throw new ProviderException(Reason.UNAVAILABLE, prefix(action, guest) + "unreachable at " + config.url() + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(Reason.FAILED, prefix(action, guest) + "interrupted", e);
        }
        JsonNode root = parse(r.body());
        int status = r.statusCode();
        if (status == 200) return root.path("data");
        String message = root.path("message").asText("").strip();
        if (message.isEmpty() && root.has("errors")) message = root.get("errors").toString();
        Reason reason = switch (status) {
            case 401, 403 -> Reason.UNAUTHORIZED;
            case 596 -> Reason.UNAVAILABLE;
            default -> status >= 500 && message.contains("does not exist") ? Reason.NOT_FOUND : Reason.FAILED;
        };
        String hint = switch (status) {
            case 401 -> "401 authentication failure (check token_id and the secret in token_secret_file)";
            case 403 -> "403 permission denied (the token lacks a privilege)";
            case 596 -> "596 broken connection between PVE nodes";
            default -> String.valueOf(status);
        };
        throw new ProviderException(reason, prefix(action, guest) + hint + (message.isEmpty() ? "" : ": " + message));
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
