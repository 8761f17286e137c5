package dev.dormouse.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The cross-route rules, in one place for the config file's checks ({@link FileRoutes}) and for the merge
 * of file and label routes ({@link RouteSet}): what a route claims (its name, hosts and listener), what
 * its dependencies must be, and dependency cycles. Each caller words the outcome for its reader.
 */
final class RouteRules {
    private RouteRules() {}

    /** Why a route cannot have what it claims. */
    sealed interface Clash {
        /** Another route has this name. */
        record Name(String name) implements Clash {}

        /**
         * {@code host} is taken by route {@code owner}: as the same host ({@code pattern} equals {@code host}),
         * or because the owner's wildcard {@code pattern} covers it.
         */
        record Host(String host, String owner, String pattern) implements Clash {
            boolean covered() {
                return !pattern.equals(host);
            }
        }

        /** Route {@code owner} listens on {@code theirs}: the same protocol and port as {@code listen}. */
        record Listener(ListenAddress listen, String owner, ListenAddress theirs) implements Clash {}
    }

    /** The names, hosts and listeners of the routes accepted so far; the first to claim one keeps it. */
    static final class Claims {
        private final Set<String> names = new HashSet<>();
        /** Every host and wildcard pattern as written, by its owner. */
        private final Map<String, String> hosts = new HashMap<>();
        /** Wildcard patterns and their owners. */
        private final List<Map.Entry<String, String>> wildcards = new ArrayList<>();
        private final Map<String, Map.Entry<String, ListenAddress>> listeners = new HashMap<>();

        /**
         * What {@code r} claims that accepted routes already have, in the order name, hosts, listener. With
         * {@code coverage}, a host inside another route's wildcard clashes too (the most specific wildcard is
         * named); the config file allows that (an exact host is a deliberate override of a wildcard), label
         * routes do not (the router would send the wildcard owner's requests to them). A route never clashes
         * with a route of its own name (that is the name clash alone).
         */
        List<Clash> clashes(RouteConfig r, boolean coverage) {
            List<Clash> out = new ArrayList<>();
            if (names.contains(r.name())) out.add(new Clash.Name(r.name()));
            for (String h : r.hosts()) {
                String owner = hosts.get(h);
                if (owner != null && !owner.equals(r.name())) {
                    out.add(new Clash.Host(h, owner, h));
                    continue;
                }
                if (!coverage) continue;
                Map.Entry<String, String> best = null;
                for (Map.Entry<String, String> w : wildcards) {
                    if (!w.getValue().equals(r.name()) && Hosts.covers(w.getKey(), h) && (best == null || w.getKey().length() > best.getKey().length())) {
                        best = w;
                    }
                }
                if (best != null) out.add(new Clash.Host(h, best.getValue(), best.getKey()));
            }
            if (r.listen().isPresent()) {
                Map.Entry<String, ListenAddress> owner = listeners.get(r.listen().get().clashKey());
                if (owner != null && !owner.getKey().equals(r.name())) out.add(new Clash.Listener(r.listen().get(), owner.getKey(), owner.getValue()));
            }
            return out;
        }

        /** Records what {@code r} claims; what another route claimed first stays that route's. */
        void add(RouteConfig r) {
            names.add(r.name());
            for (String h : r.hosts()) {
                if (hosts.putIfAbsent(h, r.name()) == null && Hosts.isWildcard(h)) wildcards.add(Map.entry(h, r.name()));
            }
            r.listen().ifPresent(l -> listeners.putIfAbsent(l.clashKey(), Map.entry(r.name(), l)));
        }
    }

    /**
     * What is wrong with {@code r}'s {@code depends_on}: a route that does not exist, a route without a
     * container to wake, or {@code r} itself without one. {@code hasContainer} answers for the routes that
     * exist; a route whose container reference was itself broken should answer true (it is reported once,
     * where it is written).
     */
    static List<String> dependencyProblems(RouteConfig r, Function<String, Optional<RouteConfig>> route, Function<RouteConfig, Boolean> hasContainer) {
        List<String> out = new ArrayList<>();
        for (String dep : r.idle().dependsOn()) {
            Optional<RouteConfig> d = route.apply(dep);
            if (d.isEmpty()) out.add("unknown route '" + dep + "'");
            else if (!hasContainer.apply(d.get())) out.add("route '" + dep + "' has no container to wake");
        }
        if (!r.idle().dependsOn().isEmpty() && !hasContainer.apply(r)) out.add("needs a container on this route");
        return out;
    }

    /**
     * A dependency cycle reachable from {@code start}, as the path {@code a, b, ..., a}, or empty.
     * {@code deps} gives a route's dependencies (none for a route that is not there).
     */
    static Optional<List<String>> findCycle(String start, Function<String, List<String>> deps) {
        return Optional.ofNullable(findCycle(start, deps, new ArrayList<>(), new HashSet<>()));
    }

    private static List<String> findCycle(String at, Function<String, List<String>> deps, List<String> stack, Set<String> done) {
        int pos = stack.indexOf(at);
        if (pos >= 0) {
            List<String> c = new ArrayList<>(stack.subList(pos, stack.size()));
            c.add(at);
            return c;
        }
        if (done.contains(at)) return null;
        stack.add(at);
        for (String dep : deps.apply(at)) {
            List<String> c = findCycle(dep, deps, stack, done);
            if (c != null) return c;
        }
        stack.remove(stack.size() - 1);
        done.add(at);
        return null;
    }
}
