package dev.dormouse.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import dev.dormouse.tls.ClientTls;
import dev.dormouse.tls.TlsException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * What the {@code docker} and {@code swarm} kinds share: an engine endpoint ({@code host}, {@code tls}),
 * how its section is read and checked, the docker-java clients for it, and how its failures read.
 */
final class Engines {
    private static final Pattern DOCKER_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** The action client's bound on one engine request; stops may legitimately take their stop_timeout. */
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private Engines() {}

    /** An entry's common keys, as read: {@code name}, {@code host}, {@code labels}, {@code tls}. */
    record Entry(Optional<String> name, String host, boolean labels, Optional<DockerTls> tls) {}

    /** Reads {@code name}, {@code host}, {@code labels} and {@code tls}, reporting each problem at its key. */
    static Entry parse(ConfigSection d) {
        Optional<String> name = d.requiredString("name");
        String host = d.string("host", DockerProviderConfig.DEFAULT_HOST);
        hostProblem(host).ifPresent(p -> d.problem("host", p));
        boolean labels = d.bool("labels", false);
        Optional<DockerTls> tls = Optional.empty();
        if (d.has("tls")) {
            ConfigSection t = d.section("tls");
            Optional<Path> ca = t.requiredPath("ca_file");
            Optional<Path> cert = t.requiredPath("cert_file");
            Optional<Path> key = t.requiredPath("key_file");
            t.finish();
            if (ca.isPresent() && cert.isPresent() && key.isPresent()) tls = Optional.of(new DockerTls(ca.get(), cert.get(), key.get()));
            if (host.startsWith("unix://")) d.problem("tls", "is for a tcp:// host; a unix:// socket is not reached over TLS");
        }
        return new Entry(name, host, labels, tls);
    }

    static Optional<String> hostProblem(String host) {
        if (host.startsWith("ssh://")) {
            return Optional.of("ssh:// is not supported (docker-java speaks unix:// and tcp:// only): use tcp:// with tls, "
                    + "or forward the engine's socket over SSH and point host at it (unix://...), got '" + host + "'");
        }
        if (host.startsWith("unix://")) {
            return host.length() > "unix://".length() ? Optional.empty() : Optional.of("names no socket, got '" + host + "'");
        }
        if (!host.startsWith("tcp://")) return Optional.of("must start with unix:// or tcp://, got '" + host + "'");
        try {
            URI u = new URI(host);
            if (u.getHost() == null || u.getPort() < 0) return Optional.of("must be tcp://<host>:<port>, got '" + host + "'");
        } catch (java.net.URISyntaxException e) {
            return Optional.of("must be tcp://<host>:<port>, got '" + host + "'");
        }
        return Optional.empty();
    }

    /** The TLS files are readable PEM files and the key belongs to the certificate; nothing is contacted. */
    static void validate(Optional<DockerTls> tls, ConfigSection section) {
        if (tls.isEmpty()) return;
        ConfigSection t = section.section("tls");
        for (ClientTls.Problem p : ClientTls.check(tls.get().caFile(), tls.get().certFile(), tls.get().keyFile())) {
            t.problem(switch (p.file()) {
                case CA -> "ca_file";
                case CERT -> "cert_file";
                case KEY -> "key_file";
            }, p.message());
        }
    }

    static Optional<Path> socket(String host) {
        return host.startsWith("unix://") ? Optional.of(Path.of(host.substring("unix://".length()))) : Optional.empty();
    }

    /**
     * The host that containers of this engine are reached on when they publish a port or use the host's
     * network: the {@code tcp://} host, or 127.0.0.1 for a local socket.
     */
    static String engineHost(String host) {
        if (!host.startsWith("tcp://")) return "127.0.0.1";
        String h = URI.create(host).getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** Whether the engine is reached over a {@code tcp://} address, where container addresses are not reachable but published ports are. */
    static boolean remote(String host) {
        return host.startsWith("tcp://");
    }

    /**
     * The clients of one provider: actions (bounded requests), the same connection pool for requests
     * docker-java has no command for or whose answers must be kept whole ({@code http}), and the event
     * stream (never times out).
     */
    record Clients(DockerClient ops, DockerHttpClient http, DockerClient events, Optional<SSLContext> tls) implements AutoCloseable {
        @Override
        public void close() {
            try {
                ops.close();
                events.close();
            } catch (IOException e) {
                // closing idle connections
            }
        }
    }

    /**
     * Builds the clients; with {@code tls}, an {@code SSLContext} made by the JDK from the PEM files
     * ({@link ClientTls}), and HTTPS with the engine's certificate checked against the CA file and the host.
     *
     * @throws ProviderException when the TLS files cannot be used
     */
    static Clients clients(String label, String host, Optional<DockerTls> tls) {
        DockerClientConfig cc = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).withDockerTlsVerify(false).build();
        Optional<SSLContext> ssl;
        try {
            ssl = tls.map(t -> ClientTls.context(t.caFile(), t.certFile(), t.keyFile()));
        } catch (TlsException e) {
            throw new ProviderException(Reason.FAILED, label + ": " + e.getMessage(), e);
        }
        ZerodepDockerHttpClient.Builder ops = new ZerodepDockerHttpClient.Builder().dockerHost(cc.getDockerHost())
                .maxConnections(64).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(REQUEST_TIMEOUT);
        ZerodepDockerHttpClient.Builder events = new ZerodepDockerHttpClient.Builder().dockerHost(cc.getDockerHost())
                .maxConnections(4).connectionTimeout(Duration.ofSeconds(5));
        if (ssl.isPresent()) {
            SSLContext ctx = ssl.get();
            ops.sslConfig(() -> ctx);
            events.sslConfig(() -> ctx);
        }
        DockerHttpClient http = ops.build();
        return new Clients(DockerClientImpl.getInstance(cc, http), http, DockerClientImpl.getInstance(cc, events.build()), ssl);
    }

    /**
     * A docker-java failure as a provider failure: the engine's HTTP status and message, an unreachable
     * engine, or a refused TLS handshake ({@code UNAUTHORIZED}: a client certificate the engine does not
     * accept, or an engine certificate the CA file does not vouch for).
     */
    static ProviderException failure(String prefix, String host, RuntimeException e) {
        return failure(prefix, host, e, Optional.empty());
    }

    /**
     * Like {@link #failure(String, String, RuntimeException)}; with the provider's TLS context, a connection
     * that broke without a TLS error is looked into: with TLS 1.3 an engine that refuses the client
     * certificate says so only after the client's side of the handshake is done, so the request meets a
     * closed connection and the engine's alert is never read. One probe connection (2 s bounds) reads it.
     */
    static ProviderException failure(String prefix, String host, RuntimeException e, Optional<SSLContext> tls) {
        ProviderException p = classify(prefix, host, e);
        if (p.reason() != Reason.UNAVAILABLE || tls.isEmpty() || !host.startsWith("tcp://")) return p;
        Optional<String> alert = tlsAlert(host, tls.get());
        if (alert.isEmpty()) return p;
        return new ProviderException(Reason.UNAUTHORIZED, prefix + "TLS handshake with " + host + " failed: " + alert.get()
                + " (check tls.ca_file, cert_file and key_file against the engine's --tlscacert)", e);
    }

    /** The TLS error a fresh connection to the engine meets, if any: its handshake, what the engine sends unasked, then a request and the first byte of the answer. */
    static Optional<String> tlsAlert(String host, SSLContext ctx) {
        URI u = URI.create(host);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()), 2000);
            s.setSoTimeout(2000);
            javax.net.ssl.SSLParameters params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(params);
            s.startHandshake();
            // The engine's refusal of the certificate comes right after the handshake: read it before writing, or
            // a write to the closed connection may be answered by a reset that discards the alert.
            s.setSoTimeout(500);
            try {
                if (s.getInputStream().read() < 0) return Optional.empty();
            } catch (java.net.SocketTimeoutException quiet) {
                // accepted, so far: the engine waits for a request
            }
            s.setSoTimeout(2000);
            s.getOutputStream().write(("GET /_ping HTTP/1.1\r\nHost: " + u.getHost() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().read();
            return Optional.empty();
        } catch (SSLException x) {
            return Optional.of(x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage());
        } catch (IOException | RuntimeException x) {
            return Optional.empty();
        }
    }

    private static ProviderException classify(String prefix, String host, RuntimeException e) {
        if (e instanceof DockerException d) {
            int status = d.getHttpStatus();
            Reason reason = switch (status) {
                case 404 -> Reason.NOT_FOUND;
                case 409 -> Reason.CONFLICT;
                case 401, 403 -> Reason.UNAUTHORIZED;
                default -> Reason.FAILED;
            };
            String text = switch (status) {
                case 404 -> "404 not found";
                case 409 -> "409 conflict";
                case 500 -> "500 server error";
                default -> String.valueOf(status);
            };
            return new ProviderException(reason, prefix + text + ": " + dockerMessage(d.getMessage()), e);
        }
        Throwable root = e;
        SSLException tls = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException s && tls == null) tls = s;
            root = t;
        }
        if (tls != null) {
            return new ProviderException(Reason.UNAUTHORIZED, prefix + "TLS handshake with " + host + " failed: "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage())
                    + " (check tls.ca_file, cert_file and key_file against the engine's --tlscacert)", e);
        }
        boolean io = root instanceof IOException;
        return new ProviderException(io ? Reason.UNAVAILABLE : Reason.FAILED, prefix
                + (io ? "engine unreachable at " + host + ": " : "") + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage()), e);
    }

    /** Docker's errors arrive as {@code Status 409: {"message":"..."}}; keep just the message. */
    static String dockerMessage(String raw) {
        if (raw == null) return "";
        Matcher m = DOCKER_MESSAGE.matcher(raw);
        return (m.find() ? m.group(1).replace("\\\"", "\"") : raw).strip();
    }
}
