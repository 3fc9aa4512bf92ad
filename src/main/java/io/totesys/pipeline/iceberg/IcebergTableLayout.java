package io.totesys.pipeline.iceberg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseColumnType;

/**
 * How a star schema table is an Iceberg table (docs/architecture.md#iceberg-tables): its
 * columns with their warehouse types, then {@code batch_date}, the day of the batch that wrote
 * each row, by which the table is partitioned, as the lake's folders always were. The data
 * files do not hold {@code batch_date}: readers take it from each file's partition.
 */
final class IcebergTableLayout {

    /**
     * Iceberg's metrics mode that keeps a column's counts but not its bounds: a time of day's
     * bounds are the service's own ({@link DataFileParts}).
     */
    private static final String COUNTS = "counts";

    private IcebergTableLayout() {
    }

    /** The table's Iceberg schema: its columns in order, each nullable as in the warehouse, then {@code batch_date}. */
    static Schema schema(LakeTable table) {
        List<Types.NestedField> fields = new ArrayList<>();
        int id = 0;
        for (WarehouseColumn column : table.columns()) {
            fields.add(Types.NestedField.of(++id, column.nullable(), column.name(), type(column)));
        }
        fields.add(Types.NestedField.optional(++id, LakeLayout.BATCH_DATE, Types.DateType.get()));
        return new Schema(fields);
    }

    /** An identity partition on {@code batch_date}: one partition per day of batches. */
    static PartitionSpec partitionSpec(Schema schema) {
        return PartitionSpec.builderFor(schema).identity(LakeLayout.BATCH_DATE).build();
    }

    /** The Iceberg type of a warehouse column. */
    static Type type(WarehouseColumn column) {
        WarehouseColumnType type = column.type();
        return switch (type.kind()) {
            case INTEGER -> Types.IntegerType.get();
            case DECIMAL -> Types.DecimalType.of(type.precision(), type.scale());
            case DATE -> Types.DateType.get();
            case TIME -> Types.TimeType.get();
            case BOOLEAN -> Types.BooleanType.get();
            case TEXT -> Types.StringType.get();
        };
    }

    /**
     * The table's properties: format version 2; at most twenty earlier metadata files kept
     * (every commit writes one); and Iceberg's own metrics of times of day limited to their
     * counts, as the files hold them as milliseconds in 32 bits, where Iceberg's bounds want
     * microseconds in 64 ({@link DataFileParts} adds the bounds).
     */
    static Map<String, String> properties(LakeTable table) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(TableProperties.FORMAT_VERSION, "2");
        properties.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
        properties.put(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "20");
        for (WarehouseColumn column : table.columns()) {
            properties.putAll(metricsProperties(column));
        }
        return properties;
    }

    /** The metrics mode a column needs, if not Iceberg's default. */
    static Map<String, String> metricsProperties(WarehouseColumn column) {
        return column.type().kind() == WarehouseColumnType.Kind.TIME
                ? Map.of(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX + column.name(), COUNTS)
                : Map.of();
    }
}
