package dev.dormouse.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/** Host names: the names a certificate is for, and which names a name pattern covers. */
final class HostNames {
    private static final int DNS_NAME = 2;

    private HostNames() {}

    /** The certificate's SAN dNSName entries, lower case, in order; its subject CN only when it has none. */
    static List<String> of(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(DNS_NAME).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(s.toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // an unreadable SAN extension counts as none; the CN is the fallback
        }
        if (names.isEmpty()) commonName(cert.getSubjectX500Principal()).ifPresent(cn -> names.add(cn.toLowerCase(Locale.ROOT)));
        return List.copyOf(names);
    }

    /** The first CN of an RFC 2253 name, unescaped. */
    static java.util.Optional<String> commonName(X500Principal principal) {
        String dn = principal.getName(X500Principal.RFC2253);
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < dn.length(); i++) {
            char c = dn.charAt(i);
            if (c == '\\' && i + 1 < dn.length()) {
                cur.append(dn.charAt(++i));
            } else if (c == ',' || c == '+') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        for (String p : parts) {
            if (p.regionMatches(true, 0, "CN=", 0, 3)) return java.util.Optional.of(p.substring(3).strip());
        }
        return java.util.Optional.empty();
    }

    /** Whether the name is a wildcard pattern {@code *.parent}. */
    static boolean isWildcard(String name) {
        return name.startsWith("*.");
    }

    /** Whether {@code pattern} (a name or {@code *.parent}, which covers exactly one label) covers {@code host}. */
    static boolean covers(String pattern, String host) {
        if (!isWildcard(pattern)) return pattern.equals(host);
        int dot = host.indexOf('.');
        return dot > 0 && host.regionMatches(dot + 1, pattern, 2, pattern.length() - 2) && host.length() - dot - 1 == pattern.length() - 2;
    }

    /**
     * Whether an ACME CA could issue for the name: a DNS name of letters, digits and hyphens, at least two
     * labels, no wildcard, no IP address.
     */
    static boolean isIssuable(String host) {
        if (host.length() > 253 || host.indexOf('.') < 0) return false;
        String[] labels = host.split("\\.", -1);
        boolean allDigits = true;
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63 || l.startsWith("-") || l.endsWith("-")) return false;
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
                if (c < '0' || c > '9') allDigits = false;
            }
        }
        return !allDigits;
    }
}
