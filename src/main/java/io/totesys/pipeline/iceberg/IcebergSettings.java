package io.totesys.pipeline.iceberg;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The lake's Iceberg tables (docs/configuration.md#the-lake). */
@ConfigMapping(prefix = "lake.iceberg")
public interface IcebergSettings {

    /**
     * {@code ICEBERG_CATALOG_NAME}: the JDBC catalog's name, which its rows in the warehouse
     * carry; Spark, Trino and Flink name the catalog the same to see the tables.
     */
    @WithDefault("totesys")
    String catalogName();

    /** {@code ICEBERG_UPKEEP_INTERVAL}: how often the leader expires old snapshots and removes orphan files, a Camel duration. */
    @WithDefault("1h")
    String upkeepInterval();

    /**
     * {@code ICEBERG_SNAPSHOT_RETENTION}: how long a table keeps a batch's snapshot, the time
     * travel readers have; a snapshot the load has not read yet is kept whatever its age. Every
     * commit rewrites the table's {@code metadata.json}, which lists the snapshots kept (about a
     * kilobyte each): a day of 30 s polls is 2,880 snapshots of a table every batch changes.
     */
    @WithDefault("1d")
    Duration snapshotRetention();

    /**
     * {@code ICEBERG_ORPHAN_FILE_AGE}: how old a file under a table's location that no
     * snapshot lists must be before it is removed: longer than any batch's transform, whose
     * files are listed only once it commits.
     */
    @WithDefault("1d")
    Duration orphanFileAge();
}
