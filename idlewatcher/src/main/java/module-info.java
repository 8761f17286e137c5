/** Per-route idle timers, singleflight wake with dependencies, readiness probing and wake events. */
module dev.dormouse.idlewatcher {
    requires transitive dev.dormouse.core;
    requires dev.dormouse.health;
    // Wake events are written with Jackson's streaming writer (jackson-core, which core already brings).
    requires com.fasterxml.jackson.core;

    exports dev.dormouse.idlewatcher;
}
