package dev.dormouse.tls.spi;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeWorker;
import java.security.KeyPair;

/**
 * Makes the ACME client. Provided by the module {@code dev.dormouse.tls.acme} (acme4j), which is kept out of
 * the boot layer and loaded by {@link dev.dormouse.tls.AcmeModules} at the first order: Bouncy Castle, which
 * acme4j needs, declares a JCA {@code Provider} service, and on the boot module path the JDK binds and
 * instantiates it at the first TLS use (measured: +0.4 to 1.4 s for every TLS start-up).
 */
public interface AcmeIssuerFactory {
    /**
     * @param config the {@code tls.acme} block
     * @param accountKey the account's key pair (EC P-256), stored by the worker
     * @param challenges where the issuer puts the challenges it must answer while an authorization is pending
     * @param limits the order timeout and poll interval apply to the issuer
     */
    CertificateIssuer create(AcmeConfig config, KeyPair accountKey, AcmeChallenges challenges, AcmeWorker.Limits limits);
}
