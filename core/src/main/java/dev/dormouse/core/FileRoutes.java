package dev.dormouse.core;

import dev.dormouse.core.YamlTree.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code routes:} list of the config file: each entry read by {@link RouteReader}, then the
 * cross-route rules of {@link RouteRules} (the ones label routes are merged by) run on them and are
 * reported at the routes that break them: unique names, hosts and listeners (by protocol and port), known
 * dependencies with containers, no cycles. Unlike a label route, a file route may have an exact host inside
 * another file route's wildcard: a deliberate override.
 */
final class FileRoutes {
    private final Reading reading;
    private final List<Node> nodes;
    private final List<RouteConfig> routes = new ArrayList<>();
    /** Index under {@code routes:} of each route read, in order. */
    private final List<Integer> indexOfRoute = new ArrayList<>();
    /** Routes whose container reference was already reported as bad; not reported again as missing. */
    private final Set<String> brokenContainers = new HashSet<>();

    private FileRoutes(Reading reading, List<Node> nodes) {
        this.reading = reading;
        this.nodes = nodes;
    }

    /** Reads every entry of {@code routes:} of {@code top}; the cross-route rules wait for {@link #check()}. */
    static FileRoutes read(ConfigSection top, RouteReader reader, Reading reading) {
        FileRoutes f = new FileRoutes(reading, top.nodes("routes"));
        for (int i = 0; i < f.nodes.size(); i++) {
            int index = i;
            ConfigSection.of(f.nodes.get(i), "routes[" + i + "]", reading).ifPresent(s -> {
                RouteReader.Read r = reader.read(s);
                r.route().ifPresent(route -> {
                    f.routes.add(route);
                    f.indexOfRoute.add(index);
                    if (r.brokenContainer()) f.brokenContainers.add(route.name());
                });
            });
        }
        return f;
    }

    List<RouteConfig> routes() {
        return List.copyOf(routes);
    }

    private void problem(int k, String key, String message) {
        int i = indexOfRoute.get(k);
        reading.add(nodes.get(i), "routes[" + i + "]" + key, message);
    }

    /** Reports the routes that break a cross-route rule, each at its entry. */
    void check() {
        Map<String, Integer> nameIndex = new HashMap<>();
        RouteRules.Claims claims = new RouteRules.Claims();
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            nameIndex.putIfAbsent(r.name(), indexOfRoute.get(k));
            for (RouteRules.Clash c : claims.clashes(r, false)) {
                switch (c) {
                    case RouteRules.Clash.Name n -> problem(k, ".name", "duplicate route name '" + n.name() + "' (also routes[" + nameIndex.get(n.name()) + "])");
                    case RouteRules.Clash.Host h -> problem(k, ".hosts", "host '" + h.host() + "' is already used by route '" + h.owner() + "'");
                    case RouteRules.Clash.Listener l -> problem(k, ".listen", "'" + l.listen() + "' is already used by route '" + l.owner() + "'");
                }
            }
            claims.add(r);
        }
        Map<String, RouteConfig> byName = new LinkedHashMap<>();
        routes.forEach(r -> byName.putIfAbsent(r.name(), r));
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            for (String problem : RouteRules.dependencyProblems(r, n -> Optional.ofNullable(byName.get(n)),
                    d -> d.container().isPresent() || brokenContainers.contains(d.name()))) {
                problem(k, ".idlewatcher.depends_on", problem);
            }
        }
        Set<String> reported = new HashSet<>();
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            Optional<List<String>> cycle = RouteRules.findCycle(r.name(),
                    n -> byName.containsKey(n) ? byName.get(n).idle().dependsOn() : List.of());
            if (cycle.isPresent() && reported.add(String.join(",", cycle.get().subList(1, cycle.get().size()).stream().sorted().toList()))) {
                problem(k, ".idlewatcher.depends_on", "dependency cycle: " + String.join(" -> ", cycle.get()));
            }
        }
    }
}
