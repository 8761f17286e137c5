/**
 * The Undertow HTTP reverse proxy (host routing, upstream pools, loading page, held requests, wake events
 * over SSE) and the TCP/UDP stream proxy. {@link dev.dormouse.proxy.SseStream} also serves the admin API's event
 * stream (module dev.dormouse.admin).
 */
module dev.dormouse.proxy {
    requires transitive dev.dormouse.idlewatcher;
    // SseStream's API takes Undertow's exchange (the admin API's event stream uses it).
    requires transitive undertow.core;
    // The HTTPS listener takes the tls module's certificate store and challenge table.
    requires transitive dev.dormouse.tls;
    requires xnio.api;
    // Undertow and XNIO are automatic modules; these explicit modules are what they load at run time.
    requires org.jboss.threads;
    requires org.wildfly.common;
    requires org.jboss.logging;
    // Prometheus client_java (automatic modules): the registry is part of this module's API.
    requires transitive io.prometheus.metrics.model;
    requires io.prometheus.metrics.core;

    exports dev.dormouse.proxy;
}
