/**
 * The HTTPS front door's certificates: PEM files, a certificate store picked by SNI, the hardened server
 * {@code SSLContext}, ACME (RFC 8555) issuance and renewal, validation and status.
 *
 * <p>acme4j (and with it Bouncy Castle and jose4j) is resolved with this module but none of its classes
 * load until the ACME worker first talks to a CA.
 */
module dev.dormouse.tls {
    requires transitive dev.dormouse.core;
    requires java.net.http;
    requires org.shredzone.acme4j;

    exports dev.dormouse.tls;
}
