/** Health checks (HTTP, TCP, UDP, container health), monitors on one scheduler, and notifications. */
module dev.dormouse.health {
    requires transitive dev.dormouse.core;
    requires java.net.http;

    exports dev.dormouse.health;
}
