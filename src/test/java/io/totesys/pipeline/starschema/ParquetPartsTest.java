package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * A table's rows cut into Parquet parts as Camel's streaming split takes them: it asks whether
 * another part follows before it writes the one it holds, and releases what is left after a
 * failure without writing it.
 */
class ParquetPartsTest {

    private static final LocalDateTime SEEN_AT = LocalDateTime.of(2026, 12, 1, 15, 0);

    private final List<GenericRecord> rows = IntStream.range(0, 250)
            .mapToObj(id -> WarehouseDeletions.record(WarehouseTable.DIM_DESIGN, id, SEEN_AT))
            .toList();

    @Test
    void everyRowIsInOnePartWhenTheSplitLooksAhead() {
        ParquetParts parts = new ParquetParts(rows.iterator(), 100);
        List<Integer> sizes = new ArrayList<>();
        while (parts.hasNext()) {
            Iterator<GenericRecord> part = parts.next();
            parts.hasNext();
            int size = 0;
            for (; part.hasNext(); part.next()) {
                size++;
            }
            sizes.add(size);
        }
        assertThat(sizes).containsExactly(100, 100, 50);
    }

    @Test
    void partsLeftUnwrittenComeToAnEnd() {
        ParquetParts parts = new ParquetParts(rows.iterator(), 100);
        List<Iterator<GenericRecord>> released = new ArrayList<>();
        while (parts.hasNext()) {
            released.add(parts.next());
        }
        assertThat(released).hasSize(4);
        assertThat(released.get(3)).as("what follows the last rows skipped").isExhausted();
    }
}
