package dev.dormouse.cli;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.tls.TlsValidation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code validate}, {@code serve} and every reload check of the {@code tls:} block beyond the config file
 * itself ({@link TlsValidation}: the certificate and key files, {@code acme.ca_file}, route hosts no certificate
 * can serve), and what is worth saying about the listeners the certificates need. Problems make the config
 * invalid; notes are printed as warnings.
 */
final class TlsChecks {
    private TlsChecks() {}

    /** The files' problems, at their key paths. */
    static List<ConfigProblem> problems(DormouseConfig c) {
        String file = file(c);
        List<ConfigProblem> out = new ArrayList<>();
        for (TlsValidation.Finding f : validate(c).problems()) out.add(new ConfigProblem(file, 0, 0, f.path(), f.message()));
        return out;
    }

    /** Warnings, each {@code <file>: <key path>: <message>}. */
    static List<String> notes(DormouseConfig c) {
        String file = file(c);
        List<String> out = new ArrayList<>();
        for (TlsValidation.Finding f : validate(c).notes()) out.add(file + ": " + f.path() + ": " + f.message());
        boolean https = c.server().httpsAddress().isPresent();
        if (c.tls().hasSource() && !https) {
            out.add(file + ": tls: server.https is empty, so no listener serves these certificates");
        }
        Optional<AcmeConfig> acme = c.tls().acme();
        if (https && acme.isPresent()) {
            if (acme.get().challenge() == AcmeConfig.Challenge.HTTP_01) {
                Optional<ListenAddress> http = c.server().httpAddress();
                if (http.isEmpty()) {
                    out.add(file + ": tls.acme.challenge: http-01 is answered on the HTTP listener, and server.http is empty");
                } else if (http.get().port() != 80) {
                    out.add(file + ": tls.acme.challenge: http-01 is validated on port 80; the HTTP listener is on port " + http.get().port()
                            + ", so port 80 must be forwarded to it");
                }
            } else {
                int port = c.server().httpsAddress().get().port();
                if (port != 443) {
                    out.add(file + ": tls.acme.challenge: tls-alpn-01 is validated on port 443; the HTTPS listener is on port " + port
                            + ", so port 443 must be forwarded to it");
                }
            }
        }
        return out;
    }

    private static TlsValidation.Result validate(DormouseConfig c) {
        Set<String> hosts = new TreeSet<>();
        for (RouteConfig r : c.routes()) {
            if (!r.isStream()) hosts.addAll(r.hosts());
        }
        return TlsValidation.validate(c.tls(), hosts, Instant.now());
    }

    private static String file(DormouseConfig c) {
        return c.source() == null ? "" : c.source().toString();
    }
}
