package dev.dormouse.core;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.List;

/**
 * The {@code ignore_user_agents} regexes of a route, run by a linear-time engine (RE2/J): matching takes time
 * proportional to the header's length whatever the pattern, so a hostile User-Agent cannot stall the proxy.
 * RE2 syntax: no backreferences or lookaround. Compared by the patterns' source text.
 */
public final class UserAgentFilter {
    public static final UserAgentFilter NONE = new UserAgentFilter(List.of(), null);

    private final List<String> sources;
    /** All patterns as one alternation, so a header is scanned once. */
    private final Pattern any;

    private UserAgentFilter(List<String> sources, Pattern any) {
        this.sources = sources;
        this.any = any;
    }

    /**
     * Compiles the regexes.
     *
     * @throws IllegalArgumentException for the first invalid one, naming it and why
     */
    public static UserAgentFilter of(List<String> regexes) {
        if (regexes.isEmpty()) return NONE;
        StringBuilder all = new StringBuilder();
        for (String r : regexes) {
            check(r);
            if (!all.isEmpty()) all.append('|');
            all.append("(?:").append(r).append(')');
        }
        return new UserAgentFilter(List.copyOf(regexes), Pattern.compile(all.toString()));
    }

    /**
     * Checks one regex.
     *
     * @throws IllegalArgumentException saying why it is not a valid RE2 regex
     */
    public static void check(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a valid regex (RE2 syntax: no backreferences or lookaround): "
                    + e.getDescription() + ", got '" + regex + "'");
        }
    }

    /** Whether {@code userAgent} (absent: never) matches one of the regexes anywhere. */
    public boolean matches(String userAgent) {
        return any != null && userAgent != null && any.matcher(userAgent).find();
    }

    public boolean isEmpty() {
        return any == null;
    }

    public List<String> sources() {
        return sources;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserAgentFilter f && f.sources.equals(sources);
    }

    @Override
    public int hashCode() {
        return sources.hashCode();
    }

    @Override
    public String toString() {
        return sources.toString();
    }
}
