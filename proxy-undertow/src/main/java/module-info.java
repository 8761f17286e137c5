/**
 * The Undertow HTTP reverse proxy (host routing, upstream pools, loading page, held requests, wake events
 * over SSE), the TCP/UDP stream proxy, and the admin API server.
 */
module dev.dormouse.proxy {
    requires transitive dev.dormouse.idlewatcher;
    // The admin API's backend speaks in runtime-manager records and health snapshots.
    requires transitive dev.dormouse.health;
    requires transitive dev.dormouse.rtmanager;
    // The HTTPS listener takes the tls module's certificate store and challenge table.
    requires transitive dev.dormouse.tls;
    requires com.fasterxml.jackson.databind;
    requires undertow.core;
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
