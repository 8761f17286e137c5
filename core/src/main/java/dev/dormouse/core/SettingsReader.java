package dev.dormouse.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The sections that configure the process rather than a route: {@code server}, {@code tls}, {@code runtime}, {@code notifications}. */
final class SettingsReader {
    private SettingsReader() {}

    static ServerConfig server(ConfigSection server) {
        String http = listen(server, "http", ":8080");
        String https = listen(server, "https", "");
        String admin = listen(server, "admin", "127.0.0.1:9180");
        Path dataDir = server.path("data_dir", "./data").orElse(null);
        HttpLimits limits = limits(server.section("limits"));
        List<Cidr> trusted = new ArrayList<>();
        List<String> rawTrusted = server.stringList("trusted_proxies");
        for (int i = 0; i < rawTrusted.size(); i++) {
            try {
                trusted.add(Cidr.parse(rawTrusted.get(i)));
            } catch (IllegalArgumentException e) {
                server.problemItem("trusted_proxies", i, e.getMessage());
            }
        }
        server.finish();
        return new ServerConfig(http, https, admin, dataDir, limits, trusted);
    }

    /** A server listener as written ({@link ListenAddress#parse}); empty disables it. */
    private static String listen(ConfigSection s, String key, String def) {
        String v = s.string(key, def);
        if (!v.isEmpty()) {
            try {
                ListenAddress.parse(v);
            } catch (IllegalArgumentException e) {
                s.problem(key, e.getMessage());
            }
        }
        return v;
    }

    private static HttpLimits limits(ConfigSection s) {
        HttpLimits d = HttpLimits.DEFAULT;
        long header = s.size("max_header_bytes", d.maxHeaderBytes());
        if (header < HttpLimits.MIN_HEADER_BYTES || header > HttpLimits.MAX_HEADER_BYTES) {
            s.problem("max_header_bytes", "must be 1KiB to 16MiB, got " + ByteSizes.format(header));
            header = d.maxHeaderBytes();
        }
        Duration timeout = s.positiveDuration("header_timeout", d.headerTimeout());
        int connections = s.integer("max_connections", d.maxConnections());
        if (connections < 1 || connections > 1_000_000) {
            s.problem("max_connections", "must be 1 to 1000000, got " + connections);
            connections = d.maxConnections();
        }
        s.finish();
        return new HttpLimits(header, timeout, connections);
    }

    static TlsConfig tls(ConfigSection tls) {
        List<TlsCertificate> certs = new ArrayList<>();
        for (ConfigSection c : tls.sections("certificates")) {
            Optional<Path> cert = c.requiredPath("cert_file");
            Optional<Path> key = c.requiredPath("key_file");
            c.finish();
            if (cert.isPresent() && key.isPresent()) certs.add(new TlsCertificate(cert.get(), key.get()));
        }
        Optional<AcmeConfig> acme = Optional.empty();
        if (tls.has("acme")) {
            ConfigSection a = tls.section("acme");
            String email = a.string("email", "");
            if (!email.isEmpty() && !email.matches("[^@\\s]+@[^@\\s]+")) a.problem("email", "not an email address, got '" + email + "'");
            String dir = a.string("directory", AcmeConfig.LETS_ENCRYPT.toString());
            URI directory = AcmeConfig.LETS_ENCRYPT;
            if (!dir.startsWith("https://") && !dir.startsWith("http://")) {
                a.problem("directory", "must be the http(s) URL of the CA's ACME directory, got '" + dir + "'");
            } else {
                try {
                    directory = new URI(dir);
                } catch (URISyntaxException e) {
                    a.problem("directory", "not a URL: '" + dir + "'");
                }
            }
            Optional<Path> caFile = a.path("ca_file", "");
            String challenge = a.oneOf("challenge", "http-01", Set.of("http-01", "tls-alpn-01"));
            a.finish();
            acme = Optional.of(new AcmeConfig(email.isEmpty() ? Optional.empty() : Optional.of(email), directory,
                    caFile, "tls-alpn-01".equals(challenge) ? AcmeConfig.Challenge.TLS_ALPN_01 : AcmeConfig.Challenge.HTTP_01));
        }
        boolean redirect = tls.bool("redirect_http", true);
        String min = tls.oneOf("min_version", "1.2", Set.of("1.2", "1.3"));
        tls.finish();
        return new TlsConfig(certs, acme, redirect, min);
    }

    static RuntimeConfig runtime(ConfigSection runtime) {
        RuntimeConfig r = new RuntimeConfig(
                runtime.positiveDuration("inspect_interval", Duration.ofSeconds(30)),
                runtime.positiveDuration("reconcile_interval", Duration.ofMinutes(5)),
                runtime.positiveDuration("cleanup_interval", Duration.ofHours(1)),
                runtime.positiveDuration("history_retention", RuntimeConfig.DEFAULT_HISTORY_RETENTION));
        runtime.finish();
        return r;
    }

    /** {@code notifications: [...]}; an entry without its name, type or url is left out (and reported). */
    static List<NotificationConfig> notifications(ConfigSection top) {
        List<NotificationConfig> out = new ArrayList<>();
        for (ConfigSection s : top.sections("notifications")) {
            Optional<String> name = s.requiredString("name");
            Optional<String> type = s.oneOf("type", Set.of("ntfy", "gotify", "webhook"));
            Optional<String> url = s.requiredString("url");
            Optional<Path> token = s.path("token_file", "");
            List<String> events = s.stringList("events");
            if (s.has("events") && events.isEmpty()) {
                s.problem("events", "must name at least one of " + String.join(", ", NotificationConfig.EVENTS) + " (or be left out for down, up)");
            }
            for (String ev : events) {
                if (!NotificationConfig.EVENTS.contains(ev)) {
                    s.problem("events", "events are " + String.join(", ", NotificationConfig.EVENTS) + ", got '" + ev + "'");
                }
            }
            Map<String, String> headers = s.stringMap("headers");
            if (url.isPresent() && !url.get().startsWith("http://") && !url.get().startsWith("https://")) {
                s.problem("url", "must be an http(s) URL, got '" + url.get() + "'");
            }
            s.finish();
            if (name.isPresent() && type.isPresent() && url.isPresent()) {
                out.add(new NotificationConfig(name.get(), type.get(), url.get(), token, events, headers));
            }
        }
        return out;
    }
}
