package dev.dormouse.tls;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.AcmeConfig;
import dev.dormouse.tls.spi.AcmeIssuerFactory;
import dev.dormouse.tls.spi.CertificateIssuer;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Certificates from an ACME CA (RFC 8555) for every route host that no file certificate covers and that
 * is not a wildcard (those need DNS-01, which dormouse does not do): obtained, stored under
 * {@code <data_dir>/acme/}, renewed once two thirds of the lifetime have passed, retried with
 * exponential backoff per host after a failure. A failure never removes a working certificate; the
 * host's {@link HostCertificate} in {@link CertificateStore#status()} shows the error and the next attempt.
 *
 * <p>Lifecycle: {@link #load()} (stored certificates into the store, before the HTTPS listener opens;
 * no CA is contacted), then {@link #start()} (a virtual thread that calls {@link #tick()} every interval),
 * {@link #close()}. Serving never waits for it: the store is swapped atomically. One order at a time, at
 * most {@link Limits#hostsPerTick()} per tick, at most {@link Limits#maxHosts()} hosts followed. The ACME
 * client (acme4j, Bouncy Castle) is asked for at the first order, not before ({@link Deps#issuers()}).
 */
public final class AcmeWorker implements AutoCloseable {
    /** Time between ticks when the caller has no opinion. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger("dev.dormouse.tls.acme");

    /**
     * Bounds and timings.
     *
     * @param hostsPerTick orders per tick at most (run one after the other); the rest wait for the next tick
     * @param maxHosts hosts followed at most (the host set comes from config and container labels); more are ignored, with a warning
     * @param firstRetry pause after the first failure of a host; doubled per failure
     * @param maxRetry the longest pause between attempts
     * @param orderTimeout how long one order may take, network waits included
     * @param pollInterval first pause between polls of a pending authorization or order (doubled up to 5 s)
     */
    public record Limits(int hostsPerTick, int maxHosts, Duration firstRetry, Duration maxRetry, Duration orderTimeout, Duration pollInterval) {
        public static final Limits DEFAULTS = new Limits(3, 1000, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofMinutes(2), Duration.ofMillis(250));

        public Limits {
            if (hostsPerTick < 1) throw new IllegalArgumentException("hostsPerTick must be >= 1, got " + hostsPerTick);
            if (maxHosts < 1) throw new IllegalArgumentException("maxHosts must be >= 1, got " + maxHosts);
            for (Duration d : new Duration[] {firstRetry, maxRetry, orderTimeout, pollInterval}) {
                if (d == null || !d.isPositive()) throw new IllegalArgumentException("durations must be > 0, got " + d);
            }
            if (maxRetry.compareTo(firstRetry) < 0) throw new IllegalArgumentException("maxRetry must be >= firstRetry");
        }
    }

    /**
     * @param config the {@code tls.acme} block
     * @param dataDir {@code server.data_dir}; certificates go to {@code <data_dir>/acme/}
     * @param store where certificates are served from
     * @param challenges the table the HTTP listener (HTTP-01) and the key manager (TLS-ALPN-01) answer from
     * @param hosts every route host, as configured (the worker filters: wildcards, names files cover, non-DNS names)
     * @param clock decides renewals and retries
     * @param scheduler when ticks run
     * @param interval time between ticks ({@link #DEFAULT_INTERVAL})
     * @param issuers the ACME client, asked for at the first order only: {@link AcmeModules#fromDirectory}
     *     in the distribution, {@link AcmeModules#visible()} in tests
     */
    public record Deps(AcmeConfig config, Path dataDir, CertificateStore store, AcmeChallenges challenges, Supplier<Set<String>> hosts,
            Clock clock, Scheduler scheduler, Duration interval, Limits limits, Supplier<AcmeIssuerFactory> issuers) {
        public Deps {
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(challenges, "challenges");
            Objects.requireNonNull(hosts, "hosts");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(issuers, "issuers");
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }
    }

    /** What the worker knows of a host; only the worker thread (under {@link #busy}) touches it. */
    private record HostState(Optional<CertificateEntry> entry, int failures, Optional<String> lastError, Instant nextAttempt) {}

    private final Deps deps;
    private final AcmeStorage storage;
    private final ReentrantLock busy = new ReentrantLock();
    private final Map<String, HostState> hosts = new HashMap<>();
    private CertificateIssuer issuer;
    private int warnedAbove;
    private volatile boolean closed;
    private final Ticker ticker;
    private boolean started;

    public AcmeWorker(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.storage = new AcmeStorage(deps.dataDir(), deps.config().directory());
        this.ticker = new Ticker("dormouse-acme", deps.scheduler(), deps.interval(), this::tick, LOG, true);
    }

    /** Puts the certificates stored for this CA into the store (no CA is contacted); returns how many. */
    public int load() {
        busy.lock();
        try {
            Map<String, CertifiedKey> stored = storage.loadAll();
            stored.forEach((host, ck) -> {
                CertificateEntry e = entry(host, ck);
                HostState s = new HostState(Optional.of(e), 0, Optional.empty(), renewAt(e));
                hosts.put(host, s);
                publish(host, s);
            });
            LOG.log(Level.INFO, "tls acme: loaded " + stored.size() + " stored certificates from " + storage.caDir());
            return stored.size();
        } finally {
            busy.unlock();
        }
    }

    /** Ticks now (the hosts without a certificate are ordered at start) and then every interval, on virtual threads named {@code dormouse-acme}. */
    public synchronized void start() {
        if (started) throw new IllegalStateException("tls acme: already started");
        started = true;
        ticker.start();
    }

    /**
     * One round: follows the current host set, then orders for the hosts that are due (no certificate yet,
     * renewal time reached, or retry time reached), earliest first, at most {@link Limits#hostsPerTick()}.
     * Returns at once when another tick is running.
     */
    public void tick() {
        if (!busy.tryLock()) return;
        try {
            Set<String> wanted = wanted();
            hosts.keySet().retainAll(wanted);
            deps.store().retainAcme(wanted);
            Instant now = deps.clock().instant();
            for (String h : wanted) {
                if (!hosts.containsKey(h)) {
                    Optional<CertificateEntry> stored = storage.load(h).map(ck -> entry(h, ck));
                    HostState s = new HostState(stored, 0, Optional.empty(), stored.map(AcmeWorker::renewAt).orElse(now));
                    hosts.put(h, s);
                    publish(h, s);
                }
            }
            List<String> due = hosts.entrySet().stream().filter(e -> !e.getValue().nextAttempt().isAfter(now))
                    .sorted(Map.Entry.<String, HostState>comparingByValue(Comparator.comparing(HostState::nextAttempt)).thenComparing(Map.Entry.comparingByKey()))
                    .limit(deps.limits().hostsPerTick()).map(Map.Entry::getKey).toList();
            for (String h : due) {
                if (closed || Thread.currentThread().isInterrupted()) break;
                attempt(h);
            }
        } finally {
            busy.unlock();
        }
    }

    /** The ACME hosts' records: certificate expiry, last error, next attempt. */
    public List<HostCertificate> status() {
        return deps.store().status().stream().filter(h -> h.source() == Source.ACME).toList();
    }

    private void attempt(String host) {
        HostState before = hosts.get(host);
        long started = System.nanoTime();
        try {
            KeyPair key = AcmeStorage.newEcKey();
            List<X509Certificate> chain = issuer().issue(host, key);
            Path file = storage.save(host, chain, key.getPrivate());
            CertificateEntry e = new CertificateEntry(new CertifiedKey(chain, key.getPrivate()), Source.ACME, Optional.of(file));
            HostState s = new HostState(Optional.of(e), 0, Optional.empty(), renewAt(e));
            hosts.put(host, s);
            publish(host, s);
            LOG.log(Level.INFO, "tls acme: obtained certificate for '" + host + "' in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                    + " ms (expires " + e.notAfter() + ", renewal from " + s.nextAttempt() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            String msg = e instanceof TlsException ? e.getMessage() : "tls acme: obtain certificate for '" + host + "': " + e + " (" + deps.config().directory() + ")";
            int failures = before.failures() + 1;
            Instant next = deps.clock().instant().plus(backoff(failures, deps.limits()));
            HostState s = new HostState(before.entry(), failures, Optional.of(msg), next);
            hosts.put(host, s);
            publish(host, s);
            LOG.log(Level.WARNING, msg + "; attempt " + failures + ", next at " + next
                    + before.entry().map(c -> "; still serving the certificate that expires " + c.notAfter()).orElse(""));
        }
    }

    private CertificateEntry entry(String host, CertifiedKey ck) {
        return new CertificateEntry(ck, Source.ACME, Optional.of(storage.certFile(host)));
    }

    private CertificateIssuer issuer() {
        if (issuer == null) issuer = deps.issuers().get().create(deps.config(), storage.accountKey(), deps.challenges(), deps.limits());
        return issuer;
    }

    /** {@code firstRetry * 2^(failures-1)}, at most {@code maxRetry}. */
    static Duration backoff(int failures, Limits limits) {
        Duration d = limits.firstRetry();
        for (int i = 1; i < failures && d.compareTo(limits.maxRetry()) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(limits.maxRetry()) > 0 ? limits.maxRetry() : d;
    }

    /** Two thirds into the certificate's lifetime. */
    static Instant renewAt(CertificateEntry e) {
        Duration life = Duration.between(e.notBefore(), e.notAfter());
        return e.notBefore().plus(life.multipliedBy(2).dividedBy(3));
    }

    private Set<String> wanted() {
        Set<String> all = new TreeSet<>();
        for (String h : deps.hosts().get()) {
            String host = h.toLowerCase(Locale.ROOT);
            if (HostNames.isIssuable(host) && !deps.store().coveredByFile(host)) all.add(host);
        }
        if (all.size() <= deps.limits().maxHosts()) return all;
        if (all.size() != warnedAbove) {
            warnedAbove = all.size();
            LOG.log(Level.WARNING, "tls acme: " + all.size() + " hosts need certificates, following the first " + deps.limits().maxHosts()
                    + " by name; the others are served the fallback certificate");
        }
        return new TreeSet<>(new ArrayList<>(all).subList(0, deps.limits().maxHosts()));
    }

    private void publish(String host, HostState s) {
        deps.store().updateAcme(host, new AcmeHost(s.entry(), s.lastError(), Optional.of(s.nextAttempt())));
    }

    /** Stops the worker (an order in progress is interrupted); returns within about {@link Ticker#CLOSE_BOUND}. */
    @Override
    public void close() {
        closed = true;
        ticker.close();
        try {
            if (!busy.tryLock(1, TimeUnit.SECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (issuer != null) issuer.close();
            issuer = null;
        } finally {
            busy.unlock();
        }
    }
}
