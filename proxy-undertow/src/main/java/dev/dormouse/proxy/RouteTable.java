package dev.dormouse.proxy;

import dev.dormouse.core.Hosts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An immutable Host → route snapshot: exact names first, then the longest matching {@code *.suffix}. */
final class RouteTable {
    static final RouteTable EMPTY = new RouteTable(Map.of(), List.of());

    private final Map<String, Upstream> exact;
    /** Wildcard patterns {@code *.suffix}, longest first. */
    private final List<Map.Entry<String, Upstream>> wildcards;

    private RouteTable(Map<String, Upstream> exact, List<Map.Entry<String, Upstream>> wildcards) {
        this.exact = exact;
        this.wildcards = wildcards;
    }

    static RouteTable of(List<Upstream> upstreams) {
        Map<String, Upstream> exact = new HashMap<>();
        List<Map.Entry<String, Upstream>> wild = new ArrayList<>();
        for (Upstream u : upstreams) {
            for (String h : u.route().config().hosts()) {
                if (Hosts.isWildcard(h)) wild.add(Map.entry(h, u));
                else exact.putIfAbsent(h, u);
            }
        }
        wild.sort(Comparator.comparingInt((Map.Entry<String, Upstream> e) -> e.getKey().length()).reversed());
        return new RouteTable(Map.copyOf(exact), List.copyOf(wild));
    }

    /** The route for a Host header value (port and trailing dot ignored, case-insensitive), or null. */
    Upstream find(String host) {
        if (host == null || host.isEmpty()) return null;
        String h = normalise(host);
        Upstream u = exact.get(h);
        if (u != null) return u;
        for (Map.Entry<String, Upstream> w : wildcards) {
            if (Hosts.covers(w.getKey(), h)) return w.getValue();
        }
        return null;
    }

    static String normalise(String host) {
        int end = host.length();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) end = colon;
        }
        if (end > 0 && host.charAt(end - 1) == '.') end--;
        String h = host.substring(0, end);
        for (int i = 0; i < h.length(); i++) {
            if (Character.isUpperCase(h.charAt(i))) return h.toLowerCase(java.util.Locale.ROOT);
        }
        return h;
    }

    List<Upstream> all() {
        List<Upstream> all = new ArrayList<>(exact.values());
        wildcards.forEach(w -> all.add(w.getValue()));
        return all.stream().distinct().toList();
    }
}
