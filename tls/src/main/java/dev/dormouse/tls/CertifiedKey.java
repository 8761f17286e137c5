package dev.dormouse.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/** A certificate chain (leaf first) and the leaf's private key, checked to belong together. */
record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
    CertifiedKey {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) throw new IllegalArgumentException("chain must not be empty");
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "CertifiedKey[" + leaf().getSubjectX500Principal() + ", " + key.getAlgorithm() + " key]";
    }
}
