package io.totesys.pipeline.iceberg;

import java.util.stream.Stream;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A Parquet file the service wrote, as its Iceberg table lists it: where it is, its size, its
 * partition, and the counts and bounds of its columns taken from the footer the writer
 * returned, so that no file is read again to commit it.
 */
final class DataFileParts {

    private DataFileParts() {
    }

    /** A data file in the partition of its batch's day ({@code batch_date=<day>}). */
    static DataFile dataFile(Table table, String location, long bytes, ParquetMetadata footer, String partitionPath) {
        return builder(table, location, bytes, footer).withPartitionPath(partitionPath).build();
    }

    /** A data file in a partition taken from another file, whose rows it carries over. */
    static DataFile dataFile(Table table, String location, long bytes, ParquetMetadata footer, StructLike partition) {
        return builder(table, location, bytes, footer).withPartition(partition).build();
    }

    private static DataFiles.Builder builder(Table table, String location, long bytes, ParquetMetadata footer) {
        return DataFiles.builder(table.spec())
                .withPath(location)
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(bytes)
                .withMetrics(ParquetUtil.footerMetrics(footer, Stream.empty(), MetricsConfig.forTable(table)))
                .withSplitOffsets(ParquetUtil.getSplitOffsets(footer));
    }
}
