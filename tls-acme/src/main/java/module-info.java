/**
 * The ACME (RFC 8555) client of {@code dev.dormouse.tls}, with acme4j. Exports nothing; provides the
 * {@link dev.dormouse.tls.spi.AcmeIssuerFactory} that {@code dev.dormouse.tls.AcmeModules} loads in a module
 * layer of its own, so that acme4j's Bouncy Castle never sits on the boot module path.
 */
module dev.dormouse.tls.acme {
    requires dev.dormouse.tls;
    requires java.net.http;
    requires org.shredzone.acme4j;

    provides dev.dormouse.tls.spi.AcmeIssuerFactory with dev.dormouse.tls.acme.Acme4jIssuerFactory;
}
