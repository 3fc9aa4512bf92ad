package io.totesys.pipeline.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;

/**
 * A full load: the packaged service, in a process of its own with a bounded heap, runs one
 * cycle ({@code ETL_RUN_ONCE=true}) on a freshly seeded ToteSys and an empty lake and
 * warehouse. It is timed end to end and per stage, its resident memory and the live set of its
 * heap are watched, and a Java Flight Recording says how full its heap got and where its time
 * went.
 *
 * @param wallTime from the start of the service's process to its exit
 * @param timeline when each stage ended, from the service's log
 * @param extracted the CSV objects the extract stage wrote
 * @param transformed the Parquet objects the transform stage wrote
 * @param peakResidentBytes the process's peak resident set size
 * @param peakLiveHeapBytes the largest live set of the service's heap, measured after a full
 *        collection every so often
 * @param recording the service's flight recording
 */
record FullLoad(Duration wallTime, ServiceTimeline timeline, List<LakeManifests.LakeObject> extracted,
        List<LakeManifests.LakeObject> transformed, long peakResidentBytes, long peakLiveHeapBytes,
        FlightRecording recording) {

    /** The heap the service runs with, as the target says. */
    static final String MAXIMUM_HEAP = "256m";

    static FullLoad run(EmbeddedWorld world, Path directory, Duration liveHeapPeriod, Duration timeout) {
        Path recordingFile = directory.resolve("full-load.jfr");
        Map<String, String> environment = world.runOnceEnvironment();
        // each step's time in full-load.log: a table's copy, the checksums' publishing, each merge
        environment.put("QUARKUS_LOG_CATEGORY__IO_TOTESYS_PIPELINE__LEVEL", "DEBUG");
        environment.put("ETL_CLUSTER_FILE_ROOT", directory.resolve("leader").toAbsolutePath().toString());
        Instant started = Instant.now();
        PipelineService service = PipelineService.start(environment, directory.resolve("full-load.log"),
                "-Xmx" + MAXIMUM_HEAP,
                "-XX:StartFlightRecording=filename=" + recordingFile.toAbsolutePath()
                        + ",settings=profile,dumponexit=true");
        int exitCode;
        long peakResident;
        long peakLiveHeap;
        try (ServiceMemoryWatch memory = new ServiceMemoryWatch(service.pid(), liveHeapPeriod,
                directory.resolve("peak-live-heap-histogram.txt"))) {
            exitCode = service.awaitExit(timeout);
            peakResident = memory.peakResidentBytes();
            peakLiveHeap = memory.peakLiveHeapBytes();
        }
        Duration wallTime = Duration.between(started, Instant.now());
        if (exitCode != 0) {
            throw new IllegalStateException("the full load failed with exit code " + exitCode + "; output:\n"
                    + service.output());
        }
        return new FullLoad(wallTime, ServiceTimeline.read(service.output()),
                LakeManifests.processedObjects(world.s3(), EmbeddedWorld.INGEST_BUCKET),
                LakeManifests.processedObjects(world.s3(), EmbeddedWorld.PROCESSED_BUCKET), peakResident,
                peakLiveHeap, FlightRecording.read(recordingFile, 15));
    }

    /** The extract stage: ToteSys rows to CSV objects, rows and bytes of CSV written. */
    Throughput extract() {
        return new Throughput(LakeManifests.rows(extracted), LakeManifests.bytes(extracted),
                Duration.between(timeline.extractStarted(), timeline.extractPublished()));
    }

    /** The transform stage: CSV objects to Parquet objects, rows and bytes of CSV read. */
    Throughput transform() {
        return new Throughput(LakeManifests.rows(extracted), LakeManifests.bytes(extracted),
                Duration.between(timeline.transformStarted(), timeline.transformPublished()));
    }

    /** The load stage: Parquet objects into the warehouse, rows and bytes of Parquet read. */
    Throughput load() {
        return new Throughput(LakeManifests.rows(transformed), LakeManifests.bytes(transformed),
                Duration.between(timeline.transformPublished(), timeline.loadCommitted()));
    }
}
