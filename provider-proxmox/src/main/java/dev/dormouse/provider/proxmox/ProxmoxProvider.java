package dev.dormouse.provider.proxmox;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderCheck;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Proxmox VE guests named {@code node/vmid}, LXC or QEMU (detected, then remembered). Every action returns
 * a task (UPID) that is polled until it stops; a task whose exit status is not {@code OK} fails with PVE's
 * text, and the guest's status is confirmed afterwards. What works per kind: start, shutdown with timeout
 * (stop), hard stop (kill) for both; pause/resume (suspend/resume) for QEMU only, since PVE's LXC suspend
 * is experimental; an LXC route should use {@code stop_method: stop}.
 */
final class ProxmoxProvider implements Provider {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.provider.proxmox");
    private static final Duration TASK_BOUND = Duration.ofMinutes(2);

    private final ProxmoxProviderConfig config;
    private final PveClient api;
    /** The pauses between polls. */
    private final Scheduler scheduler;
    private final Map<String, String> kinds = new ConcurrentHashMap<>();
    private final dev.dormouse.core.spi.ProviderStatus.Tracker status = new dev.dormouse.core.spi.ProviderStatus.Tracker();
    private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
    private Thread poller;
    private volatile boolean closed;

    ProxmoxProvider(ProxmoxProviderConfig config, PveClient api, Scheduler scheduler) {
        this.config = config;
        this.api = api;
        this.scheduler = scheduler;
    }

    record Guest(String node, String vmid) {
        static Guest parse(String ref) {
            int slash = ref.indexOf('/');
            if (slash <= 0 || !ref.substring(slash + 1).matches("\\d+")) {
                throw new ProviderException(Reason.FAILED, "proxmox: not a guest reference: '" + ref + "' (want node/vmid)");
            }
            return new Guest(ref.substring(0, slash), ref.substring(slash + 1));
        }

        @Override
        public String toString() {
            return node + "/" + vmid;
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return ProxmoxProviderFactory.KIND;
    }

    /** {@code lxc} or {@code qemu}, asked of PVE once; empty when the guest does not exist. */
    private Optional<String> kindOf(Guest g) {
        String known = kinds.get(g.toString());
        if (known != null) return Optional.of(known);
        for (String k : new String[] {"qemu", "lxc"}) {
            try {
                api.get("/nodes/" + g.node + "/" + k + "/" + g.vmid + "/status/current", "inspect", g.toString());
                kinds.put(g.toString(), k);
                return Optional.of(k);
            } catch (ProviderException e) {
                if (e.reason() != Reason.NOT_FOUND) throw e;
            }
        }
        return Optional.empty();
    }

    @Override
    public ContainerState inspect(String container) {
        Guest g = Guest.parse(container);
        Optional<String> kind = kindOf(g);
        if (kind.isEmpty()) return ContainerState.missing(container);
        JsonNode d;
        try {
            d = api.get(path(g, kind.get()) + "/status/current", "inspect", container);
        } catch (ProviderException e) {
            if (e.reason() != Reason.NOT_FOUND) throw e;
            kinds.remove(container);
            return ContainerState.missing(container);
        }
        return state(container, kind.get(), d);
    }

    static ContainerState state(String ref, String kind, JsonNode d) {
        String status = d.path("status").asText("");
        ContainerStatus s = switch (status) {
            case "running" -> "paused".equals(d.path("qmpstatus").asText("")) ? ContainerStatus.PAUSED : ContainerStatus.RUNNING;
            case "stopped" -> ContainerStatus.STOPPED;
            default -> ContainerStatus.STOPPED;
        };
        long uptime = d.path("uptime").asLong(0);
        return new ContainerState(ref, d.path("name").asText(ref), s, ContainerHealth.NONE, kind, 0, 0,
                uptime > 0 ? Optional.of(Instant.now().minusSeconds(uptime)) : Optional.empty(), Optional.empty(), Map.of(), "");
    }

    private static String path(Guest g, String kind) {
        return "/nodes/" + g.node + "/" + kind + "/" + g.vmid;
    }

    private String requireKind(Guest g, String action) {
        return kindOf(g).orElseThrow(() -> new ProviderException(Reason.NOT_FOUND, api.prefix(action, g.toString()) + "no such guest"));
    }

    /** Runs a status action, waits for its task, and confirms the guest reached {@code want}. */
    private void act(String container, String action, String pveAction, Map<String, String> form, ContainerStatus want, Duration bound) {
        Guest g = Guest.parse(container);
        String kind = requireKind(g, action);
        if (inspect(container).status() == want) return;
        JsonNode upid = api.post(path(g, kind) + "/status/" + pveAction, form, action, container);
        waitTask(g, upid.asText(""), action, bound);
        ContainerStatus now = inspect(container).status();
        if (now != want) {
            throw new ProviderException(Reason.FAILED, api.prefix(action, container) + "task finished but the guest is "
                    + now.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void waitTask(Guest g, String upid, String action, Duration bound) {
        if (upid.isEmpty()) return;
        long deadline = System.nanoTime() + bound.toNanos();
        long pause = 50;
        while (true) {
            JsonNode t = api.get("/nodes/" + g.node + "/tasks/" + java.net.URLEncoder.encode(upid, java.nio.charset.StandardCharsets.UTF_8)
                    + "/status", action, g.toString());
            if ("stopped".equals(t.path("status").asText())) {
                String exit = t.path("exitstatus").asText("");
                if (exit.equals("OK")) return;
                throw new ProviderException(Reason.FAILED, api.prefix(action, g.toString()) + "task failed: " + exit);
            }
            if (System.nanoTime() > deadline) {
                throw new ProviderException(Reason.TIMEOUT, api.prefix(action, g.toString()) + "task " + upid + " still running after "
                        + bound.toSeconds() + "s");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(Reason.FAILED, api.prefix(action, g.toString()) + "interrupted");
            }
            pause = Math.min(500, pause * 2);
        }
    }

    /**
     * The guest's first IPv4 address outside loopback and link-local: LXC from {@code /interfaces}, QEMU
     * from the guest agent ({@code agent/network-get-interfaces}), which answers only once the agent runs.
     */
    @Override
    public Optional<String> address(String container) {
        Guest g = Guest.parse(container);
        String kind = requireKind(g, "find address");
        if (kind.equals("lxc")) {
            for (JsonNode i : api.get(path(g, kind) + "/interfaces", "find address", container)) {
                if (i.path("name").asText("").equals("lo")) continue;
                String inet = i.path("inet").asText("");
                int slash = inet.indexOf('/');
                Optional<String> a = usable(slash < 0 ? inet : inet.substring(0, slash));
                if (a.isPresent()) return a;
            }
        } else {
            JsonNode d = api.get(path(g, kind) + "/agent/network-get-interfaces", "find address", container);
            for (JsonNode i : d.path("result")) {
                if (i.path("name").asText("").equals("lo")) continue;
                for (JsonNode a : i.path("ip-addresses")) {
                    if (!a.path("ip-address-type").asText("").equals("ipv4")) continue;
                    Optional<String> u = usable(a.path("ip-address").asText(""));
                    if (u.isPresent()) return u;
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> usable(String ipv4) {
        if (ipv4.isEmpty() || ipv4.contains(":") || ipv4.equals("127.0.0.1") || ipv4.startsWith("169.254.")) return Optional.empty();
        return Optional.of(ipv4);
    }

    /**
     * A task is followed for its bound ({@link #TASK_BOUND}, plus the grace for a shutdown); around it an
     * action makes at most four requests (the guest's kind, its status before, the action, its status
     * after) and one last task poll may begin just before the bound, each a request that
     * {@link PveClient#REQUEST_BOUND} bounds.
     */
    @Override
    public Duration actionBound(Action action, Duration stopTimeout) {
        Duration requests = PveClient.REQUEST_BOUND.multipliedBy(5);
        return switch (action) {
            case INSPECT -> PveClient.REQUEST_BOUND.multipliedBy(2);
            case STOP -> TASK_BOUND.plus(stopTimeout).plus(requests);
            default -> TASK_BOUND.plus(requests);
        };
    }

    @Override
    public void start(String container) {
        act(container, "start", "start", Map.of(), ContainerStatus.RUNNING, TASK_BOUND);
    }

    @Override
    public void stop(String container, String signal, Duration timeout) {
        long seconds = Math.max(1, timeout.toSeconds());
        act(container, "stop", "shutdown", Map.of("timeout", Long.toString(seconds), "forceStop", "1"), ContainerStatus.STOPPED,
                TASK_BOUND.plus(timeout));
    }

    @Override
    public void kill(String container, String signal) {
        act(container, "kill", "stop", Map.of(), ContainerStatus.STOPPED, TASK_BOUND);
    }

    @Override
    public void pause(String container) {
        Guest g = Guest.parse(container);
        if (requireKind(g, "pause").equals("lxc")) {
            throw new ProviderException(Reason.CONFLICT, api.prefix("pause", container)
                    + "pausing LXC guests is not supported (PVE's LXC suspend is experimental); use stop_method stop");
        }
        act(container, "pause", "suspend", Map.of(), ContainerStatus.PAUSED, TASK_BOUND);
    }

    @Override
    public void unpause(String container) {
        Guest g = Guest.parse(container);
        if (requireKind(g, "unpause").equals("lxc")) return;
        act(container, "unpause", "resume", Map.of(), ContainerStatus.RUNNING, TASK_BOUND);
    }

    @Override
    public void remove(String container) {
        Guest g = Guest.parse(container);
        String kind = requireKind(g, "remove");
        if (inspect(container).status() != ContainerStatus.STOPPED) {
            throw new ProviderException(Reason.CONFLICT, api.prefix("remove", container) + "guest is not stopped");
        }
        waitTask(g, api.delete(path(g, kind), "remove", container).asText(""), "remove", TASK_BOUND);
        kinds.remove(container);
    }

    /** {@code GET /version}: answers only with a token PVE accepts. PVE tells no clock there. */
    @Override
    public Optional<ProviderCheck> check() {
        JsonNode v = api.get("/version", "check", "");
        return Optional.of(new ProviderCheck("PVE " + v.path("version").asText("?"), Optional.empty()));
    }

    // ---------------------------------------------------------------- events by polling

    @Override
    public dev.dormouse.core.spi.ProviderStatus status() {
        return status.get();
    }

    /** One poller per provider, shared by all subscribers: one {@code /cluster/resources} request per interval. */
    @Override
    public synchronized AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        listeners.add(listener);
        if (poller == null) poller = Thread.ofVirtual().name("proxmox-poll-" + config.name()).start(this::poll);
        return () -> listeners.remove(listener);
    }

    private void poll() {
        Map<String, String> last = null;
        boolean failing = false;
        while (!closed) {
            try {
                JsonNode list = api.get("/cluster/resources?type=vm", "poll", "");
                Map<String, String> now = new HashMap<>();
                for (JsonNode r : list) {
                    String ref = r.path("node").asText() + "/" + r.path("vmid").asText();
                    String st = r.path("status").asText("");
                    if ("paused".equals(r.path("qmpstatus").asText(""))) st = "paused";
                    now.put(ref, st);
                    kinds.putIfAbsent(ref, r.path("type").asText("qemu"));
                }
                if (failing) {
                    LOG.log(Level.INFO, "proxmox {0}: reachable again", config.name());
                    emit("", ContainerEvent.Action.RESYNC);
                    failing = false;
                }
                status.connected();
                if (last != null) diff(last, now);
                last = now;
            } catch (ProviderException e) {
                status.failed(e.getMessage());
                if (!failing) LOG.log(Level.WARNING, "proxmox {0}: poll guests: {1}", config.name(), e.getMessage());
                failing = true;
            }
            try {
                scheduler.sleep(config.pollInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void diff(Map<String, String> before, Map<String, String> now) {
        for (Map.Entry<String, String> e : now.entrySet()) {
            String was = before.get(e.getKey());
            String is = e.getValue();
            if (was == null) emit(e.getKey(), ContainerEvent.Action.CREATE);
            if (is.equals(was)) continue;
            switch (is) {
                case "running" -> emit(e.getKey(), "paused".equals(was) ? ContainerEvent.Action.UNPAUSE : ContainerEvent.Action.START);
                case "paused" -> emit(e.getKey(), ContainerEvent.Action.PAUSE);
                default -> {
                    if (was != null) emit(e.getKey(), ContainerEvent.Action.STOP);
                }
            }
        }
        for (String gone : before.keySet()) {
            if (!now.containsKey(gone)) {
                kinds.remove(gone);
                emit(gone, ContainerEvent.Action.DESTROY);
            }
        }
    }

    private void emit(String ref, ContainerEvent.Action action) {
        ContainerEvent ev = new ContainerEvent(config.name(), ref, ref, action, Instant.now(), Map.of());
        if (action != ContainerEvent.Action.RESYNC) status.event(ev.time());
        for (Consumer<ContainerEvent> l : listeners) {
            try {
                l.accept(ev);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "proxmox " + config.name() + ": event listener failed on " + action + " of " + ref, e);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (poller != null) poller.interrupt();
        api.close();
    }

    @Override
    public String toString() {
        return "proxmox " + config.name() + " (" + config.url() + ")";
    }
}
