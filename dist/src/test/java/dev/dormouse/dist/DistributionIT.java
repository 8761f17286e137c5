package dev.dormouse.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled tarball, unpacked and run as a user would: bin/dormouse on the module path, with the bundled
 * runtime and its AOT cache, in an environment that has no other Java.
 */
class DistributionIT {
    @TempDir
    static Path home;
    static Path install;
    static Path bin;
    /** A PATH with the few tools the launcher and a shell need, and no java. */
    static Path tools;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("dormouse.tarball"));
        assertTrue(Files.exists(tarball), "no tarball at " + tarball);
        assertTrue(tarball.getFileName().toString().endsWith("-linux-x64.tar.gz"), tarball.toString());
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", home.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor());
        install = home.resolve("dormouse-" + System.getProperty("dormouse.version"));
        bin = install.resolve("bin/dormouse");
        assertTrue(Files.isExecutable(bin), bin + " is not executable");
        tools = Files.createDirectories(home.resolve("tools"));
        for (String tool : List.of("sh", "sed", "readlink", "dirname", "kill", "cat")) {
            Path found = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + tool + " in /usr/bin or /bin"));
            Files.copy(found, tools.resolve(tool), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
        TestDocker.removeAll();
    }

    private record Run(int exit, String out) {}

    private Run run(String... args) throws Exception {
        return run(bin, Map.of(), args);
    }

    /** Runs a launcher with no JAVA_HOME and no java on PATH, plus the given environment. */
    private static Run run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        withoutJava(pb.environment()).putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    private static Map<String, String> withoutJava(Map<String, String> env) {
        env.clear();
        env.put("PATH", tools.toString());
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        return env;
    }

    /** The source each class was loaded from, as the JVM logged it with -Xlog:class+load. */
    private static Optional<String> loadedFrom(Path classLoadLog, String className) throws IOException {
        String prefix = " " + className + " source: ";
        return Files.readAllLines(classLoadLog).stream().filter(l -> l.contains(prefix))
                .map(l -> l.substring(l.indexOf(prefix) + prefix.length())).findFirst();
    }

    @Test
    void runsOnTheBundledRuntimeWithItsAotCacheWhenThereIsNoOtherJava() throws Exception {
        assertFalse(Files.exists(tools.resolve("java")));
        Path classes = home.resolve("version-classes.log");
        Run v = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XshowSettings:properties -Xlog:class+load=info:file=" + classes), "version");
        assertEquals(0, v.exit, v.out);
        assertTrue(v.out.contains("java.home = " + install.resolve("runtime")), v.out);
        assertTrue(v.out.contains("dormouse " + System.getProperty("dormouse.version")), v.out);
        // The cache was made where the build staged the tarball; here it is unpacked elsewhere and still used.
        assertEquals(Optional.of("shared objects file"), loadedFrom(classes, "dev.dormouse.cli.Main"));
        assertTrue(Files.size(install.resolve("runtime/lib/dormouse.aot")) > 1 << 20);
        // Only the modules dormouse needs were linked.
        String release = Files.readString(install.resolve("runtime/release"));
        assertTrue(release.contains("java.net.http") && release.contains("java.naming") && !release.contains("jdk.compiler"), release);
    }

    /** The value of one JVM flag as -XX:+PrintFlagsFinal printed it. */
    private static String flag(String printed, String name) {
        return printed.lines().map(String::strip).filter(l -> l.matches("\\S+ +" + name + " += .*"))
                .map(l -> l.replaceFirst("^\\S+ +" + name + " += *(\\S*).*$", "$1")).findFirst()
                .orElseThrow(() -> new AssertionError("no flag " + name + " in " + printed));
    }

    @Test
    void theLauncherSizesTheJvmSmallAndTheCallersFlagsWin() throws Exception {
        Run d = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XX:+PrintFlagsFinal -XshowSettings:properties"), "version");
        assertEquals(0, d.exit, d.out);
        assertEquals("true", flag(d.out, "UseSerialGC"));
        long max = Long.parseLong(flag(d.out, "MaxHeapSize"));
        assertTrue(max > 8 << 20 && max <= 512L << 20, "the heap may grow to 512 MB at most: " + max);
        // Under the 512 MB bound (this machine has more than 2 GB), a 24 MB start with a fixed 16 MB young generation.
        assertEquals(Long.toString(24 << 20), flag(d.out, "InitialHeapSize"));
        assertEquals(Long.toString(16 << 20), flag(d.out, "NewSize"));
        assertEquals(Long.toString(16 << 20), flag(d.out, "MaxNewSize"));
        assertEquals("5000", flag(d.out, "TrimNativeHeapInterval"));
        assertTrue(d.out.contains("org.sqlite.lib.path = " + install.resolve("runtime/lib")), d.out);
        // A command that is over within a second compiles with C1 alone; serve gets both compilers.
        assertEquals("1", flag(d.out, "TieredStopAtLevel"));
        Run serve = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "serve", "--config", home.resolve("absent.yml").toString());
        assertEquals(1, serve.exit, serve.out);
        assertEquals("4", flag(serve.out, "TieredStopAtLevel"));
        assertEquals(Long.toString(24 << 20), flag(serve.out, "InitialHeapSize"));
        assertTrue(Files.isRegularFile(install.resolve("runtime/lib/libsqlitejdbc.so")));

        Run own = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XX:+PrintFlagsFinal -Xms64m -Xmx1g -XX:TrimNativeHeapInterval=0"), "version");
        assertEquals(0, own.exit, own.out);
        assertEquals(Long.toString(64 << 20), flag(own.out, "InitialHeapSize"));
        assertEquals(Long.toString(1L << 30), flag(own.out, "MaxHeapSize"));
        assertEquals("0", flag(own.out, "TrimNativeHeapInterval"));
        Run c2 = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:TieredStopAtLevel=4"), "version");
        assertEquals("4", flag(c2.out, "TieredStopAtLevel"));
        Run pct = run(bin, Map.of("DORMOUSE_JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:MaxRAMPercentage=1 -XX:InitialRAMPercentage=1"), "version");
        assertEquals(0, pct.exit, pct.out);
        assertTrue(Long.parseLong(flag(pct.out, "MaxHeapSize")) != 512L << 20, "the caller's MaxRAMPercentage holds: " + pct.out);
        assertTrue(Long.parseLong(flag(pct.out, "InitialHeapSize")) != 8 << 20, "the caller's InitialRAMPercentage holds: " + pct.out);
    }

    @Test
    void anUnusableAotCacheIsIgnoredSilently() throws Exception {
        Path copy = home.resolve("stale");
        assertEquals(0, new ProcessBuilder("cp", "-a", install.toString(), copy.toString()).inheritIO().start().waitFor());
        // A jar that is not the one the cache was made with (here: its time changed) invalidates the cache.
        try (Stream<Path> jars = Files.list(copy.resolve("lib"))) {
            Path jar = jars.filter(j -> j.getFileName().toString().startsWith("picocli")).findFirst().orElseThrow();
            Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 3_600_000));
        }
        Path classes = home.resolve("stale-classes.log");
        Run v = run(copy.resolve("bin/dormouse"), Map.of("DORMOUSE_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes), "version");
        assertEquals(0, v.exit, v.out);
        assertEquals(List.of("dormouse " + System.getProperty("dormouse.version"), "Java"),
                v.out.lines().map(l -> l.startsWith("Java ") ? "Java" : l).toList(), "nothing but the version: " + v.out);
        String source = loadedFrom(classes, "dev.dormouse.cli.Main").orElseThrow();
        assertTrue(source.contains("dormouse-cli-"), "loaded from its jar, not from the cache: " + source);
    }

    @Test
    void withoutTheBundledRuntimeTheLauncherUsesJavaHomeOrSaysWhatIsMissing() throws Exception {
        Path bare = Files.createDirectories(home.resolve("bare/bin"));
        Files.copy(bin, bare.resolve("dormouse"));
        Files.createSymbolicLink(bare.resolveSibling("lib"), install.resolve("lib"));
        Path launcher = bare.resolve("dormouse");

        Run none = run(launcher, Map.of(), "version");
        assertEquals(1, none.exit, none.out);
        assertTrue(none.out.startsWith("dormouse: no Java runtime found: " + bare.resolveSibling("runtime") + " is missing, JAVA_HOME is not set"
                + " and there is no java on PATH"), none.out);

        Run wrong = run(launcher, Map.of("JAVA_HOME", home.resolve("nojdk").toString()), "version");
        assertEquals(1, wrong.exit, wrong.out);
        assertTrue(wrong.out.startsWith("dormouse: JAVA_HOME is " + home.resolve("nojdk") + ", which has no bin/java"), wrong.out);

        String jdk = System.getProperty("java.home");
        Run ok = run(launcher, Map.of("JAVA_HOME", jdk, "DORMOUSE_JAVA_OPTS", "-XshowSettings:properties"), "version");
        assertEquals(0, ok.exit, ok.out);
        assertTrue(ok.out.contains("java.home = " + jdk), ok.out);
        assertTrue(ok.out.contains("dormouse " + System.getProperty("dormouse.version")), ok.out);
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Optional<Path> analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of).filter(Files::isExecutable).findFirst();
        boolean root = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().equals("0");
        if (analyze.isEmpty()) {
            assumeTrue(root, "systemd-analyze is missing and this is not root (scripts/test.sh installs Debian's systemd as root): unit not verified");
            fail("systemd-analyze is missing; scripts/test.sh installs it (Debian package systemd)");
        }
        Path unit = install.resolve("systemd/dormouse.service");
        String text = Files.readString(unit);
        for (String line : List.of("Type=exec", "User=dormouse", "Group=dormouse", "SupplementaryGroups=docker", "StateDirectory=dormouse",
                "ConfigurationDirectory=dormouse", "ExecStart=/opt/dormouse/bin/dormouse serve --config /etc/dormouse/dormouse.yml",
                "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "LimitNOFILE=65536",
                "Restart=on-failure")) {
            assertTrue(text.lines().anyMatch(line::equals), "the unit lacks " + line);
        }
        assertFalse(text.lines().anyMatch(l -> l.startsWith("MemoryDenyWriteExecute=")), "the JIT needs writable and executable memory");
        // systemd-analyze insists that ExecStart's program exists, and /opt/dormouse is not installed here; so
        // a copy whose /opt/dormouse is this unpacked tarball is verified, every other line unchanged.
        Path copy = Files.createDirectories(home.resolve("unit")).resolve("dormouse.service");
        Files.writeString(copy, text.replace("/opt/dormouse/", install + "/"));
        Process p = new ProcessBuilder(analyze.get().toString(), "verify", copy.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze timed out");
        // It exits 0 even for unknown keys and bad values, which it only prints: the output must be empty.
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify complained");
    }

    @Test
    void versionAndHelp() throws Exception {
        Run v = run("version");
        assertEquals(0, v.exit, v.out);
        assertTrue(v.out.startsWith("dormouse " + System.getProperty("dormouse.version")), v.out);
        Run bad = run("frobnicate");
        assertEquals(2, bad.exit, bad.out);
        assertTrue(bad.out.contains("Unmatched argument"), bad.out);
    }

    @Test
    void validateReportsEveryProblemWithLineAndColumn() throws Exception {
        Path cfg = home.resolve("bad.yml");
        Files.writeString(cfg, """
                server: {htp: ":8080"}
                routes:
                  - name: a
                    hosts: [a.test]
                    target: ftp://x
                    idlewatcher: {idle_timeout: soon}
                """);
        Run r = run("validate", "--config", cfg.toString());
        assertEquals(1, r.exit, r.out);
        assertTrue(r.out.contains(cfg + ":1:10: server.htp: unknown key"), r.out);
        assertTrue(r.out.contains(cfg + ":5:13: routes[0].target: scheme must be"), r.out);
        assertTrue(r.out.contains(cfg + ":6:33: routes[0].idlewatcher.idle_timeout: not a duration: 'soon'"), r.out);
        Run serve = run("serve", "--config", cfg.toString());
        assertEquals(1, serve.exit, serve.out);
        assertTrue(serve.out.contains("routes[0].target: scheme must be"), serve.out);

        // The commented example that the README installs as /etc/dormouse/dormouse.yml: an HTTP and a TCP route.
        Path example = install.resolve("config/dormouse.yml");
        String text = Files.readString(example);
        for (String key : List.of("data_dir: /var/lib/dormouse", "admin: ", "docker:", "runtime:", "defaults:", "listen: \"tcp://")) {
            assertTrue(text.contains(key), "the example lacks " + key);
        }
        Run ok = run("validate", "--config", example.toString());
        assertEquals(0, ok.exit, ok.out);
        assertEquals("OK: " + example + ": 2 routes", ok.out.strip());
    }

    @Test
    void servesAWakingContainerOnTheModulePathAndStopsCleanlyOnSigterm() throws Exception {
        TestDocker.ensureEngine();
        int appPort = TestDocker.freePort();
        int proxyPort = TestDocker.freePort();
        String c = "dm-dist-app-" + ProcessHandle.current().pid();
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c",
                "mkdir -p /www && echo dist ok > /www/index.html && trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + appPort
                        + " -h /www & pid=$!; wait");
        TestDocker.waitForPort(appPort, Duration.ofSeconds(20));
        TestDocker.exec("stop", c);
        HttpServer plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        plain.createContext("/", x -> {
            byte[] b = "plain ok".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        plain.start();
        try {
            Path cfg = home.resolve("serve.yml");
            Files.writeString(cfg, """
                    server: {http: "127.0.0.1:%d", admin: "", data_dir: "%s"}
                    providers: {docker: [{name: local}]}
                    routes:
                      - {name: app, hosts: [app.test], target: "http://127.0.0.1:%d", container: %s, idlewatcher: {idle_timeout: 1h}}
                      - {name: plain, hosts: [plain.test], target: "http://127.0.0.1:%d"}
                    """.formatted(proxyPort, home.resolve("data"), appPort, c, plain.getAddress().getPort()));
            // As systemd would run it: no JAVA_HOME, no java on PATH; the bundled runtime with its AOT cache.
            Path classes = home.resolve("serve-classes.log");
            ProcessBuilder pb = new ProcessBuilder(bin.toString(), "serve", "--log-level", "debug", "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(home.resolve("serve.log").toFile());
            Path tmp = Files.createDirectories(home.resolve("serve-tmp"));
            withoutJava(pb.environment()).put("DORMOUSE_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes + " -Djava.io.tmpdir=" + tmp);
            Process p = pb.start();
            started.add(p);
            waitForPort(proxyPort, p);
            // The launcher execs the JVM: the process is the bundled runtime's java.
            assertEquals(Optional.of(install.resolve("runtime/bin/java").toString()), p.info().command());
            // Undertow and XNIO came from the AOT cache, and still log through jboss-logging (--add-reads held).
            assertEquals(Optional.of("shared objects file"), loadedFrom(classes, "io.undertow.Undertow"));
            assertEquals(Optional.of("shared objects file"), loadedFrom(classes, "org.xnio.Xnio"));
            awaitLog(home.resolve("serve.log"), "org.xnio: XNIO version");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> app = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "app.test").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, app.statusCode(), app.body());
            assertEquals("dist ok", app.body().strip());
            HttpResponse<String> pl = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "plain.test").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("plain ok", pl.body());
            // The runtime database is open: sqlite-jdbc loaded the native library beside the runtime, not a copy in tmp.
            try (Stream<Path> inTmp = Files.list(tmp)) {
                assertEquals(List.of(), inTmp.filter(f -> f.getFileName().toString().contains("sqlite")).toList());
            }
            // SIGHUP reloads the config (systemd's ExecReload); an edit of the file is picked up by itself.
            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
            awaitLog(home.resolve("serve.log"), "config reload (SIGHUP): ");
            Files.writeString(cfg, Files.readString(cfg) + "  - {name: extra, hosts: [extra.test], target: \"http://127.0.0.1:1\"}\n");
            awaitLog(home.resolve("serve.log"), "added: extra;");
            assertEquals(502, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "extra.test").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            p.toHandle().destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "did not stop within 20 s");
            String log = Files.readString(home.resolve("serve.log"));
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("INFO  dev.dormouse.cli: dormouse "), log);
            assertTrue(log.contains("route app: ready"), log);
            assertTrue(!log.contains("SLF4J(W)"), "SLF4J has no backend: " + log);
            assertFalse(log.contains("IllegalAccessError") || log.contains("[aot]"), log);
        } finally {
            plain.stop(0);
        }
    }

    private static void awaitLog(Path log, String text) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in the log:\n" + Files.readString(log));
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    private static void waitForPort(int port, Process p) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!p.isAlive()) fail("dormouse exited " + p.exitValue() + " before listening");
                if (System.nanoTime() > deadline) fail("dormouse did not listen on " + port);
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
