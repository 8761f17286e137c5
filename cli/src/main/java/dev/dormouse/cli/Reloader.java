package dev.dormouse.cli;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.DormouseException;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.watcher.ConfigFileWatcher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a new config file is taken, and what of it takes effect now. The file is validated completely
 * first (the loader's checks and {@link Daemon#buildProblems}); an invalid one keeps the running config and
 * logs every problem with its line and column. Changed {@code tls.certificates} are loaded all or nothing
 * (a file that turned bad refuses the whole reload). Routes are applied through the {@link RouteTable};
 * server, other TLS, provider, runtime and notification changes take effect at the next start, and a
 * warning says so. The file is reloaded by its own edits once it has stayed unchanged for a quiet time
 * ({@link #watchFile}), and by the admin API and {@code dormouse reload}.
 */
final class Reloader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    /**
     * @param tls the HTTPS front door, when {@code server.https} is set
     * @param quiet how long the file must stay unchanged after an edit before it is reloaded
     * @param scheduler the quiet time's timer
     */
    record Deps(ProviderKinds kinds, RouteTable table, Optional<TlsFront> tls, Duration quiet, Scheduler scheduler) {
        Deps {
            Objects.requireNonNull(kinds, "kinds");
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(quiet, "quiet");
            Objects.requireNonNull(scheduler, "scheduler");
        }
    }

    private final Deps deps;
    private final AtomicLong reloads = new AtomicLong();
    private volatile Optional<String> lastError = Optional.empty();
    private ConfigFileWatcher fileWatcher;

    Reloader(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /**
     * Reloads the config from its file whenever the file changed, if the running config was read from a
     * regular file.
     *
     * @throws DormouseException when the file cannot be watched
     */
    synchronized void watchFile() {
        DormouseConfig c = deps.table().config();
        if (fileWatcher != null || c.source() == null || !Files.isRegularFile(c.source())) return;
        try {
            fileWatcher = new ConfigFileWatcher(new ConfigFileWatcher.Deps(c.source(), deps.quiet(), deps.scheduler(),
                    () -> reload("file changed")));
        } catch (IOException e) {
            throw new DormouseException("watch config file " + c.source() + ": " + e.getMessage(), e);
        }
        fileWatcher.start();
    }

    /**
     * Reloads the config file and says how it ended: the route count, the first problem of an invalid file
     * (with file:line:column), or why there is nothing to reload.
     */
    synchronized AdminBackend.Reload reload(String why) {
        RouteTable table = deps.table();
        if (table.closed()) return new AdminBackend.Reload.Unavailable("dormouse is shutting down");
        DormouseConfig before = table.config();
        if (before.source() == null) {
            LOG.log(Level.WARNING, "config reload ({0}): the config was not read from a file", why);
            return new AdminBackend.Reload.Unavailable("the config was not read from a file");
        }
        DormouseConfig next;
        try {
            next = ConfigLoader.load(before.source(), deps.kinds());
            List<ConfigProblem> problems = Daemon.buildProblems(next);
            if (!problems.isEmpty()) throw new ConfigException(problems);
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "config reload ({0}): {1} problem(s), still running the previous config", why, e.problems().size());
            e.problems().forEach(p -> LOG.log(Level.ERROR, "config reload: {0}", p));
            return refused(e.problems().get(0).toString()
                    + (e.problems().size() > 1 ? " (and " + (e.problems().size() - 1) + " more)" : ""));
        }
        if (deps.tls().isPresent() && !before.tls().certificates().equals(next.tls().certificates())) {
            try {
                deps.tls().get().reconfigure(next.tls().certificates());
            } catch (DormouseException e) {
                LOG.log(Level.ERROR, "config reload ({0}): {1}; still running the previous config", why, e.getMessage());
                return refused("tls.certificates: " + e.getMessage());
            }
        }
        restartNeeded("server", before.server(), next.server());
        restartNeeded("tls (other than tls.certificates)", withoutFiles(before.tls()), withoutFiles(next.tls()));
        restartNeeded("providers", before.providers(), next.providers());
        restartNeeded("runtime", before.runtime(), next.runtime());
        restartNeeded("notifications", before.notifications(), next.notifications());
        loaded();
        LOG.log(Level.INFO, "config reload ({0}): {1} is valid", why, next.source());
        table.use(next, "config reload (" + why + ")");
        reloads.incrementAndGet();
        lastError = Optional.empty();
        return new AdminBackend.Reload.Done(table.routes().size());
    }

    private AdminBackend.Reload refused(String error) {
        loaded();
        lastError = Optional.of(error);
        return new AdminBackend.Reload.Refused(error);
    }

    /** The file's content was read (taken or refused): the watcher calls again only when it changes once more. */
    private void loaded() {
        if (fileWatcher != null) fileWatcher.loaded();
    }

    private static TlsConfig withoutFiles(TlsConfig t) {
        return new TlsConfig(List.of(), t.acme(), t.redirectHttp(), t.minVersion());
    }

    private static void restartNeeded(String section, Object before, Object after) {
        if (!before.equals(after)) LOG.log(Level.WARNING, "config reload: {0} changed; that takes effect when dormouse restarts", section);
    }

    /** Successful reloads so far. */
    long reloads() {
        return reloads.get();
    }

    /** Why the last reload was refused, empty when it succeeded or none was tried. */
    Optional<String> lastError() {
        return lastError;
    }

    /** Stops watching the file. */
    @Override
    public synchronized void close() {
        if (fileWatcher != null) fileWatcher.close();
    }
}
