package dev.dormouse.core;

import java.nio.file.Path;

/** One entry under {@code tls.certificates:}: PEM certificate chain and PEM private key files. */
public record TlsCertificate(Path certFile, Path keyFile) {}
