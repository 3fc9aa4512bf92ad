package io.totesys.pipeline.schemadrift;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.source.SourceSchema;

/**
 * How a table's columns now compare with those recorded: a rename is told from a drop and
 * an add by the column's position, which a rename keeps; widenings of a column the star
 * schema needs pass, other retypes hold the table.
 */
class SchemaChangesTest {

    private static final BatchId BATCH = new BatchId("20261201T120000000Z-5c4e3a");

    @Test
    void aRenameKeepsItsPositionAndIsNotADropAndAnAdd() {
        SourceSchema before = salesOrder();
        SourceSchema now = replace(before, "units_sold", column("units_count", "integer", "int4", 7));

        List<ColumnChanges.Change> changes = ColumnChanges.changes(now, recorded(before));

        assertThat(changes).containsExactly(new ColumnChanges.Change(SourceTable.SALES_ORDER,
                ColumnChanges.Kind.RENAMED, "units_sold", "units_count", "integer", "integer"));
        assertThat(now.conflicts()).containsExactly(new SourceSchema.Conflict("units_sold", "is missing"));
        assertThat(ColumnChanges.describe(changes.get(0), now, BATCH)).isEqualTo("ToteSys renamed the column "
                + "sales_order.units_sold to units_count (integer): the lake carries it under its new name from batch "
                + BATCH + " on; the star schema needs units_sold, so sales_order is held");
    }

    @Test
    void anAddedColumnComesLastInTheLakeAndHoldsNothing() {
        SourceSchema before = salesOrder();
        List<SourceSchema.Column> columns = new ArrayList<>(before.columns());
        columns.add(1, column("discount_percent", "numeric(5,2)", "numeric", 13));
        SourceSchema now = new SourceSchema(SourceTable.SALES_ORDER, columns);

        assertThat(ColumnChanges.changes(now, recorded(before))).containsExactly(new ColumnChanges.Change(
                SourceTable.SALES_ORDER, ColumnChanges.Kind.ADDED, "discount_percent", null, null, "numeric(5,2)"));
        assertThat(now.lakeColumnNames()).endsWith("agreed_delivery_location_id", "discount_percent");
        assertThat(now.conflicts()).isEmpty();
        assertThat(now.manifestSchema().fingerprint()).isNotEqualTo(before.manifestSchema().fingerprint());
    }

    @Test
    void aWideningPassesAndAnIncompatibleRetypeHolds() {
        SourceSchema before = salesOrder();
        SourceSchema widened = replace(before, "units_sold", column("units_sold", "bigint", "int8", 7));
        SourceSchema retyped = replace(before, "units_sold", column("units_sold", "text", "text", 7));

        ColumnChanges.Change widening = ColumnChanges.changes(widened, recorded(before)).get(0);
        assertThat(widening.kind()).isEqualTo(ColumnChanges.Kind.RETYPED);
        assertThat(widened.conflicts()).isEmpty();
        assertThat(ColumnChanges.describe(widening, widened, BATCH)).contains("from integer to bigint",
                "the star schema takes it", "quarantined by the transform, never truncated");
        assertThat(retyped.conflicts()).containsExactly(new SourceSchema.Conflict("units_sold",
                "is now text, which the star schema cannot take as integer"));
    }

    @Test
    void theFirstLookComparesWithTheCatalogueNames() {
        SourceSchema now = salesOrder();
        List<ColumnChanges.RecordedColumn> catalogue = SourceTable.SALES_ORDER.columnNames().stream()
                .map(name -> new ColumnChanges.RecordedColumn(name, null, null)).toList();
        assertThat(ColumnChanges.changes(now, catalogue)).isEmpty();
    }

    /** sales_order as docs/architecture.md#source-schema has it, in ToteSys's column order. */
    private static SourceSchema salesOrder() {
        List<SourceSchema.Column> columns = new ArrayList<>();
        int position = 1;
        for (SourceColumn catalogued : SourceTable.SALES_ORDER.columns()) {
            columns.add(switch (catalogued.type()) {
                case INTEGER -> column(catalogued.name(), "integer", "int4", position++);
                case DECIMAL -> column(catalogued.name(), "numeric(10,2)", "numeric", position++);
                case TIMESTAMP -> column(catalogued.name(), "timestamp(3) without time zone", "timestamp", position++);
                default -> column(catalogued.name(), "text", "text", position++);
            });
        }
        return new SourceSchema(SourceTable.SALES_ORDER, List.copyOf(columns));
    }

    private static SourceSchema replace(SourceSchema schema, String name, SourceSchema.Column replacement) {
        return new SourceSchema(schema.table(), schema.columns().stream()
                .map(column -> column.name().equals(name) ? replacement : column).toList());
    }

    private static SourceSchema.Column column(String name, String type, String typeName, int position) {
        return new SourceSchema.Column(name, type, typeName, false, typeName.equals("timestamp") ? 3 : -1, position);
    }

    private static List<ColumnChanges.RecordedColumn> recorded(SourceSchema schema) {
        return schema.columns().stream()
                .map(column -> new ColumnChanges.RecordedColumn(column.name(), column.type(), column.position()))
                .toList();
    }
}
