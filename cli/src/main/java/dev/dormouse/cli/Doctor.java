package dev.dormouse.cli;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.ProviderKinds;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What {@code dormouse doctor} checks, in order: the config, each provider (socket, credentials, reachable,
 * clock), data_dir, the database, the admin token, each route's container and each listener's port.
 * Nothing is changed, except a file made and deleted to see that data_dir is writable.
 */
final class Doctor {
    private static final Duration HEALTHZ_TIMEOUT = Duration.ofSeconds(2);

    /**
     * @param daemonAnswers whether a dormouse daemon answers {@code /healthz} at an admin URL
     */
    record Deps(ProviderKinds kinds, Identity who, Clock clock, Predicate<URI> daemonAnswers) {
        Deps {
            Objects.requireNonNull(kinds, "kinds");
            Objects.requireNonNull(who, "who");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(daemonAnswers, "daemonAnswers");
        }

        static Deps system() {
            return new Deps(Daemon.providerKinds(), Identity.current(), Clock.systemUTC(), Doctor::healthz);
        }
    }

    private final Deps deps;

    Doctor(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    List<DoctorCheck> run(Path configFile) {
        List<DoctorCheck> out = new ArrayList<>();
        DormouseConfig cfg;
        try {
            cfg = ConfigLoader.load(configFile, deps.kinds());
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) out.add(DoctorCheck.problem("config", p.toString()));
            return out;
        }
        List<ConfigProblem> build = Daemon.buildProblems(cfg);
        for (ConfigProblem p : build) out.add(DoctorCheck.problem("config", p.toString()));
        if (build.isEmpty()) out.add(DoctorCheck.ok("config", configFile + ": valid, " + cfg.routes().size() + " routes"));

        try (ProviderChecks providers = new ProviderChecks(deps.kinds(), deps.who(), deps.clock())) {
            out.addAll(providers.providers(cfg.providers()));
            Path dataDir = cfg.server().dataDir();
            if (dataDir == null) {
                out.add(DoctorCheck.problem("data_dir", "server.data_dir is empty"));
            } else {
                DoctorCheck dir = LocalChecks.dataDir(dataDir, deps.who());
                out.add(dir);
                if (java.nio.file.Files.isDirectory(dataDir)) {
                    out.add(LocalChecks.database(dataDir));
                    out.add(LocalChecks.adminToken(dataDir.resolve(AdminOptions.TOKEN_FILE_NAME)));
                }
            }
            out.addAll(providers.containers(cfg.routes()));
        }
        Optional<ListenAddress> admin = cfg.server().adminAddress();
        out.addAll(PortChecks.check(PortChecks.listeners(cfg),
                () -> admin.isPresent() && deps.daemonAnswers().test(AdminOptions.connectTo(admin.get()))));
        return out;
    }

    /** True when {@code GET <admin>/healthz} answers 200 with dormouse's {@code "status":"ok"}. */
    static boolean healthz(URI admin) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(HEALTHZ_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin.resolve("/healthz")).timeout(HEALTHZ_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && Output.MAPPER.readTree(r.body()).path("status").asText("").equals("ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
