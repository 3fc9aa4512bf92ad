package io.totesys.pipeline.starschema;

import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The columns of a star schema table as this service writes and loads them, with the Avro
 * schema its Parquet objects are written with: the table's own columns, then any the operator
 * added ({@link AddedColumns}), which are nullable and default to NULL.
 */
record TableLayout(List<WarehouseColumn> columns, List<String> columnNames, Schema avroSchema) {

    static TableLayout of(String tableName, List<WarehouseColumn> specColumns, List<WarehouseColumn> added) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(tableName)
                .namespace("io.totesys.warehouse")
                .fields();
        for (WarehouseColumn column : specColumns) {
            Schema type = column.type().avroSchema();
            fields = fields.name(column.name())
                    .type(column.nullable() ? Schema.createUnion(Schema.create(Schema.Type.NULL), type) : type)
                    .noDefault();
        }
        for (WarehouseColumn column : added) {
            fields = fields.name(column.name())
                    .type(Schema.createUnion(Schema.create(Schema.Type.NULL), column.type().avroSchema()))
                    .withDefault(null);
        }
        List<WarehouseColumn> columns = new ArrayList<>(specColumns);
        columns.addAll(added);
        return new TableLayout(List.copyOf(columns), columns.stream().map(WarehouseColumn::name).toList(),
                fields.endRecord());
    }
}
