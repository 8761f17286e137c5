/** Per-route idle timers, singleflight wake with dependencies, readiness probing and wake events. */
module dev.dormouse.idlewatcher {
    requires transitive dev.dormouse.core;

    exports dev.dormouse.idlewatcher;
}
