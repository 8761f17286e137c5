package dev.dormouse.provider.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import java.net.InetSocketAddress;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** Pure translation of Docker's answers into the provider SPI's types. */
final class DockerStates {
    private DockerStates() {}

    /** Maps Docker's {@code State.Status} (and the paused flag) to a status. A restarting container counts as running. */
    static ContainerStatus status(String dockerStatus, boolean paused) {
        if (paused) return ContainerStatus.PAUSED;
        if (dockerStatus == null) return ContainerStatus.STOPPED;
        return switch (dockerStatus) {
            case "running", "restarting" -> ContainerStatus.RUNNING;
            case "paused" -> ContainerStatus.PAUSED;
            case "removing" -> ContainerStatus.MISSING;
            default -> ContainerStatus.STOPPED; // created, exited, dead
        };
    }

    static ContainerHealth health(String dockerHealth) {
        if (dockerHealth == null) return ContainerHealth.NONE;
        return switch (dockerHealth) {
            case "starting" -> ContainerHealth.STARTING;
            case "healthy" -> ContainerHealth.HEALTHY;
            case "unhealthy" -> ContainerHealth.UNHEALTHY;
            default -> ContainerHealth.NONE;
        };
    }

    /** Docker writes {@code 0001-01-01T00:00:00Z} for "never". */
    static Optional<Instant> time(String text) {
        if (text == null || text.isEmpty() || text.startsWith("0001-")) return Optional.empty();
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The list endpoint's {@code Created}: seconds since the epoch; 0 or absent when unknown. */
    static Optional<Instant> created(Long epochSeconds) {
        return epochSeconds == null || epochSeconds <= 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(epochSeconds));
    }

    static ContainerState state(InspectContainerResponse r) {
        InspectContainerResponse.ContainerState s = r.getState();
        String status = s == null ? null : s.getStatus();
        boolean paused = s != null && Boolean.TRUE.equals(s.getPaused());
        String health = s == null || s.getHealth() == null ? null : s.getHealth().getStatus();
        Long exit = s == null ? null : s.getExitCodeLong();
        String name = r.getName() == null ? "" : r.getName().startsWith("/") ? r.getName().substring(1) : r.getName();
        Map<String, String> labels = r.getConfig() == null || r.getConfig().getLabels() == null ? Map.of() : r.getConfig().getLabels();
        String image = r.getConfig() == null || r.getConfig().getImage() == null ? "" : r.getConfig().getImage();
        String address = address(r.getHostConfig() == null ? null : r.getHostConfig().getNetworkMode(),
                r.getNetworkSettings() == null ? null : r.getNetworkSettings().getNetworks());
        return new ContainerState(r.getId() == null ? "" : r.getId(), name, status(status, paused), health(health), image,
                r.getRestartCount() == null ? 0 : r.getRestartCount(), exit == null ? 0 : exit.intValue(),
                time(s == null ? null : s.getStartedAt()), time(r.getCreated()), labels, address,
                s != null && Boolean.TRUE.equals(s.getOOMKilled()));
    }

    /** 127.0.0.1 with host networking, else the first IP the container has on a network; empty when none. */
    static String address(String networkMode, Map<String, ContainerNetwork> networks) {
        if ("host".equals(networkMode)) return "127.0.0.1";
        if (networks == null) return "";
        for (ContainerNetwork n : networks.values()) {
            if (n.getIpAddress() != null && !n.getIpAddress().isEmpty()) return n.getIpAddress();
        }
        return "";
    }

    /** Where a container's port is reached, or why it cannot be; {@code at} is empty while the container has no address. */
    record Reach(Optional<InetSocketAddress> at, Optional<String> problem) {
        static Reach at(String host, int port) {
            return new Reach(Optional.of(InetSocketAddress.createUnresolved(host, port)), Optional.empty());
        }

        static final Reach NOT_YET = new Reach(Optional.empty(), Optional.empty());

        static Reach problem(String why) {
            return new Reach(Optional.empty(), Optional.of(why));
        }
    }

    /**
     * Where {@code port}/{@code transport} of a running container is reached from dormouse. On a local
     * engine ({@code remote} false): the container's own address at that port (127.0.0.1 with host
     * networking). On a remote one: with host networking the engine's host at that port, else the host
     * port it is published on ({@code docker run -p}); a binding to all addresses is reached at the
     * engine's host, one to a given address at that address, except a loopback one of a remote host.
     */
    static Reach reach(InspectContainerResponse r, String engineHost, boolean remote, String transport, int port) {
        InspectContainerResponse.ContainerState s = r.getState();
        if (s == null || !Boolean.TRUE.equals(s.getRunning())) return Reach.NOT_YET;
        String mode = r.getHostConfig() == null ? null : r.getHostConfig().getNetworkMode();
        if (!remote) {
            String a = address(mode, r.getNetworkSettings() == null ? null : r.getNetworkSettings().getNetworks());
            return a.isEmpty() ? Reach.NOT_YET : Reach.at(a, port);
        }
        if ("host".equals(mode)) return Reach.at(engineHost, port);
        Ports ports = r.getNetworkSettings() == null ? null : r.getNetworkSettings().getPorts();
        Ports.Binding[] bound = ports == null || ports.getBindings() == null ? null
                : ports.getBindings().get(new ExposedPort(port, InternetProtocol.parse(transport)));
        String name = r.getName() == null ? "" : r.getName().replaceFirst("^/", "");
        if (bound == null || bound.length == 0) {
            return Reach.problem("port " + port + "/" + transport + " of container '" + name + "' is not published; a container of a remote engine "
                    + "is reached at a port published on the engine's host (docker run -p " + port + ")");
        }
        String loopbackOnly = "";
        for (Ports.Binding b : bound) {
            String ip = b.getHostIp() == null ? "" : b.getHostIp();
            int hostPort;
            try {
                hostPort = Integer.parseInt(b.getHostPortSpec());
            } catch (NumberFormatException e) {
                continue;
            }
            if (ip.isEmpty() || ip.equals("0.0.0.0") || ip.equals("::")) return Reach.at(engineHost, hostPort);
            if (loopback(ip) && !loopback(engineHost)) {
                loopbackOnly = ip;
                continue;
            }
            return Reach.at(ip, hostPort);
        }
        return Reach.problem("port " + port + "/" + transport + " of container '" + name + "' is published only on "
                + (loopbackOnly.isEmpty() ? "no usable port" : loopbackOnly + " of the engine's host") + ", which dormouse cannot reach");
    }

    private static boolean loopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1") || ip.equals("localhost");
    }

    /** A container from the list endpoint (no health or restart count there). */
    static ContainerState state(com.github.dockerjava.api.model.Container c) {
        String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0];
        if (name.startsWith("/")) name = name.substring(1);
        String address = address(c.getHostConfig() == null ? null : c.getHostConfig().getNetworkMode(),
                c.getNetworkSettings() == null ? null : c.getNetworkSettings().getNetworks());
        return new ContainerState(c.getId(), name, status(c.getState(), "paused".equals(c.getState())), ContainerHealth.NONE,
                c.getImage() == null ? "" : c.getImage(), 0, 0, Optional.empty(), created(c.getCreated()), c.getLabels() == null ? Map.of() : c.getLabels(), address);
    }

    /**
     * Maps a Docker (or Podman) event action; {@code health_status: healthy} and {@code exec_*} carry a
     * suffix. Null when not followed ({@code exec_*}, {@code attach}, Podman's {@code init} and {@code cleanup}).
     */
    static ContainerEvent.Action action(String dockerAction) {
        if (dockerAction == null) return null;
        if (dockerAction.startsWith("health_status")) return ContainerEvent.Action.HEALTH_STATUS;
        return switch (dockerAction) {
            case "create" -> ContainerEvent.Action.CREATE;
            case "start" -> ContainerEvent.Action.START;
            case "restart" -> ContainerEvent.Action.RESTART;
            case "stop" -> ContainerEvent.Action.STOP;
            case "die" -> ContainerEvent.Action.DIE;
            case "kill" -> ContainerEvent.Action.KILL;
            case "oom" -> ContainerEvent.Action.OOM;
            case "pause" -> ContainerEvent.Action.PAUSE;
            case "unpause" -> ContainerEvent.Action.UNPAUSE;
            case "destroy", "remove" -> ContainerEvent.Action.DESTROY; // Podman says remove
            case "rename" -> ContainerEvent.Action.RENAME;
            default -> null;
        };
    }
}
