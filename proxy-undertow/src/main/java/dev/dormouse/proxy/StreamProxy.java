package dev.dormouse.proxy;

import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The TCP and UDP listeners of stream routes. Every TCP connection runs on virtual threads, so a held or
 * idle connection costs no platform thread; each UDP listener runs on one thread of its own. A listener
 * that cannot bind is reported and the other routes still start. One scheduler (a single virtual thread)
 * sweeps every listener for connections and sessions idle longer than their route's
 * {@code stream.idle_timeout}, so no connection has a timer of its own.
 */
public final class StreamProxy implements AutoCloseable {
    static final System.Logger LOG = System.getLogger("dev.dormouse.proxy.stream");
    /** Bounds on the sweep period, which is an eighth of the idle timeout: closed at most that late. */
    static final long SWEEP_MIN_MS = 10;
    static final long SWEEP_MAX_MS = 10_000;

    private List<ProxyRoute> routes;
    private final ProxyMetrics metrics;
    private final LongSupplier nanoTime;
    /** Runs the sweeps; absent in tests that call {@link #sweep()} themselves. */
    private final Optional<ScheduledExecutorService> scheduler;
    private final Map<String, StreamListener> listeners = new LinkedHashMap<>();
    /** Replaced TCP listeners whose connections are still open: swept until the last one closes. */
    private final List<StreamListener> draining = new ArrayList<>();
    private final Map<String, String> errors = new LinkedHashMap<>();

    /** @param routes all routes; only tcp and udp ones are served here */
    public StreamProxy(List<ProxyRoute> routes) {
        this(routes, ProxyMetrics.unregistered());
    }

    /**
     * @param routes all routes; only tcp and udp ones are served here
     * @param metrics where traffic is counted
     */
    public StreamProxy(List<ProxyRoute> routes, ProxyMetrics metrics) {
        this(routes, metrics, System::nanoTime, true);
    }

    /**
     * @param nanoTime monotonic time for idle timeouts
     * @param scheduled whether sweeps run by themselves; false: only when {@link #sweep()} is called
     */
    StreamProxy(List<ProxyRoute> routes, ProxyMetrics metrics, LongSupplier nanoTime, boolean scheduled) {
        this.routes = streamsOf(routes);
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.nanoTime = java.util.Objects.requireNonNull(nanoTime, "nanoTime");
        this.scheduler = scheduled
                ? Optional.of(Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("stream-idle-sweep").factory()))
                : Optional.empty();
    }

    private static List<ProxyRoute> streamsOf(List<ProxyRoute> routes) {
        return routes.stream().filter(r -> r.config().isStream()).toList();
    }

    /** Binds every listener; a failure is logged, kept in {@link #errors()}, and does not stop the others. */
    public synchronized void start() {
        for (ProxyRoute r : routes) listen(r);
    }

    private void listen(ProxyRoute r) {
        ListenAddress listen = r.config().listen().orElseThrow();
        InetSocketAddress at = listen.bindAddress();
        StreamStats stats = new StreamStats(metrics.stream(r.config().name()));
        errors.remove(r.config().name());
        try {
            StreamListener l = listen.transport().equals("tcp") ? new TcpListener(r, at, stats, nanoTime) : new UdpListener(r, at, stats, nanoTime);
            l.start();
            listeners.put(r.config().name(), l);
            scheduler.ifPresent(s -> {
                long every = Math.clamp(r.config().stream().idleTimeout().toMillis() / 8, SWEEP_MIN_MS, SWEEP_MAX_MS);
                l.sweeper = s.scheduleWithFixedDelay(() -> sweep(l), every, every, TimeUnit.MILLISECONDS);
            });
            LOG.log(Level.INFO, "route {0}: {1} listening on {2}", r.config().name(), listen.transport(), l.address());
        } catch (IOException e) {
            String msg = "route " + r.config().name() + ": listen " + listen + ": "
                    + (e instanceof java.net.BindException ? "address already in use" : e.getMessage());
            errors.put(r.config().name(), msg);
            LOG.log(Level.ERROR, msg);
        }
    }

    /** One scheduled sweep; a drained listener with nothing left open is done with. */
    private void sweep(StreamListener l) {
        try {
            l.sweep();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route {0}: idle sweep: {1}", l.name(), e.toString());
        }
        if (l.closed && l.isEmpty()) {
            ScheduledFuture<?> f = l.sweeper;
            if (f != null) f.cancel(false);
            synchronized (this) {
                draining.remove(l);
            }
        }
    }

    /** Sweeps every listener now, for tests that drive time themselves; returns when all are done. */
    void sweep() {
        List<StreamListener> all;
        synchronized (this) {
            all = new ArrayList<>(listeners.values());
            all.addAll(draining);
        }
        for (StreamListener l : all) l.sweep().orTimeout(5, TimeUnit.SECONDS).join();
    }

    /**
     * Switches to a new route set: unchanged routes keep their listener and sessions; removed and changed
     * ones stop accepting, and their open TCP connections go on until either side closes them or they are
     * idle for the route's {@code stream.idle_timeout}; new and changed ones start listening.
     */
    public synchronized void update(List<ProxyRoute> all) {
        List<ProxyRoute> next = streamsOf(all);
        Map<String, ProxyRoute> byName = new LinkedHashMap<>();
        next.forEach(r -> byName.put(r.config().name(), r));
        for (ProxyRoute old : routes) {
            ProxyRoute now = byName.get(old.config().name());
            if (now != null && now.config().equals(old.config()) && now.watcher().equals(old.watcher())) continue;
            StreamListener l = listeners.remove(old.config().name());
            errors.remove(old.config().name());
            if (l != null) {
                l.drain();
                if (l.isEmpty()) stopSweeping(l);
                else draining.add(l);
                LOG.log(Level.INFO, "route {0}: stopped listening on {1}", old.config().name(), l.address());
            }
        }
        for (ProxyRoute r : next) {
            ProxyRoute before = routes.stream().filter(o -> o.config().name().equals(r.config().name())).findFirst().orElse(null);
            boolean kept = before != null && before.config().equals(r.config()) && before.watcher().equals(r.watcher());
            if (!kept) listen(r);
        }
        routes = next;
        metrics.retainStreams(byName.keySet());
    }

    private static void stopSweeping(StreamListener l) {
        ScheduledFuture<?> f = l.sweeper;
        if (f != null) f.cancel(false);
    }

    /** Routes whose listener could not start, with why. */
    public synchronized Map<String, String> errors() {
        return Map.copyOf(errors);
    }

    /** Where a route listens (the real port when 0 was configured). */
    public synchronized Optional<InetSocketAddress> address(String route) {
        return Optional.ofNullable(listeners.get(route)).map(StreamListener::address);
    }

    public synchronized Optional<StreamStats> stats(String route) {
        return Optional.ofNullable(listeners.get(route)).map(l -> l.stats);
    }

    @Override
    public synchronized void close() {
        for (StreamListener l : new ArrayList<>(listeners.values())) l.close();
        for (StreamListener l : draining) l.close();
        listeners.clear();
        draining.clear();
        scheduler.ifPresent(ScheduledExecutorService::shutdownNow);
    }

    /**
     * Blocks the calling virtual thread until the route is awake. Returns false, after logging, when the wake
     * failed or timed out; the watcher has already emitted the error event.
     */
    static boolean awaitAwake(IdleWatcher w) {
        if (w.isReady()) return true;
        long bound = w.config().idle().wakeTimeout().toMillis() + 1000;
        try {
            w.wake(OpSource.WAKE_REQUEST).get(bound, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.DEBUG, "route {0}: wake failed, dropping held traffic: {1}", w.route(),
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
