package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Optional;

/**
 * How one route follows what happens to its container outside dormouse: on every event of the container
 * (and at start-up) it is inspected again, under the route's action lock, and the route takes the state
 * it finds. At start-up a running container is ready at once with a fresh idle timer; later one found
 * running is adopted (probed first, then ready). A container found stopped while the route was ready was
 * not stopped by dormouse, since every sleep leaves {@code READY} first: {@link Exits#crash} decides
 * whether that is a crash, and a crash goes to the route's {@link Episodes}.
 */
final class Resync {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");

    private final RouteWatcher w;
    private final IdleConfig idle;
    private final String container;

    Resync(RouteWatcher w) {
        this.w = w;
        this.idle = w.config().idle();
        this.container = w.containerRef();
    }

    void follow(boolean startup) {
        Optional<Provider> provider = w.providerIfAny();
        if (provider.isEmpty()) {
            w.failed(w.providerError());
            return;
        }
        Provider p = provider.get();
        boolean adopt = false;
        Optional<String> crashed = Optional.empty();
        w.ops().lock();
        try {
            if (w.wakes().underWay()) return;
            ContainerState st;
            try {
                st = p.inspect(container);
            } catch (DormouseException e) {
                LOG.log(Level.WARNING, "route {0}: inspect container {1}: {2}", w.route(), container, e.getMessage());
                if (startup) w.failed(e.getMessage());
                return;
            }
            w.containerId(st.id());
            RouteState before = w.state();
            switch (st.status()) {
                case MISSING -> w.state(RouteState.MISSING);
                case PAUSED -> w.state(RouteState.NAPPING);
                case STOPPED -> {
                    // At start-up there is no telling who stopped it: napping, as ever.
                    if (!startup && before == RouteState.READY) crashed = Exits.crash(false, idle.sleeps(), st.exitCode(), st.oomKilled());
                    if (crashed.isPresent()) {
                        w.episodes().crash(crashed.get());
                        w.lastError("container " + container + " " + crashed.get());
                        w.state(RouteState.ERROR);
                    } else if (!(before == RouteState.ERROR && w.crashed())) {
                        // A crashed route stays in error, its reason shown, until it runs again; the next request wakes it.
                        w.state(RouteState.NAPPING);
                    }
                }
                case RUNNING -> {
                    if (startup && st.runningHealthy() && w.readiness().locate(p)) {
                        w.timer().restart();
                        w.state(RouteState.READY);
                    } else if (before == RouteState.NAPPING || before == RouteState.MISSING || (before == RouteState.ERROR && w.crashed())) {
                        // Started by someone else. After a failed wake (ERROR) the next request retries instead.
                        adopt = true;
                    }
                }
            }
            RouteState after = w.state();
            if (before != after && !startup) {
                LOG.log(Level.INFO, "route {0}: container {1} is {2}, route {3}", w.route(), container,
                        st.status().name().toLowerCase(Locale.ROOT), after.label());
                if (before == RouteState.READY) {
                    for (RouteWatcher d : w.dependencies) d.dependentSlept();
                }
            }
        } finally {
            w.ops().unlock();
        }
        if (crashed.isPresent()) {
            LOG.log(Level.WARNING, "route {0}: container {1} {2} without dormouse stopping it; route in error until it runs again", w.route(),
                    container, crashed.get());
            w.episodes().reportCrash(crashed.get());
        }
        if (adopt) w.wakes().adopt();
    }
}
