/**
 * The admin API and {@code /metrics} on their own listener ({@code server.admin}): the server, its JSON
 * shapes, the event hub and the bearer token. Off the request path: the proxy does not depend on it.
 */
module dev.dormouse.admin {
    // The backend speaks in idle watchers, health snapshots and runtime-manager records.
    requires transitive dev.dormouse.idlewatcher;
    requires transitive dev.dormouse.health;
    requires transitive dev.dormouse.rtmanager;
    // ... and in each route host's certificate record.
    requires transitive dev.dormouse.tls;
    // The event stream (SseStream) is the one the loading page uses too.
    requires dev.dormouse.proxy;
    requires com.fasterxml.jackson.databind;
    requires undertow.core;
    requires xnio.api;

    exports dev.dormouse.admin;
}
