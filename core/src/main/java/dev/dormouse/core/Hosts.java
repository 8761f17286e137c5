package dev.dormouse.core;

/**
 * Host patterns as the router matches them: an exact name, or a wildcard {@code *.example.com}. The one
 * definition of "a wildcard covers a host", used by the router and by the rules that keep a route from
 * taking another's hosts.
 */
public final class Hosts {
    private Hosts() {}

    /** True for a pattern of the form {@code *.suffix}. */
    public static boolean isWildcard(String pattern) {
        return pattern.startsWith("*.");
    }

    /**
     * True when {@code wildcard} ({@code *.example.com}) matches {@code host}: the host ends with
     * {@code .example.com} and has at least one character before that, so {@code a.example.com} and
     * {@code a.b.example.com} are covered and {@code example.com} is not. A narrower wildcard
     * ({@code *.a.example.com}) is covered the same way, since every name it matches is. Both are lower
     * case, without port or trailing dot. Allocates nothing: the router calls it per request.
     */
    public static boolean covers(String wildcard, String host) {
        if (!isWildcard(wildcard)) return false;
        int suffix = wildcard.length() - 1;
        return host.length() > suffix && host.regionMatches(host.length() - suffix, wildcard, 1, suffix);
    }
}
