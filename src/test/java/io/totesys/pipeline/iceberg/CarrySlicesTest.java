package io.totesys.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The rows a dimension's rewritten file keeps go into files of at most
 * {@value BatchTableCommits#ROWS_PER_CARRY_FILE} rows, in key order, so that each file's key
 * bounds are narrow and the next change of a member rewrites one of them only.
 */
class CarrySlicesTest {

    @Test
    void keptRowsAreSlicedInKeyOrder() {
        List<GenericRecord> rows = new ArrayList<>();
        for (int design = 1; design <= 25_001; design++) {
            GenericData.Record row = new GenericData.Record(WarehouseTable.DIM_DESIGN.avroSchema());
            row.put(0, design);
            rows.add(row);
        }
        Collections.shuffle(rows, new Random(27));

        List<List<GenericRecord>> slices = BatchTableCommits.inKeyOrderSlices(rows);

        assertThat(slices).extracting(List::size).containsExactly(10_000, 10_000, 5_001);
        assertThat(slices).allSatisfy(slice -> assertThat(slice).extracting(row -> (Integer) row.get(0))
                .isSorted());
        assertThat(slices).extracting(slice -> slice.get(0).get(0)).containsExactly(1, 10_001, 20_001);
    }
}
