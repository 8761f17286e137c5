package dev.dormouse.cli;

import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderCheck;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The doctor's checks through the providers (the SPI, as {@code serve} builds them): each backend's
 * socket usable by this user, the backend reachable with its credentials, the engine's clock, and each
 * route's container present. What the config alone can tell (a provider's files, for instance) is checked
 * with the config. Nothing is changed: only {@link Provider#check()} and {@link Provider#inspect(String)}
 * are called.
 */
final class ProviderChecks implements AutoCloseable {
    static final Duration SKEW_WARNING = Duration.ofSeconds(2);
    static final Duration SKEW_PROBLEM = Duration.ofSeconds(30);

    private final ProviderKinds kinds;
    private final Identity who;
    private final Clock clock;
    /** The providers that answered their check, by {@code kind:name}. */
    private final Map<String, Provider> reachable = new LinkedHashMap<>();
    private final List<Provider> built = new ArrayList<>();

    ProviderChecks(ProviderKinds kinds, Identity who, Clock clock) {
        this.kinds = kinds;
        this.who = who;
        this.clock = clock;
    }

    /** Builds and checks each provider: its socket (if it has one), reachability with its credentials, clock. */
    List<DoctorCheck> providers(List<ProviderConfig> configs) {
        List<DoctorCheck> out = new ArrayList<>();
        for (ProviderConfig p : configs) {
            String name = p.kind() + " " + p.name();
            p.socket().ifPresent(s -> out.add(LocalChecks.socket(name + " socket", s, who, true)));
            Optional<ProviderFactory> f = kinds.factory(p.kind());
            if (f.isEmpty()) continue; // reported with the config
            Provider provider;
            try {
                provider = f.get().create(p);
            } catch (RuntimeException e) {
                out.add(DoctorCheck.problem(name + " engine", Output.oneLine(String.valueOf(e.getMessage()))));
                continue;
            }
            built.add(provider);
            out.addAll(check(name, p.endpoint(), provider));
        }
        return out;
    }

    private List<DoctorCheck> check(String name, String where, Provider provider) {
        Instant before = clock.instant();
        Optional<ProviderCheck> c;
        try {
            c = provider.check();
        } catch (ProviderException e) {
            return List.of(DoctorCheck.problem(name + " engine", e.getMessage()));
        }
        Instant after = clock.instant();
        reachable.put(ContainerRef.providerKey(provider.kind(), provider.name()), provider);
        if (c.isEmpty()) return List.of(DoctorCheck.warning(name + " engine", "this provider cannot be checked"));
        List<DoctorCheck> out = new ArrayList<>();
        out.add(DoctorCheck.ok(name + " engine", c.get().server() + " answers at " + where));
        if (c.get().serverTime().isPresent()) {
            Instant local = before.plus(Duration.between(before, after).dividedBy(2));
            out.add(clock(name + " clock", Duration.between(local, c.get().serverTime().get())));
        }
        return out;
    }

    /** More than {@link #SKEW_WARNING} apart is a warning, more than {@link #SKEW_PROBLEM} a problem. */
    static DoctorCheck clock(String check, Duration engineAhead) {
        Duration skew = engineAhead.abs();
        String text = String.format(Locale.ROOT, "the engine's clock is %.1fs %s this machine's", skew.toMillis() / 1000.0,
                engineAhead.isNegative() ? "behind" : "ahead of");
        if (skew.compareTo(SKEW_PROBLEM) > 0) return DoctorCheck.problem(check, text + " (more than " + SKEW_PROBLEM.toSeconds()
                + "s: idle timers, retention and event times disagree; sync both with NTP)");
        if (skew.compareTo(SKEW_WARNING) > 0) return DoctorCheck.warning(check, text + " (more than " + SKEW_WARNING.toSeconds() + "s)");
        return DoctorCheck.ok(check, text);
    }

    /** Each route's container exists, asked of its provider; routes of providers that did not answer are not checked. */
    List<DoctorCheck> containers(List<RouteConfig> routes) {
        List<DoctorCheck> out = new ArrayList<>();
        for (RouteConfig r : routes) {
            if (r.container().isEmpty()) continue;
            String ref = r.container().get().toString();
            String name = "route " + r.name();
            Provider p = reachable.get(r.container().get().providerKey());
            if (p == null) {
                out.add(DoctorCheck.warning(name, "container " + ref + " not checked: its provider did not answer"));
                continue;
            }
            try {
                ContainerState s = p.inspect(r.container().get().id());
                out.add(s.status() == ContainerStatus.MISSING
                        ? DoctorCheck.problem(name, "container " + ref + " does not exist")
                        : DoctorCheck.ok(name, "container " + ref + " exists (" + s.status().name().toLowerCase(Locale.ROOT) + ")"));
            } catch (ProviderException e) {
                out.add(DoctorCheck.problem(name, e.getMessage()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (Provider p : built) {
            try {
                p.close();
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }
}
