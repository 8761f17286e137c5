package dev.dormouse.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The routes in use, merged from the config file's routes and those that containers declare with labels:
 * a pure function, so every cross-route rule ({@link RouteRules}) runs once on the merged set.
 *
 * <p>File routes are taken as they are (the config loader has checked them). Label routes are taken one by
 * one, oldest container first (creation time, then container name, then provider); a label route is
 * rejected when
 * <ul>
 *   <li>its name is taken, or one of its hosts is another route's host or lies inside another route's
 *       wildcard ({@link Hosts#covers}), or its listener has another route's protocol and port;</li>
 *   <li>it depends on a route that does not exist, has no container, or was rejected;</li>
 *   <li>it closes a dependency cycle (the newest route of the cycle is the one rejected).</li>
 * </ul>
 * A rejected route holds nothing: its name, hosts and listener go to the next claimant. So file beats
 * label, and the older container beats the newer.
 */
public final class RouteSet {
    private RouteSet() {}

    /**
     * A route declared by a container's labels.
     *
     * @param route the route built from the labels
     * @param provider the provider that listed the container, {@code kind:name} ({@code docker:local})
     * @param container the container's name
     * @param createdAt when the container was created; a container without one counts as the newest
     */
    public record Label(RouteConfig route, String provider, String container, Optional<Instant> createdAt) {
        public Label {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(createdAt, "createdAt");
            if (provider == null || provider.isBlank()) throw new IllegalArgumentException("provider must not be empty, got '" + provider + "'");
            if (container == null || container.isBlank()) throw new IllegalArgumentException("container must not be empty, got '" + container + "'");
        }
    }

    /** A label route that is not in use, and why (one line, outside text escaped). */
    public record Rejected(Label label, String reason) {
        public Rejected {
            Objects.requireNonNull(label, "label");
            if (reason == null || reason.isBlank()) throw new IllegalArgumentException("reason must not be empty");
        }

        public RouteConfig route() {
            return label.route();
        }
    }

    /**
     * The merge's outcome.
     *
     * @param accepted the routes in use: the file routes in config order, then the accepted label routes
     *        oldest container first
     * @param rejected the rejected label routes, oldest container first
     */
    public record Result(List<RouteConfig> accepted, List<Rejected> rejected) {
        public Result {
            accepted = List.copyOf(accepted);
            rejected = List.copyOf(rejected);
        }
    }

    /** The order label routes claim in: older container first, then container name, provider, route name. */
    static final Comparator<Label> AGE = Comparator
            .comparing((Label l) -> l.createdAt().orElse(Instant.MAX))
            .thenComparing(Label::container)
            .thenComparing(Label::provider)
            .thenComparing(l -> l.route().name());

    /** Merges {@code file} routes (already checked among themselves) with {@code labels}, in any order. */
    public static Result merge(List<RouteConfig> file, List<Label> labels) {
        List<Label> order = new ArrayList<>(labels);
        order.sort(AGE);
        // Routes rejected for their dependencies leave the set, which may let a newer claimant in, whose own
        // dependencies are then checked: repeat until a pass rejects nobody new. Each pass adds to `excluded`,
        // so there are at most labels.size() + 1 passes.
        Map<Integer, Reason> excluded = new HashMap<>();
        while (true) {
            Pass pass = new Pass(file, order, excluded);
            Map<Integer, Reason> found = pass.dependencies();
            if (found.isEmpty()) return pass.result();
            excluded.putAll(found);
        }
    }

    /** A rejection's text, and the first cause for routes rejected because a dependency was. */
    private record Reason(String text, String cause) {
        Reason(String text) {
            this(text, text);
        }
    }

    /** One claim pass over the label routes, with the {@code excluded} ones left out. */
    private static final class Pass {
        private final List<RouteConfig> file;
        private final List<Label> order;
        private final Map<Integer, Reason> excluded;
        private final RouteRules.Claims claims = new RouteRules.Claims();
        /** Who holds each name, in words. */
        private final Map<String, String> nameOwner = new HashMap<>();
        private final Map<String, RouteConfig> byName = new LinkedHashMap<>();
        /** Indexes into {@code order} of the label routes that won their claims, in order. */
        private final List<Integer> won = new ArrayList<>();
        private final Map<Integer, Reason> lost = new LinkedHashMap<>();
        /** The first rejection of each route name that holds no route. */
        private final Map<String, Reason> rejectedName = new HashMap<>();

        Pass(List<RouteConfig> file, List<Label> order, Map<Integer, Reason> excluded) {
            this.file = file;
            this.order = order;
            this.excluded = excluded;
            for (RouteConfig r : file) {
                claims.add(r);
                nameOwner.putIfAbsent(r.name(), "a route of the config file");
                byName.putIfAbsent(r.name(), r);
            }
            for (int i = 0; i < order.size(); i++) {
                Label l = order.get(i);
                Reason why = excluded.get(i);
                if (why == null) {
                    List<RouteRules.Clash> clashes = claims.clashes(l.route(), true);
                    if (clashes.isEmpty()) {
                        claims.add(l.route());
                        nameOwner.put(l.route().name(), "container '" + LogText.escape(l.container()) + "' (" + l.provider() + ")");
                        byName.put(l.route().name(), l.route());
                        won.add(i);
                        continue;
                    }
                    why = new Reason(describe(clashes.get(0)));
                }
                lost.put(i, why);
            }
            lost.forEach((i, why) -> {
                String name = order.get(i).route().name();
                if (!byName.containsKey(name)) rejectedName.putIfAbsent(name, why);
            });
        }

        private String describe(RouteRules.Clash c) {
            return switch (c) {
                case RouteRules.Clash.Name n -> "route name '" + n.name() + "' is taken by " + nameOwner.get(n.name());
                case RouteRules.Clash.Host h -> h.covered()
                        ? "host '" + h.host() + "' is covered by route '" + h.owner() + "' (" + h.pattern() + ")"
                        : "host '" + h.host() + "' is used by route '" + h.owner() + "'";
                case RouteRules.Clash.Listener l -> "listener " + l.listen().transport() + " port " + l.listen().port()
                        + " is used by route '" + l.owner() + "' (" + l.theirs() + ")";
            };
        }

        /** The label routes that won their claims but fail on their dependencies, with the reason. */
        Map<Integer, Reason> dependencies() {
            Map<Integer, Reason> out = new LinkedHashMap<>();
            Map<String, Integer> wonByName = new HashMap<>();
            for (int i : won) wonByName.put(order.get(i).route().name(), i);
            // Cycles: routes join the graph oldest first, so the one that closes a cycle is its newest.
            java.util.Set<String> joined = new java.util.HashSet<>();
            file.forEach(r -> joined.add(r.name()));
            for (int i : won) {
                String name = order.get(i).route().name();
                joined.add(name);
                Optional<List<String>> cycle = RouteRules.findCycle(name, n -> joined.contains(n) ? byName.get(n).idle().dependsOn() : List.of());
                if (cycle.isPresent()) {
                    out.put(i, new Reason("dependency cycle: " + String.join(" -> ", cycle.get())));
                    joined.remove(name);
                }
            }
            for (int i : won) {
                if (out.containsKey(i)) continue;
                RouteConfig r = order.get(i).route();
                for (String dep : r.idle().dependsOn()) {
                    Reason rejected = rejectedName.get(dep);
                    if (!byName.containsKey(dep) && rejected != null) {
                        out.put(i, new Reason("depends_on: route '" + dep + "' was rejected (" + rejected.cause() + ")", rejected.cause()));
                        break;
                    }
                }
                if (out.containsKey(i)) continue;
                List<String> problems = RouteRules.dependencyProblems(r, n -> Optional.ofNullable(byName.get(n)), x -> x.container().isPresent());
                if (!problems.isEmpty()) out.put(i, new Reason("depends_on: " + problems.get(0)));
            }
            // A route whose dependency is rejected now is rejected too, transitively.
            for (boolean more = true; more; ) {
                more = false;
                for (int i : won) {
                    if (out.containsKey(i)) continue;
                    for (String dep : order.get(i).route().idle().dependsOn()) {
                        Integer d = wonByName.get(dep);
                        if (d != null && out.containsKey(d)) {
                            String cause = out.get(d).cause();
                            out.put(i, new Reason("depends_on: route '" + dep + "' was rejected (" + cause + ")", cause));
                            more = true;
                            break;
                        }
                    }
                }
            }
            return out;
        }

        Result result() {
            List<RouteConfig> accepted = new ArrayList<>(file);
            for (int i : won) accepted.add(order.get(i).route());
            List<Rejected> rejected = new ArrayList<>();
            lost.forEach((i, why) -> rejected.add(new Rejected(order.get(i), why.text())));
            return new Result(accepted, rejected);
        }
    }
}
