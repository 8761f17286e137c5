package dev.dormouse.provider.docker.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The extra engines beside the main one, started by {@code scripts/test-engines.sh} (found upwards from
 * here): a Docker engine on TCP with {@code --tlsverify} and certificates made at its first start, a
 * single-node Swarm manager on its own socket, and Podman's Docker API when Podman runs on this machine.
 * Everything the tests make on them carries {@link TestDocker#LABEL} and this JVM's
 * {@link TestDocker#RUN_LABEL}; {@link #removeAll()} removes it.
 */
public final class TestEngines {
    private TestEngines() {}

    /**
     * The TLS engine.
     *
     * @param host {@code tcp://127.0.0.1:PORT}, what a provider's {@code host} is
     * @param socket the same engine's unix socket, for the test's own commands
     * @param caFile the CA of the engine's certificate and of the client certificate
     * @param rogueCertFile a client certificate of another CA, which the engine refuses
     */
    public record Tls(String host, String socket, Path caFile, Path certFile, Path keyFile, Path rogueCertFile, Path rogueKeyFile) {}

    private static Map<String, String> env;

    /** Starts the engines when needed (idempotent; about 3 s the first time, well under 1 s after). */
    public static synchronized void ensure() {
        if (env != null) return;
        TestDocker.ensureEngine();
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/test-engines.sh"))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("scripts/test-engines.sh not found above " + Path.of("").toAbsolutePath());
        String out = command(List.of("bash", dir.resolve("scripts/test-engines.sh").toString()), Duration.ofMinutes(5));
        Map<String, String> e = new LinkedHashMap<>();
        Path state = Path.of(System.getenv().getOrDefault("DORMOUSE_TEST_ENGINES", "/var/lib/dormouse-test-engines"));
        for (String engine : List.of("tls", "swarm", "podman")) {
            Path f = state.resolve(engine).resolve("env");
            if (!Files.exists(f)) {
                if (!engine.equals("podman")) throw new IllegalStateException("test engine " + engine + " not ready:\n" + out);
                Path why = state.resolve("podman/unavailable");
                e.put("podman.unavailable", Files.exists(why) ? read(why).strip() : "scripts/test-engines.sh did not set Podman up");
                continue;
            }
            for (String line : read(f).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) e.put(engine + "." + line.substring(0, eq), line.substring(eq + 1));
            }
        }
        env = e;
    }

    public static Tls tls() {
        ensure();
        return new Tls(env.get("tls.host"), env.get("tls.socket"), Path.of(env.get("tls.ca_file")), Path.of(env.get("tls.cert_file")),
                Path.of(env.get("tls.key_file")), Path.of(env.get("tls.rogue_cert_file")), Path.of(env.get("tls.rogue_key_file")));
    }

    /** The Swarm manager's socket, {@code unix://...}. */
    public static String swarm() {
        ensure();
        return env.get("swarm.host");
    }

    /** Podman's Docker API socket, {@code unix://...}; empty when Podman cannot run here ({@link #podmanUnavailable()} says why). */
    public static Optional<String> podman() {
        ensure();
        return Optional.ofNullable(env.get("podman.host"));
    }

    public static String podmanUnavailable() {
        ensure();
        return env.getOrDefault("podman.unavailable", "");
    }

    /** {@code docker -H ENGINE ARGS...}, failing the test on a non-zero exit; returns standard output. */
    public static String docker(String engine, String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", engine));
        cmd.addAll(List.of(args));
        return command(cmd, Duration.ofMinutes(2));
    }

    /** {@code docker -H ENGINE run -d --name NAME} with the test labels and {@code ARGS...}; returns the id. */
    public static String run(String engine, String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--name", name, "--label", TestDocker.LABEL, "--label", TestDocker.RUN_LABEL));
        cmd.addAll(List.of(args));
        return docker(engine, cmd.toArray(String[]::new)).strip();
    }

    /**
     * {@code docker service create -d --name NAME} on the Swarm manager with the test labels, {@code --init}
     * (so that a task's process gets SIGTERM) and a one-second stop grace; returns the service id.
     */
    public static String service(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of("service", "create", "-d", "-q", "--name", name, "--label", TestDocker.LABEL,
                "--label", TestDocker.RUN_LABEL, "--init", "--stop-grace-period", "1s"));
        cmd.addAll(List.of(args));
        return docker(swarm(), cmd.toArray(String[]::new)).strip();
    }

    /** Docker's {@code State.Status} of a container on {@code engine}, or {@code missing}. */
    public static String status(String engine, String container) {
        try {
            return docker(engine, "inspect", "-f", "{{.State.Status}}", container).strip();
        } catch (IllegalStateException e) {
            return "missing";
        }
    }

    /** The replicas a service wants and how many of its tasks run: {@code 1/1}. */
    public static String replicas(String service) {
        String out = docker(swarm(), "service", "ls", "--filter", "name=" + service, "--format", "{{.Name}} {{.Replicas}}");
        for (String line : out.split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length >= 2 && f[0].equals(service)) return f[1];
        }
        return "missing";
    }

    /** Removes what this JVM made on the extra engines: containers on each, services on the Swarm. */
    public static void removeAll() {
        if (env == null) return;
        List<String> engines = new ArrayList<>(List.of(env.get("tls.socket"), env.get("swarm.host")));
        podman().ifPresent(engines::add);
        for (String engine : engines) {
            String ids = docker(engine, "ps", "-aq", "--filter", "label=" + TestDocker.RUN_LABEL).strip();
            if (!ids.isEmpty()) {
                List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
                cmd.addAll(ids.lines().toList());
                docker(engine, cmd.toArray(String[]::new));
            }
        }
        String services = docker(swarm(), "service", "ls", "-q", "--filter", "label=" + TestDocker.RUN_LABEL).strip();
        if (!services.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("service", "rm"));
            cmd.addAll(services.lines().toList());
            docker(swarm(), cmd.toArray(String[]::new));
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("read " + f + ": " + e.getMessage(), e);
        }
    }

    private static String command(List<String> cmd, Duration bound) {
        try {
            // Standard output alone is the answer (docker service create warns on standard error about image digests).
            Process p = new ProcessBuilder(cmd).start();
            java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + bound);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text + new String(err.join(), StandardCharsets.UTF_8));
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
