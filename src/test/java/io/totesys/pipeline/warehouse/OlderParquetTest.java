package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.starschema.AddedColumns;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Parquet written before an operator added a column to its table loads, the column NULL;
 * Parquet whose columns are not the table's in its order still does not.
 */
class OlderParquetTest {

    @AfterEach
    void specStarSchema() {
        WarehouseTable.configure(AddedColumns.NONE);
    }

    @Test
    void rowsWrittenBeforeTheColumnWasAddedLoadWithNullInIt() throws IOException {
        Schema before = WarehouseTable.DIM_PAYMENT_TYPE.avroSchema();
        WarehouseTable.configure(AddedColumns.parse(Optional.of("payment_type.sort_order integer")));
        StagedTable table = StagedTable.rowsOf(WarehouseTable.DIM_PAYMENT_TYPE);

        table.checkFits("dim_payment_type/old.parquet", before);
        GenericData.Record old = new GenericData.Record(before);
        old.put(0, 3);
        old.put(1, "SALES_RECEIPT");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new BinaryCopyEncoder(table.columns()).write(old, new DataOutputStream(bytes));

        assertThat(bytes.toByteArray()).as("3 values: 3, 'SALES_RECEIPT' and NULL").containsExactly(0, 3, 0, 0, 0, 4,
                0, 0, 0, 3, 0, 0, 0, 13, 'S', 'A', 'L', 'E', 'S', '_', 'R', 'E', 'C', 'E', 'I', 'P', 'T', -1, -1, -1,
                -1);
        assertThat(MergeStatements.createStagingTable(table)).contains("SELECT \"payment_type_id\", "
                + "\"payment_type_name\", \"sort_order\" FROM public.dim_payment_type");
    }

    @Test
    void columnsInAnotherOrderDoNotFit() {
        WarehouseTable.configure(AddedColumns.parse(Optional.of("payment_type.sort_order integer; "
                + "payment_type.label text")));
        Schema twoAdded = WarehouseTable.DIM_PAYMENT_TYPE.avroSchema();
        WarehouseTable.configure(AddedColumns.parse(Optional.of("payment_type.label text; "
                + "payment_type.sort_order integer")));

        assertThatThrownBy(() -> StagedTable.rowsOf(WarehouseTable.DIM_PAYMENT_TYPE).checkFits(
                "dim_payment_type/other.parquet", twoAdded)).isInstanceOf(InvalidLakeObjectException.class)
                .hasMessageContaining("it has no column label at position 3");
    }
}
