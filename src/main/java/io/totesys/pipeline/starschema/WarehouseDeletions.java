package io.totesys.pipeline.starschema;

import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeLayout;

/**
 * Where a ToteSys delete goes in the star schema, the one place that says it. A deleted
 * source row becomes a deletion of the warehouse row it is the source of: a fact (a sales
 * order, a purchase order, a payment) or a dimension member (a design, a member of staff, an
 * address, a counterparty, a currency, a payment type, a transaction). A department has no
 * dimension row of its own (it is an attribute of {@code dim_staff}) and ToteSys only lets
 * one go once no staff is in it, so its deletion changes no warehouse row.
 * <p>
 * A table's deletions travel as Parquet, the data files of the lake's table
 * {@code <table>_deletion} ({@code LakeLayout}), with the table's key, {@code deleted_seen_date} and {@code deleted_seen_time} (the source
 * time of the extract snapshot that first missed the row, split as the facts split their
 * timestamps), and land in the warehouse table {@code <table>_deletion} with the batch that
 * brought them. The warehouse row itself stays: facts keep their history, and history facts
 * may refer to a deleted dimension member.
 */
public final class WarehouseDeletions {

    public static final String SEEN_DATE_COLUMN = "deleted_seen_date";
    public static final String SEEN_TIME_COLUMN = "deleted_seen_time";

    private static final Map<SourceTable, WarehouseTable> DELETED_FROM = Map.of(
            SourceTable.SALES_ORDER, WarehouseTable.FACT_SALES_ORDER,
            SourceTable.PURCHASE_ORDER, WarehouseTable.FACT_PURCHASE_ORDER,
            SourceTable.PAYMENT, WarehouseTable.FACT_PAYMENT,
            SourceTable.DESIGN, WarehouseTable.DIM_DESIGN,
            SourceTable.STAFF, WarehouseTable.DIM_STAFF,
            SourceTable.ADDRESS, WarehouseTable.DIM_LOCATION,
            SourceTable.COUNTERPARTY, WarehouseTable.DIM_COUNTERPARTY,
            SourceTable.CURRENCY, WarehouseTable.DIM_CURRENCY,
            SourceTable.PAYMENT_TYPE, WarehouseTable.DIM_PAYMENT_TYPE,
            SourceTable.TRANSACTION, WarehouseTable.DIM_TRANSACTION);

    private static final Map<WarehouseTable, Schema> SCHEMAS = new EnumMap<>(WarehouseTable.class);

    static {
        for (WarehouseTable table : tables()) {
            SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(tableName(table))
                    .namespace("io.totesys.warehouse")
                    .fields();
            for (WarehouseColumn column : columns(table)) {
                fields = fields.name(column.name()).type(column.type().avroSchema()).noDefault();
            }
            SCHEMAS.put(table, fields.endRecord());
        }
    }

    private WarehouseDeletions() {
    }

    /** The warehouse table whose rows a delete of the source table removes from ToteSys's state, if any. */
    public static Optional<WarehouseTable> of(SourceTable source) {
        return Optional.ofNullable(DELETED_FROM.get(source));
    }

    /** The warehouse tables that record deletions: every table but {@code dim_date}, in table order. */
    public static List<WarehouseTable> tables() {
        return Arrays.stream(WarehouseTable.values()).filter(DELETED_FROM::containsValue).toList();
    }

    /** Whether the warehouse records deletions of the table's rows. */
    public static boolean recorded(WarehouseTable table) {
        return SCHEMAS.containsKey(table);
    }

    /** The warehouse table that records the deletions of a table's rows: {@code <table>_deletion}. */
    public static String tableName(WarehouseTable table) {
        return LakeLayout.deletionsTable(table.tableName());
    }

    /** The columns of a table's deletions, in Parquet and in the warehouse (where the batch id follows). */
    public static List<WarehouseColumn> columns(WarehouseTable table) {
        return List.of(new WarehouseColumn(table.keyColumn(), WarehouseColumnType.INTEGER, false, null),
                new WarehouseColumn(SEEN_DATE_COLUMN, WarehouseColumnType.DATE, false, null),
                new WarehouseColumn(SEEN_TIME_COLUMN, WarehouseColumnType.TIME, false, null));
    }

    public static List<String> columnNames(WarehouseTable table) {
        return columns(table).stream().map(WarehouseColumn::name).toList();
    }

    /** The Avro schema a table's deletions are written to Parquet with. */
    public static Schema avroSchema(WarehouseTable table) {
        Schema schema = SCHEMAS.get(table);
        if (schema == null) {
            throw new IllegalArgumentException(table.tableName() + " records no deletions");
        }
        return schema;
    }

    /** The deletion of one row of a table, as an Avro record ready for Parquet. */
    public static GenericRecord record(WarehouseTable table, int key, LocalDateTime seenAt) {
        GenericData.Record record = new GenericData.Record(avroSchema(table));
        record.put(0, key);
        record.put(1, WarehouseColumnType.DATE.toAvro(seenAt.toLocalDate()));
        record.put(2, WarehouseColumnType.TIME.toAvro(seenAt.toLocalTime()));
        return record;
    }
}
