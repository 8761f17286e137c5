package dev.dormouse.proxy;

import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.CertificateStore;
import dev.dormouse.tls.HostCertificate;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * What the proxy's listeners need of the {@code tls:} block.
 *
 * @param context the HTTPS listener's server context ({@code ServerTlsContext.create}); it picks certificates
 *     from {@code store} at each handshake
 * @param store the certificates served; asked, for {@code redirect_http}, whether a host has one
 * @param challenges present with {@code tls.acme}: the HTTP listener answers
 *     {@code /.well-known/acme-challenge/<token>} from it for any host, before routing; without ACME that path is
 *     routed as any other (an upstream may answer its own challenges), but never redirected
 * @param redirectHttp {@code tls.redirect_http}: a plain-HTTP request for a host with a certificate gets
 *     {@code 308} to the same path on the HTTPS listener
 */
public record TlsFrontDoor(SSLContext context, CertificateStore store, Optional<AcmeChallenges> challenges, boolean redirectHttp) {
    public TlsFrontDoor {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(challenges, "challenges");
    }

    /** Whether a host has a certificate of its own (a file covers it, or ACME issued one): never the fallback's. */
    boolean certifies(String host) {
        if (host.isEmpty()) return false;
        if (store.coveredByFile(host)) return true;
        return store.status(host).flatMap(HostCertificate::notAfter).isPresent();
    }
}
