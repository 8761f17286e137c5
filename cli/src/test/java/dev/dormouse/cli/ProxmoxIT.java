package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.provider.proxmox.sim.PveSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxmox guests (LXC and QEMU) behind the real proxy, against the PVE API simulator. */
class ProxmoxIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path dir;
    private PveSimulator pve;
    private Daemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
        if (pve != null) pve.close();
    }

    private void serve(String secret, String routes) throws Exception {
        Path secretFile = dir.resolve("pve.secret");
        Files.writeString(secretFile, secret);
        daemon = ServeIT.start(dir, "  proxmox: [{name: pve, url: \"" + pve.url() + "\", token_id: \"root@pam!dormouse\", token_secret_file: \""
                + secretFile + "\", poll_interval: 500ms}]\n", routes);
    }

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String route(String name, int port, String guest, String idle) {
        return "  - name: " + name + "\n    hosts: [" + name + ".test]\n    target: http://127.0.0.1:" + port + "\n    container: proxmox:pve/"
                + guest + "\n    idlewatcher: {" + idle + "}\n";
    }

    @Test
    void lxcAndQemuGuestsSleepAfterIdleAndWakeOnRequest() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "right");
        int ctPort = TestDocker.freePort();
        int vmPort = TestDocker.freePort();
        pve.add("pve", "lxc", 101, "nextcloud", ctPort);
        pve.add("pve", "qemu", 201, "windows", vmPort);
        serve("right", route("ct", ctPort, "pve/101", "idle_timeout: 2s") + route("vm", vmPort, "pve/201", "idle_timeout: 2s, stop_method: pause"));
        for (int round = 0; round < 2; round++) {
            HttpResponse<String> ct = get("ct.test");
            assertEquals(200, ct.statusCode(), ct.body());
            assertEquals("hello from nextcloud", ct.body());
            HttpResponse<String> vm = get("vm.test");
            assertEquals("hello from windows", vm.body());
            ServeIT.await("lxc stopped after idle", () -> pve.guest(101).status().equals("stopped"));
            ServeIT.await("qemu paused after idle", () -> pve.guest(201).status().equals("paused"));
        }
    }

    @Test
    void targetsWithoutAHostFindTheGuestsAddress() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "right");
        int ctPort = TestDocker.freePort();
        int vmPort = TestDocker.freePort();
        // Other loopback addresses stand in for the guests' own IPs: only the discovered address reaches them.
        pve.add("pve", "lxc", 102, "gitea", ctPort).at("127.0.0.2");
        pve.add("pve", "qemu", 202, "homeassistant", vmPort).at("127.0.0.3").agentDelayMillis = 700;
        serve("right", route("ct", ctPort, "pve/102", "idle_timeout: 2s").replace("http://127.0.0.1:", "http://:")
                + route("vm", vmPort, "pve/202", "idle_timeout: 2s").replace("http://127.0.0.1:", "http://:"));
        for (int round = 0; round < 2; round++) {
            HttpResponse<String> ct = get("ct.test");
            assertEquals("hello from gitea", ct.body());
            HttpResponse<String> vm = get("vm.test");
            assertEquals(200, vm.statusCode(), vm.body());
            assertEquals("hello from homeassistant", vm.body(), "held until the guest agent reported the VM's address");
            ServeIT.await("lxc stopped after idle", () -> pve.guest(102).status().equals("stopped"));
            ServeIT.await("qemu stopped after idle", () -> pve.guest(202).status().equals("stopped"));
        }
        assertEquals(URI.create("http://127.0.0.3:" + vmPort), daemon.watchers().get("vm").orElseThrow().target());
    }

    @Test
    void aWrongTokenIsAClearErrorAndOtherRoutesKeepWorking() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "right");
        int ctPort = TestDocker.freePort();
        pve.add("pve", "lxc", 102, "ct", ctPort);
        com.sun.net.httpserver.HttpServer plain = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        plain.createContext("/", x -> {
            x.sendResponseHeaders(200, 5);
            x.getResponseBody().write("plain".getBytes());
            x.close();
        });
        plain.start();
        try {
            serve("wrong", route("ct", ctPort, "pve/102", "idle_timeout: 1h")
                    + "  - {name: web, hosts: [web.test], target: \"http://127.0.0.1:" + plain.getAddress().getPort() + "\"}\n");
            IdleWatcher ct = daemon.watchers().get("ct").orElseThrow();
            assertEquals(RouteState.ERROR, ct.state());
            assertTrue(ct.lastError().orElseThrow().contains("401 authentication failure (check token_id and the secret in token_secret_file)"),
                    ct.lastError().toString());
            assertEquals("plain", get("web.test").body());
            HttpResponse<String> r = get("ct.test");
            assertEquals(503, r.statusCode());
            // An anonymous client gets the generic answer; the detail is in the route's last error (admin API, CLI, log).
            assertTrue(r.body().contains("route 'ct' could not be woken"), r.body());
            assertTrue(!r.body().contains("401") && !r.body().contains("wrong"), "no detail and no secret for anonymous clients: " + r.body());
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void aFailedTaskBecomesAWakeErrorWithPvesMessage() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "right");
        int ctPort = TestDocker.freePort();
        pve.add("pve", "lxc", 103, "broken", ctPort).failNextTask("command 'lxc-start -F -n 103' failed: exit code 1");
        serve("right", route("broken", ctPort, "pve/103", "idle_timeout: 1h"));
        IdleWatcher w = daemon.watchers().get("broken").orElseThrow();
        List<String> errors = new CopyOnWriteArrayList<>();
        w.subscribe(e -> {
            if (!e.error().isEmpty()) errors.add(e.error());
        });
        HttpResponse<String> r = get("broken.test");
        assertEquals(503, r.statusCode());
        ServeIT.await("error event", () -> !errors.isEmpty());
        assertEquals("proxmox pve: start guest pve/103: task failed: command 'lxc-start -F -n 103' failed: exit code 1", errors.get(0));
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow(), "a first failure backs off for 1 s");
        ServeIT.await("the first request after the backoff tries again", () -> {
            try {
                return get("broken.test").body().equals("hello from broken");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }
}
