/** Route discovery from container labels (and, to come, the event queue and config-file watching). */
module dev.dormouse.watcher {
    requires transitive dev.dormouse.core;

    exports dev.dormouse.watcher;
}
