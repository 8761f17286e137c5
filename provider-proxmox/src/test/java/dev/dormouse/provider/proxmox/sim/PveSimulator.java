package dev.dormouse.provider.proxmox.sim;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.provider.proxmox.sim.SimHttpServer.Reply;
import dev.dormouse.provider.proxmox.sim.SimHttpServer.Request;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Proxmox VE API simulator for tests, following the PVE API documentation (api2/json):
 * <ul>
 * <li>auth: {@code Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET}, else 401;</li>
 * <li>{@code GET /nodes/{node}/{lxc|qemu}/{vmid}/status/current}: {@code {"data":{"status","name","vmid","qmpstatus"?,"uptime"}}};
 *     an unknown guest answers 500 with "Configuration file 'nodes/N/qemu/V.conf' does not exist";</li>
 * <li>{@code POST .../status/{start|shutdown|stop|suspend|resume}}: {@code {"data":"UPID:..."}}; the task
 *     runs for {@link #taskMillis} and then changes the guest;</li>
 * <li>{@code GET /nodes/{node}/tasks/{upid}/status}: {@code {"data":{"status":"running"|"stopped","exitstatus":"OK"|text}}};</li>
 * <li>{@code GET /cluster/resources?type=vm}: every guest with node, vmid, type, status, name.</li>
 * <li>{@code GET /version}: {@code {"data":{"version","release","repoid"}}}.</li>
 * <li>{@code GET /nodes/{node}/lxc/{vmid}/interfaces}: {@code {"data":[{"name","inet":"ADDR/8","hwaddr"}]}} with
 *     {@code lo} first; a stopped container answers 500 "CT VMID not running";</li>
 * <li>{@code GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces}: {@code {"data":{"result":[{"name",
 *     "ip-addresses":[{"ip-address","ip-address-type","prefix"}]}]}}}; 500 "QEMU guest agent is not running"
 *     while the VM is stopped or for {@link Guest#agentDelayMillis} after it starts.</li>
 * </ul>
 * Errors carry PVE's text in the JSON {@code message}. Connections stay open by default; {@link
 * #closeAfterEveryAnswer()} and {@link #keepAliveTimeout(long, boolean)} end them as servers and proxies
 * do, and {@link #cutNextAction} loses an action's answer. A running guest serves a real HTTP upstream on its
 * port, so a route to it behaves like one to a real guest. Checked against the documentation only; a real
 * PVE may add fields, which the provider ignores.
 */
public final class PveSimulator implements AutoCloseable {
    private static final Pattern STATUS = Pattern.compile("/api2/json/nodes/([^/]+)/(lxc|qemu)/(\\d+)/status/(\\w+)");
    private static final Pattern ADDRESS = Pattern.compile("/api2/json/nodes/([^/]+)/(lxc|qemu)/(\\d+)/(interfaces|agent/network-get-interfaces)");
    private static final Pattern TASK = Pattern.compile("/api2/json/nodes/([^/]+)/tasks/([^/]+)/status");

    /** One guest. Its upstream answers {@code hello from NAME} on 127.0.0.1:port while it runs. */
    public final class Guest {
        final String node;
        final String kind;
        final int vmid;
        final String name;
        final int port;
        volatile String status = "stopped";
        volatile boolean paused;
        volatile String failNext;
        /** The guest's address on its network; its upstream listens there. Any 127.x address works on Linux. */
        volatile String address = "127.0.0.1";
        /** A VM's guest agent answers this long after the VM starts. */
        public volatile long agentDelayMillis;
        private volatile long startedAt;
        private HttpServer upstream;

        Guest(String node, String kind, int vmid, String name, int port) {
            this.node = node;
            this.kind = kind;
            this.vmid = vmid;
            this.name = name;
            this.port = port;
        }

        public String status() {
            return paused ? "paused" : status;
        }

        /** Puts the guest at {@code ip} (its upstream listens there from the next start). */
        public Guest at(String ip) {
            address = ip;
            return this;
        }

        /** The next action's task fails with this PVE exit status text. */
        public void failNextTask(String exitstatus) {
            failNext = exitstatus;
        }

        synchronized void run(boolean on) throws IOException {
            if (on && upstream == null && port > 0) {
                upstream = HttpServer.create(new InetSocketAddress(address, port), 64);
                upstream.createContext("/", x -> {
                    byte[] b = ("hello from " + name).getBytes(StandardCharsets.UTF_8);
                    x.sendResponseHeaders(200, b.length);
                    x.getResponseBody().write(b);
                    x.close();
                });
                upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
                upstream.start();
            } else if (!on && upstream != null) {
                upstream.stop(0);
                upstream = null;
            }
            // When the simulated guest started, for its artificial agent delay.
            if (on && !"running".equals(status)) startedAt = System.currentTimeMillis();
            status = on ? "running" : "stopped";
        }
    }

    /** A task whose effect lands once, when it is due or when its end is first reported, whichever comes first. */
    private record Task(String node, long doneAt, String exitstatus, Runnable effect, java.util.concurrent.atomic.AtomicBoolean applied) {
        void land() {
            if (applied.compareAndSet(false, true)) effect.run();
        }
    }

    private final SimHttpServer server;
    private final String expectedAuth;
    private final Map<Integer, Guest> guests = new ConcurrentHashMap<>();
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger upids = new AtomicInteger();
    public volatile long taskMillis = 300;
    /** When set, every request answers with this HTTP status (e.g. 596). */
    public volatile int failAll;
    /** How long every answer takes. */
    public volatile long answerDelayMillis;
    /** When set, the next action is received and run, but its connection is cut before the answer. */
    public volatile boolean cutNextAction;

    public PveSimulator(String tokenId, String secret) throws IOException {
        this(tokenId, secret, null);
    }

    /** With {@code tls}, the API is served over HTTPS like a real PVE (port 8006 there). */
    public PveSimulator(String tokenId, String secret, javax.net.ssl.SSLContext tls) throws IOException {
        this.expectedAuth = "PVEAPIToken=" + tokenId + "=" + secret;
        server = new SimHttpServer(tls, this::handle);
    }

    public String url() {
        return server.url();
    }

    /**
     * Closes every connection right after its answer without a {@code Connection: close} header, as some
     * proxies in front of PVE do: a client learns it only from the closed socket.
     */
    public PveSimulator closeAfterEveryAnswer() {
        server.closeAfterAnswer = true;
        return this;
    }

    /** Closes connections idle for {@code millis} between requests; {@code announce} says so in {@code Keep-Alive: timeout=}. */
    public PveSimulator keepAliveTimeout(long millis, boolean announce) {
        server.idleTimeoutMillis = millis;
        server.announceKeepAlive = announce;
        return this;
    }

    /** Connections accepted so far. */
    public int connections() {
        return server.connections.get();
    }

    /** Idle connections this simulator has closed for their keep-alive timeout. */
    public int idleCloses() {
        return server.idleCloses.get();
    }

    /** Open connections now waiting for a request. */
    public int idleConnections() {
        return server.idleConnections();
    }

    /** How long the longest-idle connection has waited for a request, in ms; -1 when none is open and idle. */
    public long longestIdleMillis() {
        return server.longestIdleMillis();
    }

    public Guest add(String node, String kind, int vmid, String name, int port) {
        Guest g = new Guest(node, kind, vmid, name, port);
        guests.put(vmid, g);
        return g;
    }

    public Guest guest(int vmid) {
        return guests.get(vmid);
    }

    /** Requests seen for a path prefix such as {@code /cluster/resources}. */
    public int hits(String pathPrefix) {
        return hits.entrySet().stream().filter(e -> e.getKey().startsWith(pathPrefix)).mapToInt(e -> e.getValue().get()).sum();
    }

    private Optional<Reply> handle(Request x) {
        if (answerDelayMillis > 0) {
            try {
                // The simulator's own artificial answer latency.
                Thread.sleep(answerDelayMillis);
            } catch (InterruptedException e) {
                return Optional.empty();
            }
        }
        String path = x.rawPath().contains("?") ? x.rawPath().substring(0, x.rawPath().indexOf('?')) : x.rawPath();
        hits.computeIfAbsent(path.replace("/api2/json", ""), k -> new AtomicInteger()).incrementAndGet();
        if (failAll != 0) {
            return reply(failAll, "{\"data\":null,\"message\":\"simulated failure\"}");
        }
        if (!expectedAuth.equals(x.headers().get("authorization"))) {
            return reply(401, "{\"data\":null,\"message\":\"authentication failure\"}");
        }
        if (path.equals("/api2/json/version")) {
            return reply(200, "{\"data\":{\"version\":\"8.2.4\",\"release\":\"8.2\",\"repoid\":\"faa83925c9641325\"}}");
        }
        if (path.equals("/api2/json/cluster/resources")) {
            List<String> rows = new ArrayList<>();
            for (Guest g : guests.values()) {
                rows.add("{\"id\":\"" + g.kind + "/" + g.vmid + "\",\"vmid\":" + g.vmid + ",\"node\":\"" + g.node + "\",\"type\":\"" + g.kind
                        + "\",\"status\":\"" + g.status + "\",\"name\":\"" + g.name + "\"" + (g.paused ? ",\"qmpstatus\":\"paused\"" : "") + "}");
            }
            return reply(200, "{\"data\":[" + String.join(",", rows) + "]}");
        }
        Matcher t = TASK.matcher(path);
        if (t.matches()) {
            Task task = tasks.get(URLDecoder.decode(t.group(2), StandardCharsets.UTF_8));
            if (task == null) {
                return reply(500, "{\"data\":null,\"message\":\"no such task\"}");
            // The simulator's own artificial task duration.
            } else if (System.currentTimeMillis() < task.doneAt) {
                return reply(200, "{\"data\":{\"status\":\"running\"}}");
            } else {
                task.land();
                return reply(200, "{\"data\":{\"status\":\"stopped\",\"exitstatus\":\"" + task.exitstatus + "\"}}");
            }
        }
        Matcher a = ADDRESS.matcher(path);
        if (a.matches()) {
            Guest g = guests.get(Integer.parseInt(a.group(3)));
            if (g == null || !g.kind.equals(a.group(2))) {
                return reply(500, "{\"data\":null,\"message\":\"Configuration file 'nodes/" + a.group(1) + "/" + a.group(2) + "/" + a.group(3)
                        + ".conf' does not exist\"}");
            } else if (g.kind.equals("lxc")) {
                if (!g.status.equals("running")) {
                    return reply(500, "{\"data\":null,\"message\":\"CT " + g.vmid + " not running\"}");
                } else {
                    return reply(200, "{\"data\":[{\"name\":\"lo\",\"inet\":\"127.0.0.1/8\",\"hwaddr\":\"00:00:00:00:00:00\"},"
                            + "{\"name\":\"eth0\",\"inet\":\"" + g.address + "/8\",\"inet6\":\"fe80::be24:11ff:fe00:1/64\",\"hwaddr\":\"bc:24:11:00:00:01\"}]}");
                }
            // The simulator's own artificial guest-agent start delay.
            } else if (!g.status.equals("running") || System.currentTimeMillis() - g.startedAt < g.agentDelayMillis) {
                return reply(500, "{\"data\":null,\"message\":\"QEMU guest agent is not running\"}");
            } else {
                return reply(200, "{\"data\":{\"result\":[{\"name\":\"lo\",\"ip-addresses\":[{\"ip-address\":\"127.0.0.1\",\"ip-address-type\":\"ipv4\",\"prefix\":8}]},"
                        + "{\"name\":\"ens18\",\"hardware-address\":\"bc:24:11:00:00:02\",\"ip-addresses\":["
                        + "{\"ip-address\":\"fe80::be24:11ff:fe00:2\",\"ip-address-type\":\"ipv6\",\"prefix\":64},"
                        + "{\"ip-address\":\"" + g.address + "\",\"ip-address-type\":\"ipv4\",\"prefix\":8}]}]}}");
            }
        }
        Matcher m = STATUS.matcher(path);
        if (!m.matches()) {
            return reply(501, "{\"data\":null,\"message\":\"Method '" + x.method() + " " + path + "' not implemented\"}");
        }
        Guest g = guests.get(Integer.parseInt(m.group(3)));
        if (g == null || !g.node.equals(m.group(1)) || !g.kind.equals(m.group(2))) {
            return reply(500, "{\"data\":null,\"message\":\"Configuration file 'nodes/" + m.group(1) + "/" + m.group(2) + "/" + m.group(3)
                    + ".conf' does not exist\"}");
        }
        String action = m.group(4);
        if (x.method().equals("GET") && action.equals("current")) {
            return reply(200, "{\"data\":{\"status\":\"" + g.status + "\",\"name\":\"" + g.name + "\",\"vmid\":" + g.vmid
                    + (g.kind.equals("qemu") ? ",\"qmpstatus\":\"" + (g.paused ? "paused" : g.status) + "\"" : "")
                    + ",\"uptime\":" + (g.status.equals("running") ? 5 : 0) + "}}");
        }
        String upid = "UPID:" + g.node + ":" + String.format("%08X", upids.incrementAndGet()) + ":00000000:00000000:"
                + (g.kind.equals("lxc") ? "vz" : "qm") + action + ":" + g.vmid + ":root@pam!dormouse:";
        String fail = g.failNext;
        g.failNext = null;
        Runnable effect = () -> {
            if (fail != null) return;
            try {
                switch (action) {
                    case "start" -> g.run(true);
                    case "shutdown", "stop" -> {
                        g.paused = false;
                        g.run(false);
                    }
                    case "suspend" -> g.paused = true;
                    case "resume" -> g.paused = false;
                    default -> { }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        // The simulator's own artificial task duration, as PVE's tasks take time.
        Task task = new Task(g.node, System.currentTimeMillis() + taskMillis, fail == null ? "OK" : fail, effect,
                new java.util.concurrent.atomic.AtomicBoolean());
        tasks.put(upid, task);
        // The task's effect lands when PVE would finish it, and at the latest when its end is reported, however
        // late the timer thread runs on a loaded machine.
        java.util.concurrent.CompletableFuture.delayedExecutor(taskMillis, java.util.concurrent.TimeUnit.MILLISECONDS).execute(task::land);
        if (cutNextAction) {
            cutNextAction = false;
            return Optional.empty();
        }
        return reply(200, "{\"data\":\"" + upid + "\"}");
    }

    private static Optional<Reply> reply(int status, String json) {
        return Optional.of(new Reply(status, json));
    }

    /** Sets a guest's status as if changed in the PVE web UI. */
    public void external(int vmid, boolean running) throws IOException {
        guests.get(vmid).run(running);
    }

    @Override
    public void close() {
        server.close();
        for (Guest g : guests.values()) {
            try {
                g.run(false);
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
