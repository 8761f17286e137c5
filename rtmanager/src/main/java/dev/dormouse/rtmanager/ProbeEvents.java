package dev.dormouse.rtmanager;

import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The health monitors' view, as health events of the runtimes: a route's probe going down
 * ({@code probe_failed}, with the check's detail) or coming back ({@code probe_recovered}) is recorded for
 * the route's runtime, when the route has a container; other changes (starting, napping, a first healthy)
 * are not events. Subscribe it to the monitors; it never throws (a failed write is logged).
 */
public final class ProbeEvents implements Consumer<StatusChange> {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.health");

    private final LifecycleService lifecycle;

    public ProbeEvents(LifecycleService lifecycle) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
    }

    @Override
    public void accept(StatusChange c) {
        boolean failed = c.to().isDown() && !c.from().isDown();
        boolean recovered = c.from().isDown() && c.to() == HealthStatus.HEALTHY;
        if (!failed && !recovered || lifecycle.spec(c.route()).isEmpty()) return;
        try {
            String cid = lifecycle.store().record(c.route()).map(RuntimeRecord::containerId).orElse("");
            lifecycle.recordHealth(c.route(), cid, failed ? new HealthDetails.ProbeFailed(c.detail()) : new HealthDetails.ProbeRecovered());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route {0}: health event {1} not recorded: {2}", c.route(), failed ? "probe_failed" : "probe_recovered",
                    e.getMessage());
        }
    }
}
