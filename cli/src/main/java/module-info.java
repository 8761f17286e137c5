/** The dormouse command line; {@code serve} is the composition root. */
module dev.dormouse.cli {
    requires dev.dormouse.core;
    requires dev.dormouse.health;
    requires dev.dormouse.idlewatcher;
    requires dev.dormouse.proxy;
    requires dev.dormouse.rtmanager;
    requires dev.dormouse.watcher;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires java.net.http;
    requires java.logging;
    requires jdk.unsupported;

    opens dev.dormouse.cli to info.picocli;

    uses dev.dormouse.core.spi.ProviderFactory;
}
