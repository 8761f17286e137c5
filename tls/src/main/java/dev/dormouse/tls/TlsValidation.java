package dev.dormouse.tls;

import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.TlsConfig;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code dormouse validate} (and every config load) checks about the {@code tls:} block, without any
 * network: the certificate and key files, {@code acme.ca_file}, and route hosts no certificate can serve.
 * The caller turns each finding into a config problem (or a note) at its key path.
 */
public final class TlsValidation {
    private TlsValidation() {}

    /**
     * One finding.
     *
     * @param path the key path, e.g. {@code tls.certificates[0].key_file}
     * @param message what is wrong, naming the file or host
     */
    public record Finding(String path, String message) {
        public Finding {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * @param problems make the config invalid: a file unreadable, not PEM, without certificate or key, a key
     *     that does not match, an unreadable {@code ca_file}
     * @param notes worth saying, not wrong: an expired certificate (still served), a wildcard route host
     *     that ACME cannot serve, a route host no certificate covers
     */
    public record Result(List<Finding> problems, List<Finding> notes) {
        public Result {
            problems = List.copyOf(problems);
            notes = List.copyOf(notes);
        }
    }

    /** Checks the block against the route hosts (as configured; wildcards included). Reads files, nothing else. */
    public static Result validate(TlsConfig tls, Set<String> routeHosts, Instant now) {
        List<Finding> problems = new ArrayList<>();
        List<Finding> notes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < tls.certificates().size(); i++) {
            TlsCertificate c = tls.certificates().get(i);
            String at = "tls.certificates[" + i + "].";
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            try {
                chain = PemFiles.certificates(c.certFile(), PemFiles.read(c.certFile()));
            } catch (TlsException e) {
                problems.add(new Finding(at + "cert_file", detail(e)));
            }
            try {
                key = PemFiles.privateKey(c.keyFile(), PemFiles.read(c.keyFile()));
            } catch (TlsException e) {
                problems.add(new Finding(at + "key_file", detail(e)));
            }
            if (chain == null) continue;
            X509Certificate leaf = chain.get(0);
            names.addAll(HostNames.of(leaf));
            if (key != null) {
                try {
                    PemFiles.checkMatch(leaf, c.certFile(), key, c.keyFile());
                } catch (TlsException e) {
                    problems.add(new Finding(at + "key_file", detail(e)));
                }
            }
            if (now.isAfter(leaf.getNotAfter().toInstant())) {
                notes.add(new Finding(at + "cert_file", "the certificate in " + c.certFile() + " (" + String.join(", ", HostNames.of(leaf))
                        + ") expired on " + leaf.getNotAfter().toInstant() + "; it is still served"));
            }
        }
        Set<String> hosts = new TreeSet<>();
        for (String h : routeHosts) hosts.add(h.toLowerCase(Locale.ROOT));
        tls.acme().ifPresent(acme -> acme.caFile().ifPresent(ca -> {
            try {
                PemFiles.certificates(ca, PemFiles.read(ca));
            } catch (TlsException e) {
                problems.add(new Finding("tls.acme.ca_file", detail(e)));
            }
        }));
        for (String host : hosts) {
            if (names.stream().anyMatch(n -> HostNames.covers(n, host) || n.equals(host))) continue;
            if (tls.acme().isPresent()) {
                if (HostNames.isWildcard(host)) {
                    notes.add(new Finding("tls.acme", "route host '" + host + "' needs the DNS-01 challenge, which dormouse does not do; give it a certificate file"));
                } else if (!HostNames.isIssuable(host)) {
                    notes.add(new Finding("tls.acme", "route host '" + host + "' is not a public DNS name an ACME CA issues for; give it a certificate file"));
                }
            } else if (!names.isEmpty()) {
                notes.add(new Finding("tls.certificates", "no certificate covers route host '" + host + "'; its clients get the first certificate ("
                        + String.join(", ", firstNames(tls)) + ")"));
            }
        }
        return new Result(problems, notes);
    }

    private static List<String> firstNames(TlsConfig tls) {
        try {
            Path f = tls.certificates().get(0).certFile();
            return HostNames.of(PemFiles.certificates(f, PemFiles.read(f)).get(0));
        } catch (TlsException e) {
            return List.of("unreadable");
        }
    }

    private static String detail(TlsException e) {
        String m = e.getMessage();
        return m.startsWith("tls: ") ? m.substring(5) : m;
    }
}
