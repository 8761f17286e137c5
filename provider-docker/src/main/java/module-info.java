/** The Docker provider (also Podman through its Docker API) and the Swarm provider: actions, state and events through docker-java. */
module dev.dormouse.provider.docker {
    requires dev.dormouse.core;
    requires dev.dormouse.tls;
    requires com.github.dockerjava.api;
    requires com.github.dockerjava.core;
    requires com.github.dockerjava.transport;
    requires com.github.dockerjava.transport.zerodep;
    // docker-java's jars are automatic modules and declare nothing; these are what they load at run time.
    requires com.fasterxml.jackson.databind;
    requires com.google.common;
    requires org.apache.commons.lang3;
    requires org.apache.commons.io;
    requires org.apache.commons.compress;
    requires org.slf4j;

    provides dev.dormouse.core.spi.ProviderFactory with dev.dormouse.provider.docker.DockerProviderFactory,
        dev.dormouse.provider.docker.SwarmProviderFactory;
}
