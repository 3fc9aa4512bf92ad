package io.totesys.pipeline.starschema;

import java.util.Iterator;
import java.util.function.Supplier;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * One warehouse table a transform batch writes: its rows, produced lazily when the table's
 * turn comes, and the source table they stream from, whose object is quarantined if it
 * turns out unreadable midway ({@code null} for tables built from rows read up front); or
 * the table's deletions ({@link WarehouseDeletions}), read up front.
 */
public record TableOutput(WarehouseTable table, SourceTable streamedFrom, Supplier<Iterator<GenericRecord>> rows,
        boolean deletions) {

    public TableOutput(WarehouseTable table, SourceTable streamedFrom, Supplier<Iterator<GenericRecord>> rows) {
        this(table, streamedFrom, rows, false);
    }

    /** The lake's table the rows go to: the warehouse table's, or its deletions'. */
    public LakeTable lakeTable() {
        return new LakeTable(table, deletions);
    }

    /** The Avro schema the table's Parquet objects are written with. */
    public Schema avroSchema() {
        return lakeTable().avroSchema();
    }

    /** The table's name, for routes and logs. */
    public String getTableName() {
        return lakeTable().name();
    }
}
