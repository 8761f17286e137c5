package dev.dormouse.cli;

import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.RouteConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The doctor's check that every listener's port is free: bound for a moment and released. A port in use
 * is fine when a dormouse daemon answers on the admin address (it holds its own listeners).
 */
final class PortChecks {
    /** One listener: its config key and address. */
    record Listener(String key, ListenAddress address) {
        String where() {
            return (address.transport().equals("udp") ? "udp " : "") + (address.wildcard() ? "*:" + address.port() : address.hostPort());
        }
    }

    private PortChecks() {}

    /** server.http, server.https, server.admin and every stream route's listen, as configured. */
    static List<Listener> listeners(DormouseConfig cfg) {
        List<Listener> out = new ArrayList<>();
        server(out, "server.http", cfg.server().httpAddress());
        server(out, "server.https", cfg.server().httpsAddress());
        server(out, "server.admin", cfg.server().adminAddress());
        for (RouteConfig r : cfg.routes()) r.listen().ifPresent(l -> out.add(new Listener("route " + r.name() + " listen", l)));
        return out;
    }

    private static void server(List<Listener> out, String key, Optional<ListenAddress> listen) {
        listen.ifPresent(l -> out.add(new Listener(key, l)));
    }

    /** Each listener bound and released; {@code daemonAnswers} is asked (once) when a port is in use. */
    static List<DoctorCheck> check(List<Listener> listeners, BooleanSupplier daemonAnswers) {
        List<DoctorCheck> out = new ArrayList<>();
        Boolean daemon = null;
        for (Listener l : listeners) {
            String name = "port " + l.key();
            if (l.address().port() == 0) {
                out.add(DoctorCheck.ok(name, "any free port (0)"));
                continue;
            }
            try {
                bind(l);
                out.add(DoctorCheck.ok(name, l.where() + " is free"));
            } catch (BindException e) {
                String why = e.getMessage() == null ? "" : e.getMessage();
                if (why.contains("in use")) {
                    if (daemon == null) daemon = daemonAnswers.getAsBoolean();
                    out.add(daemon ? DoctorCheck.ok(name, l.where() + " is in use by the running daemon")
                            : DoctorCheck.problem(name, l.where() + " is in use by another process (no dormouse daemon answers on server.admin)"));
                } else if (why.contains("Permission denied")) {
                    out.add(DoctorCheck.warning(name, l.where() + ": this user may not listen on ports below 1024; the daemon needs "
                            + "CAP_NET_BIND_SERVICE (the systemd unit has it)"));
                } else {
                    out.add(DoctorCheck.problem(name, "cannot listen on " + l.where() + ": " + why));
                }
            } catch (IOException e) {
                out.add(DoctorCheck.problem(name, "cannot listen on " + l.where() + ": " + e.getClass().getSimpleName() + " " + e.getMessage()));
            }
        }
        return out;
    }

    private static void bind(Listener l) throws IOException {
        InetSocketAddress a = l.address().bindAddress();
        if (l.address().transport().equals("udp")) {
            try (DatagramSocket s = new DatagramSocket(null)) {
                s.bind(a);
            }
        } else {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(a);
            }
        }
    }
}
