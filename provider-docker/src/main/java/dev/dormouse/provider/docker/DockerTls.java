package dev.dormouse.provider.docker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code providers.docker[].tls} (and {@code providers.swarm[].tls}): Docker's own {@code --tlsverify}
 * setup for a {@code tcp://host:2376} engine. The engine is trusted through {@code ca_file} alone (never
 * the system's CAs) and its certificate must name the host of {@code host}; dormouse presents
 * {@code cert_file} with {@code key_file}. There is no switch to skip verification.
 *
 * @param caFile {@code ca_file}: the CA that signed the engine's certificate (Docker's {@code ca.pem}); required
 * @param certFile {@code cert_file}: dormouse's client certificate (Docker's {@code cert.pem}); required
 * @param keyFile {@code key_file}: its unencrypted private key (Docker's {@code key.pem}), PKCS#8, PKCS#1 or SEC1; required
 */
public record DockerTls(Path caFile, Path certFile, Path keyFile) {
    public DockerTls {
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
    }
}
