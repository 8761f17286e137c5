package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code dormouse doctor} as an operator runs it, against the real engine, with each mistake made for real. */
class DoctorIT extends EngineTest {
    record Result(int code, String out, String err) {
        /** The table row of {@code check}, its cells separated by runs of spaces. */
        String row(String check) {
            return out.lines().filter(l -> l.startsWith(check + "  ")).findFirst().orElse("(no row '" + check + "' in:\n" + out + ")");
        }
    }

    private Result doctor(Path config, String... extra) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[extra.length + 3];
        args[0] = "doctor";
        args[1] = "--config";
        args[2] = config.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), Fixtures.env(Map.of()));
        return new Result(code, out.toString(), err.toString());
    }

    private static String sleeper(String base) {
        String name = base + "-" + Long.toHexString(System.nanoTime());
        TestDocker.run(name, "--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        return name;
    }

    /** A config with a Docker provider at {@code host}, one route to {@code container}, free ports, and data_dir {@code data}. */
    private Path config(String host, String container, Path data, String admin) throws Exception {
        String yaml = "server:\n  http: \"127.0.0.1:" + TestDocker.freePort() + "\"\n  admin: \"" + admin + "\"\n  data_dir: \"" + data + "\"\n"
                + "providers:\n  docker:\n    - name: local\n      host: \"" + host + "\"\n"
                + "routes:\n  - name: app\n    hosts: [app.test]\n    target: http://127.0.0.1:" + TestDocker.freePort() + "\n"
                + "    container: docker:local/" + container + "\n";
        Path f = dir.resolve("dormouse-" + System.nanoTime() + ".yml");
        Files.writeString(f, yaml);
        return f;
    }

    private static void assertRow(Result r, String check, String status, String detailPart) {
        String row = r.row(check);
        assertTrue(Pattern.compile(Pattern.quote(check) + " +" + status + " +.*").matcher(row).matches(), "status " + status + ": " + row);
        assertTrue(row.contains(detailPart), "'" + detailPart + "' in: " + row);
    }

    @Test
    void aHealthySetupExitsZero() throws Exception {
        String c = sleeper("dm-doctor-ok");
        Result r = doctor(config("unix:///var/run/docker.sock", c, dir.resolve("data"), "127.0.0.1:" + TestDocker.freePort()));
        assertEquals(0, r.code(), r.out() + r.err());
        assertRow(r, "config", "ok", "valid, 1 routes");
        assertRow(r, "docker local socket", "ok", "/var/run/docker.sock is readable and writable by user root (uid 0)");
        assertRow(r, "docker local engine", "ok", "Docker 20.10");
        assertRow(r, "docker local engine", "ok", "answers at unix:///var/run/docker.sock");
        assertRow(r, "docker local clock", "ok", "the engine's clock is");
        assertRow(r, "data_dir", "ok", "does not exist yet; the daemon creates it at start");
        assertRow(r, "route app", "ok", "container docker:local/" + c + " exists (running)");
        assertRow(r, "port server.http", "ok", "is free");
        assertRow(r, "port server.admin", "ok", "is free");
        assertTrue(r.out().strip().endsWith("OK: " + (r.out().lines().count() - 2) + " checks"), r.out());
        assertFalse(Files.exists(dir.resolve("data")), "doctor creates no data_dir");
    }

    @Test
    void theEngineDownIsAProblemNamingItsHost() throws Exception {
        Path sock = dir.resolve("nothing.sock");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(sock));
        ch.close(); // a socket file where nothing listens, as a stopped engine leaves it
        Result r = doctor(config("unix://" + sock, "anything", dir.resolve("data"), ""));
        assertEquals(1, r.code(), r.out());
        assertRow(r, "docker local socket", "ok", sock + " is readable and writable");
        assertRow(r, "docker local engine", "problem", "docker local: ping engine: engine unreachable at unix://" + sock);
        assertRow(r, "route app", "warning", "not checked: its provider did not answer");
        assertTrue(r.out().strip().endsWith("1 problem, 1 warning"), r.out());
    }

    @Test
    void anOpenTokenFileIsAProblem() throws Exception {
        String c = sleeper("dm-doctor-tok");
        Path data = Files.createDirectory(dir.resolve("data"));
        Path token = Files.writeString(data.resolve("admin.token"), "0123456789abcdef");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        Result r = doctor(config("unix:///var/run/docker.sock", c, data, ""), "--json");
        assertEquals(1, r.code(), r.out());
        JsonNode doc = Output.MAPPER.readTree(r.out());
        assertFalse(doc.path("ok").asBoolean(true));
        assertEquals(1, doc.path("problems").asInt());
        JsonNode row = null;
        for (JsonNode n : doc.path("checks")) if (n.path("check").asText().equals("admin token")) row = n;
        assertEquals("problem", row.path("status").asText(), r.out());
        assertEquals(token + " has mode 0644: others may read the admin token; chmod 600 " + token, row.path("detail").asText());
        assertFalse(r.out().contains("0123456789abcdef"), "never the token itself");
    }

    @Test
    void aReadOnlyDataDirIsAProblem() throws Exception {
        String c = sleeper("dm-doctor-ro");
        Path data = Files.createDirectory(dir.resolve("data"));
        DoctorChecksTest.ReadOnly.mount(data);
        try {
            Result r = doctor(config("unix:///var/run/docker.sock", c, data, ""));
            assertEquals(1, r.code(), r.out());
            assertRow(r, "data_dir", "problem", data + " is not writable by user root (uid 0): Read-only file system");
        } finally {
            DoctorChecksTest.ReadOnly.unmount(data);
        }
    }

    @Test
    void aMissingContainerIsAProblemNamingRouteAndContainer() throws Exception {
        String ghost = "dm-doctor-ghost-" + Long.toHexString(System.nanoTime());
        Result r = doctor(config("unix:///var/run/docker.sock", ghost, dir.resolve("data"), ""));
        assertEquals(1, r.code(), r.out());
        assertRow(r, "route app", "problem", "container docker:local/" + ghost + " does not exist");
    }

    @Test
    void portsHeldByTheRunningDaemonAreFine() throws Exception {
        String c = sleeper("dm-doctor-run");
        Path cfg = config("unix:///var/run/docker.sock", c, dir.resolve("data"), "127.0.0.1:" + TestDocker.freePort());
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
        Result r = doctor(cfg);
        assertEquals(0, r.code(), r.out());
        assertRow(r, "port server.http", "ok", "is in use by the running daemon");
        assertRow(r, "port server.admin", "ok", "is in use by the running daemon");
        assertRow(r, "database", "ok", "integrity ok, schema version");
        assertRow(r, "admin token", "ok", "has mode 0600");
    }

    @Test
    void anInvalidConfigIsAProblemWithItsPlace() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.yml"), "server:\n  http: \":8080\"\n  bogus: 1\n");
        Result r = doctor(f);
        assertEquals(1, r.code(), r.out());
        assertRow(r, "config", "problem", f + ":3:3: server.bogus");
    }
}
