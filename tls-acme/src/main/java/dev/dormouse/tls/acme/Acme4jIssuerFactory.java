package dev.dormouse.tls.acme;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeWorker;
import dev.dormouse.tls.spi.AcmeIssuerFactory;
import dev.dormouse.tls.spi.CertificateIssuer;
import java.security.KeyPair;

/** The acme4j issuer, as a service for {@code dev.dormouse.tls.AcmeModules}. */
public final class Acme4jIssuerFactory implements AcmeIssuerFactory {
    @Override
    public CertificateIssuer create(AcmeConfig config, KeyPair accountKey, AcmeChallenges challenges, AcmeWorker.Limits limits) {
        return new AcmeIssuer(config, accountKey, challenges, limits);
    }
}
