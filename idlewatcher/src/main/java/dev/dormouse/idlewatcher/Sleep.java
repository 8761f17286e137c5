package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;

/**
 * How one route goes to sleep: with its stop method, under the route's action lock, never while a wake is
 * under way. The route leaves {@code READY} before anything is done to its container, which is how a stop
 * seen later is known to be dormouse's own ({@link Resync}). When the idle timer or a dependent asked, it
 * first checks again that nothing woke the route meanwhile.
 */
final class Sleep {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");

    private final RouteWatcher w;
    private final IdleConfig idle;
    private final String container;
    private final Lifecycle lifecycle;

    Sleep(RouteWatcher w, Lifecycle lifecycle) {
        this.w = w;
        this.idle = w.config().idle();
        this.container = w.containerRef();
        this.lifecycle = lifecycle;
    }

    /** Puts the container to sleep; with {@code onlyIfIdle} it first re-checks that nothing woke it meanwhile. */
    void now(OpSource source, boolean onlyIfIdle) {
        Provider p = w.providerIfAny().orElse(null);
        if (p == null) return;
        w.ops().lock();
        try {
            if (w.wakes().underWay()) {
                if (onlyIfIdle) return;
                throw new IdleWatcherException("sleep route '" + w.route() + "': a wake is under way");
            }
            RouteState before = w.state();
            if (onlyIfIdle) {
                if (before != RouteState.READY) return;
                w.state(RouteState.NAPPING);
                if (w.timer().remainingNanos() > 0 && source == OpSource.IDLE_TIMEOUT || w.busy()) {
                    w.state(RouteState.READY);
                    w.timer().arm(Math.max(w.timer().remainingNanos(), Readiness.FIRST_DELAY_NANOS));
                    return;
                }
            } else if (before == RouteState.MISSING) {
                throw new IdleWatcherException("sleep route '" + w.route() + "': container '" + container + "' is missing");
            }
            w.state(RouteState.NAPPING);
            Provider.Action action = switch (idle.stopMethod()) {
                case PAUSE -> Provider.Action.PAUSE;
                case STOP -> Provider.Action.STOP;
                case KILL -> Provider.Action.KILL;
            };
            try {
                ContainerState st = p.inspect(container);
                if (st.status() == ContainerStatus.MISSING) {
                    w.state(RouteState.MISSING);
                    return;
                }
                boolean asleep = st.status() == ContainerStatus.STOPPED || (st.status() == ContainerStatus.PAUSED && action == Provider.Action.PAUSE);
                if (!asleep) {
                    if (st.status() == ContainerStatus.PAUSED) lifecycle.perform(w.route(), Provider.Action.UNPAUSE, source);
                    lifecycle.perform(w.route(), action, source);
                    LOG.log(Level.INFO, "route {0}: container {1} put to sleep ({2}, {3})", w.route(), container, idle.stopMethod().label(),
                            source.label());
                }
            } catch (DormouseException e) {
                LOG.log(Level.WARNING, "route {0}: sleep container {1}: {2}", w.route(), container, e.getMessage());
                RouteState after = stateAfterFailure(p, before);
                if (after == RouteState.READY) w.timer().restart();
                w.state(after);
                throw e;
            }
        } finally {
            w.ops().unlock();
        }
        for (RouteWatcher d : w.dependencies) d.dependentSlept();
    }

    private RouteState stateAfterFailure(Provider p, RouteState before) {
        try {
            return switch (p.inspect(container).status()) {
                case RUNNING -> before == RouteState.READY ? RouteState.READY : RouteState.ERROR;
                case MISSING -> RouteState.MISSING;
                default -> RouteState.NAPPING;
            };
        } catch (DormouseException e) {
            return RouteState.ERROR;
        }
    }
}
