package io.totesys.pipeline.benchmark;

import java.net.URI;

import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * A measurement of the running service at the run's largest scale, taken after the
 * incremental latency while the service still runs on ({@link Benchmark}'s constructor takes
 * them), adding a section to the report.
 */
@FunctionalInterface
public interface ServiceMeasurement {

    /**
     * Measures the service, which listens for HTTP at the address, in the world it runs
     * against (its ToteSys still changing at the latency's rate is over by then).
     */
    ReportSection measure(EmbeddedWorld world, URI service) throws InterruptedException;
}
