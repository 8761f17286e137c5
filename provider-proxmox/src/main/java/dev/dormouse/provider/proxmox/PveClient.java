package dev.dormouse.provider.proxmox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.DormouseException;

import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The PVE HTTP API ({@code /api2/json}) with API-token authentication. Answers are unwrapped from
 * {@code {"data": ...}}; failures become {@link ProviderException}s with PVE's message. Reads are
 * retried on a broken connection; actions are sent once, each on a connection of its own, since they
 * are not idempotent on PVE's side (see {@link PveHttp}).
 */
final class PveClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READ_ATTEMPTS = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The longest one call of {@link #get}, {@link #post} or {@link #delete} may take: every attempt of a read times out. */
    static final Duration REQUEST_BOUND = TIMEOUT.multipliedBy(READ_ATTEMPTS);

    private final ProxmoxProviderConfig config;
    private final String authorization;
    private final String base;
    private final PveHttp http;

    PveClient(ProxmoxProviderConfig config, String secret) {
        this.config = config;
        this.authorization = "PVEAPIToken=" + config.tokenId() + "=" + secret;
        URI origin;
        try {
            origin = new URI(config.url());
        } catch (java.net.URISyntaxException e) {
            throw new ProviderException(Reason.FAILED, "proxmox " + config.name() + ": url '" + config.url() + "' is not a URL: " + e.getReason());
        }
        if (origin.getHost() == null) {
            throw new ProviderException(Reason.FAILED, "proxmox " + config.name() + ": url '" + config.url() + "' names no host");
        }
        String path = origin.getRawPath() == null ? "" : origin.getRawPath();
        this.base = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/api2/json";
        Optional<SSLSocketFactory> tls = Optional.empty();
        boolean pinned = config.insecureSkipVerify() || config.fingerprint().isPresent();
        if ("https".equalsIgnoreCase(origin.getScheme())) {
            try {
                tls = Optional.of(pinned ? pinned(config).getSocketFactory() : SSLContext.getDefault().getSocketFactory());
            } catch (GeneralSecurityException e) {
                throw new DormouseException("proxmox " + config.name() + ": TLS setup: " + e.getMessage(), e);
            }
        }
        this.http = new PveHttp(origin, tls, !pinned);
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
                return send("GET", path, new byte[0], action, guest);
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
        return send("POST", path, body.getBytes(StandardCharsets.UTF_8), action, guest);
    }

    JsonNode delete(String path, String action, String guest) {
        return send("DELETE", path, new byte[0], action, guest);
    }

    private JsonNode send(String method, String path, byte[] body, String action, String guest) {
        boolean read = method.equals("GET");
        List<String> headers = new ArrayList<>(List.of("Authorization", authorization, "Accept", "application/json"));
        if (body.length > 0) headers.addAll(List.of("Content-Type", "application/x-www-form-urlencoded"));
        PveConnection.Response r;
        try {
            r = http.exchange(method, base + path, headers, body, read, TIMEOUT);
        } catch (PveHttp.ExchangeException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SocketTimeoutException && e.written) {
                throw new ProviderException(Reason.TIMEOUT, prefix(action, guest) + "no answer from " + config.url() + " within "
                        + TIMEOUT.toSeconds() + "s" + (read ? "" : " (not sent again: PVE may have run it)"), e);
            }
            String what = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage());
            if (e.written && !read) {
                throw new ProviderException(Reason.UNAVAILABLE, prefix(action, guest) + "connection to " + config.url()
                        + " broke after the request was sent (not sent again: PVE may have run it): " + what, e);
            }
            throw new ProviderException(Reason.UNAVAILABLE, prefix(action, guest) + "unreachable at " + config.url() + ": " + what, e);
        }
        JsonNode root = parse(new String(r.body(), StandardCharsets.UTF_8));
        int status = r.status();
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

    @Override
    public void close() {
        http.close();
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
