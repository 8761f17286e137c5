package dev.dormouse.cli;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.core.DormouseException;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderStatus;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The running providers: which factory makes each configured provider (by its kind, among the kinds of
 * this build), and what the operator is shown of them (connection state, endpoint, how many routes in use
 * each serves). They are made from the config at start only; a reload that changes {@code providers:} is
 * applied at the next start. Closing closes each one, logging a failure and going on.
 */
final class Providers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    /** The configs the running providers were made from, in config order. */
    private final List<ProviderConfig> configs;
    private final Map<String, Provider> byKey;

    private Providers(List<ProviderConfig> configs, Map<String, Provider> byKey) {
        this.configs = List.copyOf(configs);
        this.byKey = Collections.unmodifiableMap(byKey);
    }

    /**
     * Makes every provider of {@code configs} with its kind's factory; when one cannot be made, those
     * already made are closed.
     *
     * @throws DormouseException when this build has no factory for a provider's kind
     */
    static Providers open(List<ProviderConfig> configs, ProviderKinds kinds) {
        Objects.requireNonNull(kinds, "kinds");
        Map<String, Provider> made = new LinkedHashMap<>();
        try {
            for (ProviderConfig p : configs) {
                made.put(p.key(), kinds.factory(p.kind()).orElseThrow(() -> new DormouseException(
                        "start provider " + p.key() + ": this build of dormouse has no " + p.kind() + " provider")).create(p));
            }
        } catch (RuntimeException e) {
            new Providers(List.of(), made).close();
            throw e;
        }
        return new Providers(configs, made);
    }

    /** The running providers by key ({@code kind:name}), in config order; unmodifiable. */
    Map<String, Provider> byKey() {
        return byKey;
    }

    /** Each provider's connection state, by {@code kind:name}. */
    Map<String, ProviderStatus> status() {
        Map<String, ProviderStatus> out = new LinkedHashMap<>();
        byKey.forEach((k, p) -> out.put(k, p.status()));
        return out;
    }

    /** Each running provider, in config order: its config, connection state and how many of {@code routes} it serves. */
    List<AdminBackend.Provider> views(List<RouteConfig> routes) {
        List<AdminBackend.Provider> out = new ArrayList<>();
        for (ProviderConfig c : configs) {
            Provider p = byKey.get(c.key());
            if (p == null) continue;
            int n = (int) routes.stream().filter(r -> r.container().map(x -> x.providerKey().equals(c.key())).orElse(false)).count();
            out.add(new AdminBackend.Provider(c.key(), c.kind(), c.name(), c.endpoint(), n, p.status()));
        }
        return out;
    }

    @Override
    public void close() {
        for (Provider p : byKey.values()) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "close provider {0}: {1}", p.name(), e.getMessage());
            }
        }
    }
}
