package io.totesys.pipeline.iceberg;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

/**
 * A Parquet file the service wrote, as its Iceberg table lists it: where it is, its size, its
 * partition, and the counts and bounds of its columns taken from the footer the writer
 * returned, so that no file is read again to commit it.
 * <p>
 * A time of day is held in the files as milliseconds in 32 bits, and Iceberg's bounds for it
 * are microseconds in 64; Iceberg's own reading of the footer keeps only its counts (the
 * tables' {@code counts} metrics mode), and the bounds are the footer's, in microseconds. A
 * scan by {@code last_updated_time} then reads only the files that may hold the time.
 */
final class DataFileParts {

    private static final long MICROS_PER_MILLI = 1_000;

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
                .withMetrics(metrics(table, footer))
                .withSplitOffsets(ParquetUtil.getSplitOffsets(footer));
    }

    /** The file's metrics as Iceberg reads them from the footer, with the bounds of its times of day added. */
    private static Metrics metrics(Table table, ParquetMetadata footer) {
        Metrics metrics = ParquetUtil.footerMetrics(footer, Stream.empty(), MetricsConfig.forTable(table));
        Map<Integer, ByteBuffer> lower = new HashMap<>(metrics.lowerBounds());
        Map<Integer, ByteBuffer> upper = new HashMap<>(metrics.upperBounds());
        for (Types.NestedField field : table.schema().columns()) {
            if (field.type().typeId() == Type.TypeID.TIME) {
                timeBounds(footer, field.fieldId()).ifPresent(bounds -> {
                    lower.put(field.fieldId(), Conversions.toByteBuffer(Types.TimeType.get(), bounds[0]));
                    upper.put(field.fieldId(), Conversions.toByteBuffer(Types.TimeType.get(), bounds[1]));
                });
            }
        }
        return new Metrics(metrics.recordCount(), metrics.columnSizes(), metrics.valueCounts(),
                metrics.nullValueCounts(), metrics.nanValueCounts(), lower, upper);
    }

    /**
     * The least and greatest time of day, in microseconds, of the column whose field id is
     * given, from the statistics of every row group that holds a value; none when a row group
     * holding values has no statistics, or the column is not a time of day.
     */
    private static Optional<long[]> timeBounds(ParquetMetadata footer, int fieldId) {
        Long least = null;
        Long greatest = null;
        for (BlockMetaData block : footer.getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
                PrimitiveType type = column.getPrimitiveType();
                if (type.getId() == null || type.getId().intValue() != fieldId) {
                    continue;
                }
                Optional<Long> unit = microsPerUnit(type);
                Statistics<?> statistics = column.getStatistics();
                if (unit.isEmpty() || statistics == null || statistics.isEmpty()) {
                    return Optional.empty();
                }
                if (!statistics.hasNonNullValue()) {
                    if (!statistics.isNumNullsSet() || column.getValueCount() > statistics.getNumNulls()) {
                        return Optional.empty(); // values, but no bounds for them
                    }
                    continue;
                }
                long min = ((Number) statistics.genericGetMin()).longValue() * unit.get();
                long max = ((Number) statistics.genericGetMax()).longValue() * unit.get();
                least = least == null ? min : Math.min(least, min);
                greatest = greatest == null ? max : Math.max(greatest, max);
            }
        }
        return least == null ? Optional.empty() : Optional.of(new long[] {least, greatest});
    }

    /** Microseconds per unit of a Parquet time of day: milliseconds in 32 bits, or microseconds in 64. */
    private static Optional<Long> microsPerUnit(PrimitiveType type) {
        if (!(type.getLogicalTypeAnnotation() instanceof TimeLogicalTypeAnnotation time)) {
            return Optional.empty();
        }
        if (time.getUnit() == LogicalTypeAnnotation.TimeUnit.MILLIS
                && type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32) {
            return Optional.of(MICROS_PER_MILLI);
        }
        if (time.getUnit() == LogicalTypeAnnotation.TimeUnit.MICROS
                && type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64) {
            return Optional.of(1L);
        }
        return Optional.empty();
    }
}
