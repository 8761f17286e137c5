package dev.dormouse.proxy;

import java.io.IOException;

/** The listener a hostile-traffic test speaks HTTP/1.1 to: the plain one, or the HTTPS one. */
enum Transport {
    PLAIN, TLS;

    /** A raw client to this transport's listener of the proxy; over TLS with SNI {@code f.test}. */
    RawHttp connect(HttpProxy proxy, TestTls tls, int timeoutMillis) throws IOException {
        return this == PLAIN ? new RawHttp(proxy.httpPort(), timeoutMillis) : new RawHttp(proxy.httpsPort(), timeoutMillis, tls.client, "f.test");
    }

    int port(HttpProxy proxy) {
        return this == PLAIN ? proxy.httpPort() : proxy.httpsPort();
    }

    String scheme() {
        return this == PLAIN ? "http" : "https";
    }
}
