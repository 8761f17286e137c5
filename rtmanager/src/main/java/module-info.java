/** Durable runtime records, the operation log, leases, lifecycle services and workers, in SQLite. */
module dev.dormouse.rtmanager {
    requires transitive dev.dormouse.core;
    requires java.sql;
    requires org.jdbi.v3.core;

    exports dev.dormouse.rtmanager;
}
