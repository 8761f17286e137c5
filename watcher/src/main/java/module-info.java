/** Route discovery from container labels, batching of container events, and config-file watching. */
module dev.dormouse.watcher {
    requires transitive dev.dormouse.core;

    exports dev.dormouse.watcher;
}
