package dev.dormouse.tls;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
     * @param interval time between polls; {@link #DEFAULT_INTERVAL} is a good default
     */
    public record Deps(CertificateStore store, Clock clock, Duration interval) {
        public Deps {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(clock, "clock");
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }
    }

    private final Deps deps;
    private volatile Instant lastPoll;
    private volatile boolean closed;
    private Thread thread;

    public CertificateReloader(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /** Polls on a virtual thread named {@code dormouse-tls-reload} until {@link #close()}. */
    public synchronized void start() {
        if (thread != null) throw new IllegalStateException("tls reload: already started");
        thread = Thread.ofVirtual().name("dormouse-tls-reload").start(() -> {
            while (!closed) {
                LockSupport.parkNanos(deps.interval().toNanos());
                if (closed) break;
                try {
                    tick();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "tls: poll certificate files failed; polling goes on", e);
                }
            }
        });
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

    /** Stops polling; returns within about a second. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t == null) return;
        LockSupport.unpark(t);
        try {
            t.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
