package io.totesys.pipeline.iceberg;

import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeLayout;

/**
 * The data files one run wrote for a batch, as a table's commit needs them: the batch, the
 * run's mark in the files' names, and each file's footer, whose statistics the table keeps.
 *
 * @param attempt six hex digits, in the names of the files the run writes
 * @param footers the footer of each file the run wrote, by key
 * @param keys the keys of the members a dimension's data file or deletions object holds, by
 *        its key in the processed bucket
 * @param deletionsArea where a batch an earlier release wrote has its deletions objects:
 *        {@code input/}, or {@code processed/} for a batch the load consumed (this release's
 *        are data files of the tables of deletions, where they stay)
 * @param replay the replay request the batch is transformed again under, if any
 * @param highWater the source time of the batch's snapshot of ToteSys, as its manifest says it
 *        ({@code yyyy-MM-dd HH:mm:ss.SSS}); {@code null} when the manifest has none
 */
record BatchFiles(BatchId id, String attempt, Function<String, ParquetMetadata> footers,
        Function<String, Set<Object>> keys, String deletionsArea,
        OptionalLong replay, String highWater) {

    /**
     * What makes the batch's commit of a table happen once: the batch id, and for a replay the
     * request's id ({@code <batch id>/replay-<request>}), so that a replay commits anew and a
     * replay's run after a crash does not.
     */
    String commitKey() {
        return replay.isPresent() ? id.value() + "/replay-" + replay.getAsLong() : id.value();
    }

    /** The key in the processed bucket of a deletions object the batch's manifest names. */
    String deletionsKey(String manifestKey) {
        return LakeLayout.isTableFile(manifestKey) ? manifestKey : deletionsArea + manifestKey;
    }
}
