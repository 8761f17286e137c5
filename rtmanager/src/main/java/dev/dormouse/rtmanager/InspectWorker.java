package dev.dormouse.rtmanager;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Periodic inspection of running containers, when the worker starts and then every
 * {@code runtime.inspect_interval}. Each pass lists the
 * records with status {@code running}, drops the baselines of runtimes whose life ended (the record is
 * gone or removed, refers to another container, or dormouse acted on it since the baseline was taken), so
 * a stopped and started runtime never carries a stale baseline into its next life, then inspects each
 * container in turn, never in parallel, and records {@code inspect_unhealthy}
 * ({@code {"restart_count","state","health"}}) when:
 * <ul>
 *   <li>its restart count rose since the previous pass (the first observation only records the baseline),
 *   <li>it is not running, or
 *   <li>its own health check reports {@code unhealthy}.
 * </ul>
 * A baseline survives the moments a container restarted by its restart policy is down (the record says
 * stopped between its {@code die} and {@code start} events): a crash loop is exactly what the restart
 * count is watched for. A count below the baseline (Docker resets it on a manual start) only re-seeds it.
 * A container that is not found is skipped without an event: {@code container_disappeared} comes only
 * from the {@link EventsListener} and the {@link Reconciler}. An inspection that fails is logged and the
 * pass goes on.
 */
public final class InspectWorker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.inspect");

    /**
     * @param lifecycle providers, the store and the event hub
     * @param clock event timestamps
     * @param scheduler when passes run
     * @param interval time between passes ({@code runtime.inspect_interval})
     */
    public record Deps(LifecycleService lifecycle, Clock clock, Scheduler scheduler, Duration interval) {
        public Deps {
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }

        /** With {@link Scheduler#system()}. */
        public Deps(LifecycleService lifecycle, Clock clock, Duration interval) {
            this(lifecycle, clock, Scheduler.system(), interval);
        }
    }

    private final Deps deps;
    private final Ticker ticker;
    /** A runtime's last seen restart count, and which life of it that was. */
    private record Baseline(int restartCount, String containerId, Optional<Instant> lastOpAt) {}

    /** Baselines by runtime; only touched under this object's lock. */
    private final Map<String, Baseline> baselines = new HashMap<>();

    public InspectWorker(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.ticker = new Ticker("rtmanager-inspect", deps.scheduler(), deps.interval(), this::tick, LOG, true);
    }

    /**
     * Runs a pass now and then every {@code interval}, on virtual threads named {@code rtmanager-inspect}:
     * the first pass takes the restart-count baselines and reports what is unhealthy already.
     */
    public InspectWorker start() {
        ticker.start();
        return this;
    }

    /** One pass, on the caller's thread. */
    public synchronized void tick() {
        List<RuntimeRecord> records = deps.lifecycle().store().records();
        Map<String, RuntimeRecord> byId = records.stream().collect(Collectors.toMap(RuntimeRecord::runtimeId, r -> r));
        baselines.entrySet().removeIf(b -> {
            RuntimeRecord r = byId.get(b.getKey());
            return r == null || r.status() == RuntimeStatus.REMOVED || !r.lastOpAt().equals(b.getValue().lastOpAt())
                    || !r.containerId().isEmpty() && !b.getValue().containerId().isEmpty() && !r.containerId().equals(b.getValue().containerId());
        });
        List<RuntimeRecord> running = records.stream().filter(r -> r.status() == RuntimeStatus.RUNNING).toList();
        for (RuntimeRecord r : running) {
            if (Thread.currentThread().isInterrupted()) return;
            try {
                inspectOne(r);
            } catch (RuntimeManagerException e) {
                LOG.log(Level.WARNING, "runtime {0}: inspect: {1}", r.runtimeId(), e.getMessage());
            }
        }
    }

    /** The runtimes that have a baseline, for tests. */
    synchronized Map<String, Integer> baselines() {
        Map<String, Integer> out = new HashMap<>();
        baselines.forEach((k, v) -> out.put(k, v.restartCount()));
        return Map.copyOf(out);
    }

    private void inspectOne(RuntimeRecord r) {
        Optional<Provider> p = deps.lifecycle().provider(r.provider());
        if (p.isEmpty()) {
            LOG.log(Level.WARNING, "runtime {0}: inspect skipped: provider ''{1}'' is not configured", r.runtimeId(), r.provider());
            return;
        }
        ContainerState st;
        try {
            st = p.get().inspect(r.containerRef());
        } catch (ProviderException e) {
            if (e.reason() == ProviderException.Reason.NOT_FOUND) {
                LOG.log(Level.DEBUG, "runtime {0}: inspect skipped: container ''{1}'' missing", r.runtimeId(), r.containerRef());
            } else {
                LOG.log(Level.WARNING, "runtime {0}: inspect container ''{1}'' failed: {2}", r.runtimeId(), r.containerRef(), e.getMessage());
            }
            return;
        }
        if (st.status() == ContainerStatus.MISSING) {
            LOG.log(Level.DEBUG, "runtime {0}: inspect skipped: container ''{1}'' missing", r.runtimeId(), r.containerRef());
            return;
        }
        String cid = st.id().isEmpty() ? r.containerId() : st.id();
        Baseline previous = baselines.put(r.runtimeId(), new Baseline(st.restartCount(), cid, r.lastOpAt()));
        boolean restarted = previous != null && st.restartCount() > previous.restartCount();
        boolean notRunning = st.status() != ContainerStatus.RUNNING;
        boolean unhealthy = st.health() == ContainerHealth.UNHEALTHY;
        if (!restarted && !notRunning && !unhealthy) return;
        HealthDetails.InspectUnhealthy d = new HealthDetails.InspectUnhealthy(st.restartCount(), st.status().name().toLowerCase(Locale.ROOT),
                st.health().name().toLowerCase(Locale.ROOT));
        HealthEvent e = deps.lifecycle().store().appendHealthEvent(r.runtimeId(), cid, d, deps.clock().instant());
        deps.lifecycle().publish(e);
        LOG.log(Level.INFO, "runtime {0}: container ''{1}'' inspect_unhealthy {2}", r.runtimeId(), r.containerRef(), d.json());
    }

    @Override
    public void close() {
        ticker.close();
    }
}
