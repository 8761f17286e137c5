package dev.dormouse.rtmanager;

import java.time.Instant;

/**
 * What {@link LifecycleService#subscribe} delivers: every operation-log row and every health event, after
 * it is committed. Ids increase per kind (each is the row's id in its own table).
 */
public sealed interface RuntimeEvent permits Operation, HealthEvent {
    long id();

    String runtimeId();

    /** When it finished (operations) or happened (health events). */
    Instant at();
}
