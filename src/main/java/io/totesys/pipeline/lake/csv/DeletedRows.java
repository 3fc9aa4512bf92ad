package io.totesys.pipeline.lake.csv;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.SourceKeys;

/**
 * The rows of one table deleted from ToteSys since the previous batch, as CSV records: the
 * header {@code <primary key>,deleted_seen_at}, then one record per deleted key, in key
 * order, with the source time of the snapshot that first missed the row. The row was in
 * the previous batch's snapshot and is not in this one.
 */
public final class DeletedRows implements ExtractedRecords {

    /** The second column of a deletions object. */
    public static final String SEEN_AT_COLUMN = "deleted_seen_at";

    private final SourceTable table;
    private final String seenAt;
    private final PrimitiveIterator.OfInt keys;
    private final long count;
    private boolean headerPending = true;
    private long rowCount;

    public DeletedRows(SourceTable table, SourceKeys deleted, String seenAt) {
        this.table = table;
        this.seenAt = seenAt;
        List<Integer> ordered = new ArrayList<>();
        deleted.forEach(ordered::add);
        this.keys = ordered.stream().mapToInt(Integer::intValue).iterator();
        this.count = ordered.size();
    }

    /** The header of a table's deletions object. */
    public static List<String> header(SourceTable table) {
        return List.of(table.primaryKey(), SEEN_AT_COLUMN);
    }

    @Override
    public SourceTable table() {
        return table;
    }

    @Override
    public boolean deletions() {
        return true;
    }

    @Override
    public boolean isEmpty() {
        return count == 0;
    }

    @Override
    public long rowCount() {
        return rowCount;
    }

    @Override
    public boolean hasNext() {
        return headerPending || keys.hasNext();
    }

    @Override
    public List<String> next() {
        if (headerPending) {
            headerPending = false;
            return header(table);
        }
        if (!keys.hasNext()) {
            throw new NoSuchElementException("all deleted keys of " + table.tableName() + " were read");
        }
        rowCount++;
        return List.of(Integer.toString(keys.nextInt()), seenAt);
    }
}
