package dev.dormouse.provider.docker.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The real Docker engine, driven through the docker CLI the way a person would, for integration tests.
 * Everything it creates carries the label {@code dev.dormouse.test=1} and {@link #removeAll()} removes it.
 */
public final class TestDocker {
    public static final String IMAGE = "dormouse-test/busybox:latest";
    public static final String LABEL = "dev.dormouse.test=1";
    /** This test JVM's own label, so that {@link #removeAll()} leaves containers of other test runs on the same engine alone. */
    public static final String RUN_LABEL = "dev.dormouse.test.run=" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());

    private TestDocker() {}

    /** Starts the engine and builds the test image when needed (scripts/test-engine.sh, found upwards from here). */
    public static void ensureEngine() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/test-engine.sh"))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("scripts/test-engine.sh not found above " + Path.of("").toAbsolutePath());
        Result r = command(List.of("bash", dir.resolve("scripts/test-engine.sh").toString()), Duration.ofMinutes(5));
        if (r.exit != 0) throw new IllegalStateException("test engine not ready:\n" + r.output);
    }

    /** {@code docker run -d --name NAME --label dev.dormouse.test=1 ARGS...}; returns the container id. */
    public static String run(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--name", name, "--label", LABEL, "--label", RUN_LABEL));
        cmd.addAll(List.of(args));
        return exec(cmd.toArray(String[]::new)).strip();
    }

    /** Runs {@code docker ARGS...}, failing the test on a non-zero exit; returns standard output. */
    public static String exec(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Result r = command(cmd, Duration.ofMinutes(2));
        if (r.exit != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit + ": " + r.output);
        return r.output;
    }

    /** Docker's {@code State.Status} ({@code running}, {@code paused}, {@code exited} ...), or {@code missing}. */
    public static String inspectStatus(String container) {
        Result r = command(List.of("docker", "inspect", "-f", "{{.State.Status}}", container), Duration.ofSeconds(30));
        return r.exit != 0 ? "missing" : r.output.strip();
    }

    /** How many events with {@code action} Docker recorded for the container since {@code since}. */
    public static int countEvents(String container, String action, Instant since) {
        String out = exec("events", "--since", Long.toString(since.getEpochSecond()), "--until",
                Long.toString(Instant.now().getEpochSecond() + 1), "--filter", "container=" + container,
                "--filter", "event=" + action, "--format", "{{.Action}}");
        return (int) out.lines().filter(l -> l.strip().equals(action)).count();
    }

    /** Removes every container this test JVM made. */
    public static void removeAll() {
        String ids = exec("ps", "-aq", "--filter", "label=" + RUN_LABEL).strip();
        if (ids.isEmpty()) return;
        List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
        cmd.addAll(ids.lines().toList());
        exec(cmd.toArray(String[]::new));
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /** Waits until something accepts connections on 127.0.0.1:port. */
    public static void waitForPort(int port, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                // Deadline of a wait for a real container to listen: the engine's time, not ours.
                if (System.nanoTime() > deadline) throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " after " + bound);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private record Result(int exit, String output) {}

    private static Result command(List<String> cmd, Duration bound) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + bound);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
