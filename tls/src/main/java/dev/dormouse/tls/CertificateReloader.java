package dev.dormouse.tls;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Polls the {@code tls.certificates} files and reloads changed ones into the store
 * ({@link CertificateStore#reloadFiles()}): modification time and size on every poll, the content hash when
 * those changed. Polling (not a file watch) also sees files replaced through symlinks, as certbot and
 * Kubernetes secrets do.
 */
public final class CertificateReloader implements AutoCloseable {
    /** How often the files are looked at when the caller has no opinion. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    private static final System.Logger LOG = System.getLogger("dev.dormouse.tls.files");

    /**
     * @param store the store whose files are polled
     * @param clock when a poll ran ({@link #lastPoll()})
     * @param scheduler when polls run
     * @param interval time between polls; {@link #DEFAULT_INTERVAL} is a good default
     */
    public record Deps(CertificateStore store, Clock clock, Scheduler scheduler, Duration interval) {
        public Deps {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }
    }

    private final Deps deps;
    private volatile Instant lastPoll;
    private final Ticker ticker;
    private boolean started;

    public CertificateReloader(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.ticker = new Ticker("dormouse-tls-reload", deps.scheduler(), deps.interval(), this::tick, LOG, false);
    }

    /**
     * Polls every interval, on virtual threads named {@code dormouse-tls-reload}, until {@link #close()}; the
     * first poll an interval from now, since the store was just read from the same files.
     */
    public synchronized void start() {
        if (started) throw new IllegalStateException("tls reload: already started");
        started = true;
        ticker.start();
    }

    /** One poll: re-reads changed files. Returns whether anything changed. */
    public boolean tick() {
        boolean changed = deps.store().reloadFiles();
        lastPoll = deps.clock().instant();
        return changed;
    }

    /** When the files were last looked at, per the injected clock. */
    public Optional<Instant> lastPoll() {
        return Optional.ofNullable(lastPoll);
    }

    /** Stops polling; a poll under way is interrupted (it reads files only). */
    @Override
    public void close() {
        ticker.close();
    }
}
