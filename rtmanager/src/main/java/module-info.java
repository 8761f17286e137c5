/**
 * Durable runtime records, the operation log, health events and leases in SQLite; the lifecycle service
 * that performs every container action; the events listener, inspect, reconcile and TTL cleanup workers.
 */
module dev.dormouse.rtmanager {
    requires transitive dev.dormouse.core;
    // The health monitors' status changes become health events of the runtimes (ProbeEvents).
    requires transitive dev.dormouse.health;
    requires java.sql;
    requires org.jdbi.v3.core;
    // Jdbi is an automatic module and declares no dependencies; these are the ones it loads at run time.
    requires io.leangen.geantyref;
    requires org.slf4j;

    exports dev.dormouse.rtmanager;
}
