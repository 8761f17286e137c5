package dev.dormouse.cli;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.Hosts;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.proxy.TlsFrontDoor;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeModules;
import dev.dormouse.tls.AcmeWorker;
import dev.dormouse.tls.CertificateReloader;
import dev.dormouse.tls.CertificateStore;
import dev.dormouse.tls.HostCertificate;
import dev.dormouse.tls.ServerTlsContext;
import dev.dormouse.tls.spi.AcmeIssuerFactory;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The daemon's HTTPS front door, wired from the tls module: the certificate store over {@code tls.certificates}
 * and its reloader, with {@code tls.acme} the ACME worker and its challenge table, and the server context the
 * HTTPS listener shakes hands with. Built only when {@code server.https} is set.
 */
final class TlsFront implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    /**
     * How the daemon keeps TLS time and finds the ACME client: {@link #standard()} in the distribution; tests
     * move the clock and shorten the intervals.
     *
     * @param clock decides ACME renewals and retries
     * @param reloadInterval how often the certificate files are looked at
     * @param acmeInterval how often the ACME worker looks for hosts that are due
     * @param acmeClient the ACME client, asked for at the first order only
     */
    record Setup(Clock clock, Duration reloadInterval, Duration acmeInterval, Supplier<AcmeIssuerFactory> acmeClient) {
        Setup {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(acmeClient, "acmeClient");
            if (reloadInterval == null || !reloadInterval.isPositive()) throw new IllegalArgumentException("reloadInterval must be > 0, got " + reloadInterval);
            if (acmeInterval == null || !acmeInterval.isPositive()) throw new IllegalArgumentException("acmeInterval must be > 0, got " + acmeInterval);
        }

        /**
         * The system clock, the default intervals, and the ACME client from {@code <dormouse.home>/lib/acme} (the
         * launcher sets {@code dormouse.home}); without a home (development, tests), the client visible already.
         */
        static Setup standard() {
            String home = System.getProperty("dormouse.home");
            Supplier<AcmeIssuerFactory> client = home == null || home.isEmpty() ? AcmeModules.visible()
                    : AcmeModules.fromDirectory(Path.of(home, "lib", "acme"));
            return new Setup(Clock.systemUTC(), CertificateReloader.DEFAULT_INTERVAL, AcmeWorker.DEFAULT_INTERVAL, client);
        }
    }

    private final CertificateStore store;
    private final CertificateReloader reloader;
    private final AcmeWorker acme;
    private final TlsFrontDoor door;

    private TlsFront(CertificateStore store, CertificateReloader reloader, AcmeWorker acme, TlsFrontDoor door) {
        this.store = store;
        this.reloader = reloader;
        this.acme = acme;
        this.door = door;
    }

    /**
     * Reads every certificate file (all must be good) and the certificates stored for the ACME CA, and builds the
     * server context; starts nothing and contacts no CA.
     *
     * @param routes the routes in use, whose hosts ACME serves ({@link #acmeHosts}; the worker skips what files
     *     cover and what no CA issues)
     * @param scheduler when the reloader and the ACME worker tick
     * @throws dev.dormouse.tls.TlsException naming every file that cannot be used
     */
    static TlsFront open(TlsConfig tls, Path dataDir, Supplier<List<RouteConfig>> routes, Scheduler scheduler, Setup setup) {
        Supplier<Set<String>> hosts = () -> acmeHosts(routes.get());
        CertificateStore store = CertificateStore.open(tls.certificates());
        AcmeChallenges challenges = new AcmeChallenges();
        AcmeWorker acme = null;
        if (tls.acme().isPresent()) {
            AcmeConfig a = tls.acme().get();
            acme = new AcmeWorker(new AcmeWorker.Deps(a, dataDir, store, challenges, hosts, setup.clock(), scheduler, setup.acmeInterval(),
                    AcmeWorker.Limits.DEFAULTS, setup.acmeClient()));
            acme.load();
        }
        TlsFrontDoor door = new TlsFrontDoor(ServerTlsContext.create(store, challenges, tls), store,
                tls.acme().isPresent() ? Optional.of(challenges) : Optional.empty(), tls.redirectHttp());
        CertificateReloader reloader = new CertificateReloader(new CertificateReloader.Deps(store, setup.clock(), scheduler, setup.reloadInterval()));
        return new TlsFront(store, reloader, acme, door);
    }

    /** The hosts ACME serves: every HTTP route's, label routes included, without wildcards (they need DNS-01). */
    static Set<String> acmeHosts(List<RouteConfig> routes) {
        Set<String> hosts = new TreeSet<>();
        for (RouteConfig r : routes) {
            if (r.isStream()) continue;
            for (String h : r.hosts()) if (!Hosts.isWildcard(h)) hosts.add(h);
        }
        return hosts;
    }

    /** What the proxy's listeners take. */
    TlsFrontDoor door() {
        return door;
    }

    /** Starts following the files and, with ACME, ordering; after the listeners are up (HTTP-01 needs the HTTP one). */
    void start() {
        reloader.start();
        if (acme != null) acme.start();
    }

    /**
     * A reload's new {@code tls.certificates}: all or nothing (a new entry whose files cannot be used fails the
     * call and the store stays as it was).
     *
     * @throws dev.dormouse.tls.TlsException naming every file that cannot be used
     */
    void reconfigure(List<TlsCertificate> files) {
        store.reconfigure(files);
        LOG.log(Level.INFO, "tls: {0} certificate files in use", files.size());
    }

    /** Every certificate name's record: file certificates, then ACME hosts. */
    List<HostCertificate> status() {
        return store.status();
    }

    /** The certificate of a route host: the file one that covers it, or its ACME state; empty when only the fallback answers. */
    Optional<HostCertificate> status(String host) {
        return store.status(host);
    }

    /** The ACME worker, when {@code tls.acme} is set; tests tick it. */
    Optional<AcmeWorker> acme() {
        return Optional.ofNullable(acme);
    }

    CertificateReloader reloader() {
        return reloader;
    }

    @Override
    public void close() {
        if (acme != null) acme.close();
        reloader.close();
    }
}
