/** Per-route idle timers, singleflight wake with dependencies, readiness probing and wake events. */
module dev.dormouse.idlewatcher {
    requires transitive dev.dormouse.core;
    requires dev.dormouse.health;

    exports dev.dormouse.idlewatcher;
}
