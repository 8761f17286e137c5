/** The dormouse command line; {@code serve} is the composition root. */
module dev.dormouse.cli {
    requires dev.dormouse.admin;
    requires dev.dormouse.core;
    requires dev.dormouse.health;
    requires dev.dormouse.idlewatcher;
    requires dev.dormouse.proxy;
    requires dev.dormouse.rtmanager;
    requires dev.dormouse.tls;
    requires dev.dormouse.watcher;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires java.net.http;
    requires java.logging;
    requires jdk.unsupported;
    // Prometheus client_java (automatic modules): metric types, the text format, JVM collectors. The JVM
    // collectors read the platform MXBeans, so the management modules must be in the module graph.
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.instrumentation.jvm;
    requires java.management;
    requires jdk.management;

    opens dev.dormouse.cli to info.picocli;
}
