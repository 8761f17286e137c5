/**
 * The HTTPS front door's certificates: PEM files, a certificate store picked by SNI, the hardened server
 * {@code SSLContext}, the ACME (RFC 8555) worker, validation and status.
 *
 * <p>The ACME client itself (acme4j, Bouncy Castle, jose4j) is the module {@code dev.dormouse.tls.acme},
 * found through {@link dev.dormouse.tls.spi.AcmeIssuerFactory} and loaded by
 * {@link dev.dormouse.tls.AcmeModules} in a layer of its own at the first order.
 */
module dev.dormouse.tls {
    requires transitive dev.dormouse.core;

    exports dev.dormouse.tls;
    exports dev.dormouse.tls.spi;

    uses dev.dormouse.tls.spi.AcmeIssuerFactory;
}
