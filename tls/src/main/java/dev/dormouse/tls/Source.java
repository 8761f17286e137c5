package dev.dormouse.tls;

/** Where a certificate came from. */
public enum Source {
    /** {@code tls.certificates}: a certificate and key file named in the config. */
    FILE("file"),
    /** Obtained from the ACME CA of {@code tls.acme} and stored under {@code <data_dir>/acme/}. */
    ACME("acme");

    private final String label;

    Source(String label) {
        this.label = label;
    }

    /** {@code file} or {@code acme}, as the admin API and {@code dormouse routes} show it. */
    public String label() {
        return label;
    }
}
