package io.totesys.pipeline.stage;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The clock the stages read, for the extract's batch ids and every batch's timings: the
 * system's, in UTC.
 * A bean of its own, so that a test can set it behind (a failover to a replica whose clock is
 * behind, an NTP step back) as the service runs.
 */
@Singleton
class WallClock {

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
