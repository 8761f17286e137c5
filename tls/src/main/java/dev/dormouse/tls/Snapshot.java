package dev.dormouse.tls;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One immutable state of the store with the indexes a handshake reads: exact names, wildcard parents, the
 * fallback for names nothing covers. File certificates come first (in config order, first one wins a
 * name); ACME certificates fill only names no file covers.
 */
final class Snapshot {
    static final Snapshot EMPTY = new Snapshot(List.of(), new TreeMap<>(), Map.of());

    final List<FileSlot> files;
    final SortedMap<String, AcmeHost> acme;
    private final Map<String, CertificateEntry> exact = new HashMap<>();
    private final Map<String, CertificateEntry> wildcard = new HashMap<>();
    private final Map<String, CertificateEntry> byAlias = new HashMap<>();
    /** The aliases of the snapshot before, so a handshake that chose just before a swap finds its key. */
    private final Map<String, CertificateEntry> previousByAlias;
    private final CertificateEntry fallback;

    Snapshot(List<FileSlot> files, SortedMap<String, AcmeHost> acme, Map<String, CertificateEntry> previousByAlias) {
        this.files = List.copyOf(files);
        this.acme = Collections.unmodifiableSortedMap(new TreeMap<>(acme));
        this.previousByAlias = previousByAlias;
        for (FileSlot s : files) {
            CertificateEntry e = s.entry();
            byAlias.put(e.alias(), e);
            for (String n : e.names()) {
                if (HostNames.isWildcard(n)) wildcard.putIfAbsent(n.substring(2), e);
                else exact.putIfAbsent(n, e);
            }
        }
        CertificateEntry firstAcme = null;
        for (Map.Entry<String, AcmeHost> a : this.acme.entrySet()) {
            if (a.getValue().entry().isEmpty() || coveredByFile(a.getKey())) continue;
            CertificateEntry e = a.getValue().entry().get();
            byAlias.put(e.alias(), e);
            exact.putIfAbsent(a.getKey(), e);
            if (firstAcme == null) firstAcme = e;
        }
        this.fallback = files.isEmpty() ? firstAcme : files.get(0).entry();
    }

    /** The next state: same indexes rebuilt, this one's aliases kept one step. */
    Snapshot with(List<FileSlot> newFiles, SortedMap<String, AcmeHost> newAcme) {
        return new Snapshot(newFiles, newAcme, byAlias);
    }

    /** The hot path: a lower-case SNI name (or {@code null}) to the certificate to serve, {@code null} when there is none at all. */
    CertificateEntry select(String name) {
        if (name == null) return fallback;
        CertificateEntry e = exact.get(name);
        if (e != null) return e;
        int dot = name.indexOf('.');
        if (dot > 0) {
            e = wildcard.get(name.substring(dot + 1));
            if (e != null) return e;
        }
        return fallback;
    }

    /** The certificate covering the name exactly or by wildcard; no fallback. */
    CertificateEntry covering(String name) {
        CertificateEntry e = exact.get(name);
        if (e != null) return e;
        if (HostNames.isWildcard(name)) return wildcard.get(name.substring(2));
        int dot = name.indexOf('.');
        return dot > 0 ? wildcard.get(name.substring(dot + 1)) : null;
    }

    boolean coveredByFile(String host) {
        for (FileSlot s : files) {
            for (String n : s.entry().names()) {
                if (HostNames.covers(n, host)) return true;
            }
        }
        return false;
    }

    CertificateEntry byAlias(String alias) {
        CertificateEntry e = byAlias.get(alias);
        return e != null ? e : previousByAlias.get(alias);
    }

    CertificateEntry fallback() {
        return fallback;
    }

    /** Every certificate served, files first. */
    List<CertificateEntry> entries() {
        List<CertificateEntry> out = new ArrayList<>();
        for (FileSlot s : files) out.add(s.entry());
        for (Map.Entry<String, AcmeHost> a : acme.entrySet()) {
            if (a.getValue().entry().isPresent() && !coveredByFile(a.getKey())) out.add(a.getValue().entry().get());
        }
        return out;
    }
}
