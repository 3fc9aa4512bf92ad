package io.totesys.pipeline.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.LakeTable;

/**
 * A fact table's versions as of a batch, for the rows of one of the batch's parts: the rule
 * the warehouse appends a fact's rows by ({@code MergeStatements.appendNewVersions}), kept in
 * the lake's table too. A row is appended unless it is its key's current version as of the
 * batch: the version an earlier batch brought last, with no deletion of the key brought since
 * (by a batch up to this one). So a batch that brings versions the table holds again (an
 * operator's {@code reextract}, a repair, rows a statement rewrote without changing them)
 * appends no second copy of them, while a row that reverts to an earlier version's exact
 * values, or comes back after its deletion, is appended.
 * <p>
 * Every fact commit looks, and what it reads grows with what the batch may bring again, not
 * with the table: a part is read only when an earlier batch's file may hold one of its rows
 * ({@link #mayHoldAVersionOf}, by the files' bounds for the key and the time the rows were
 * last updated), and then only the earlier files whose bounds hold one of the part's keys and
 * days. A batch's own files are not an earlier batch's versions: a replay of the batch
 * replaces them.
 */
final class FactVersions {

    private static final String LAST_UPDATED_DATE = "last_updated_date";
    private static final String LAST_UPDATED_TIME = "last_updated_time";

    private final Map<Object, Version> latest = new HashMap<>();
    private final Map<Object, String> lastDeleted = new HashMap<>();

    private record Version(String batchId, GenericRecord row) {
    }

    private FactVersions() {
    }

    /**
     * Whether an earlier batch's file of the table may hold one of the part's rows: its bounds
     * overlap the part's for the key, the day and the time of day the rows were last updated.
     * A batch of changes made since the last one overlaps none (its rows were last updated after
     * every earlier file's), so its part is appended without being read; rows rewritten without
     * a change (an {@code ALTER COLUMN ... TYPE}, an {@code UPDATE} to the same value) keep
     * their times, and are looked for.
     */
    static boolean mayHoldAVersionOf(BatchId batch, DataFile part, LakeTable table, Table fact,
            TableFiles tableFiles) {
        Expression overlaps = Expressions.alwaysTrue();
        for (String column : List.of(table.keyColumn(), LAST_UPDATED_DATE, LAST_UPDATED_TIME)) {
            Types.NestedField field = fact.schema().findField(column);
            ByteBuffer lower = part.lowerBounds() == null ? null : part.lowerBounds().get(field.fieldId());
            ByteBuffer upper = part.upperBounds() == null ? null : part.upperBounds().get(field.fieldId());
            if (lower == null || upper == null) {
                return true;
            }
            overlaps = Expressions.and(overlaps, Expressions.and(
                    Expressions.greaterThanOrEqual(column, Conversions.fromByteBuffer(field.type(), lower)),
                    Expressions.lessThanOrEqual(column, Conversions.fromByteBuffer(field.type(), upper))));
        }
        return filesHolding(fact, overlaps).stream().anyMatch(task -> earlier(task, batch, tableFiles));
    }

    /** The current versions, as of the batch, of the keys the rows hold. */
    static FactVersions asOf(BatchId batch, List<GenericRecord> rows, LakeTable table, Table fact,
            Optional<Table> deletions, TableFiles tableFiles) {
        FactVersions versions = new FactVersions();
        Set<Object> keys = new HashSet<>();
        Set<Object> days = new HashSet<>();
        for (GenericRecord row : rows) {
            keys.add(row.get(0));
            days.add(row.get(LAST_UPDATED_DATE));
        }
        if (keys.isEmpty()) {
            return versions;
        }
        String keyColumn = table.keyColumn();
        if (!days.contains(null)) {
            Expression mayHoldARow = Expressions.and(Expressions.in(keyColumn, keys.toArray()),
                    Expressions.in(LAST_UPDATED_DATE, days.toArray()));
            if (filesHolding(fact, mayHoldARow).stream()
                    .noneMatch(task -> earlier(task, batch, tableFiles))) {
                return versions;
            }
        }
        for (FileScanTask task : filesHolding(fact, Expressions.in(keyColumn, keys.toArray()))) {
            String batchId = writtenBy(task, tableFiles);
            if (batchId.compareTo(batch.value()) >= 0) {
                continue;
            }
            for (GenericRecord row : tableFiles.rows(tableFiles.key(task.file().location()))) {
                Object key = row.get(0);
                Version seen = versions.latest.get(key);
                if (keys.contains(key) && (seen == null || seen.batchId().compareTo(batchId) < 0)) {
                    versions.latest.put(key, new Version(batchId, row));
                }
            }
        }
        if (deletions.isPresent()) {
            for (FileScanTask task : filesHolding(deletions.get(), Expressions.in(keyColumn, keys.toArray()))) {
                String batchId = writtenBy(task, tableFiles);
                if (batchId.compareTo(batch.value()) > 0) {
                    continue;
                }
                for (GenericRecord row : tableFiles.rows(tableFiles.key(task.file().location()))) {
                    Object key = row.get(0);
                    if (keys.contains(key)) {
                        versions.lastDeleted.merge(key, batchId, (one, other) -> one.compareTo(other) >= 0 ? one
                                : other);
                    }
                }
            }
        }
        return versions;
    }

    /** Whether the row is its key's current version already, so that appending it would hold it twice. */
    boolean isCurrent(GenericRecord row) {
        Version version = latest.get(row.get(0));
        if (version == null || !sameValues(version.row(), row)) {
            return false;
        }
        String deleted = lastDeleted.get(row.get(0));
        return deleted == null || deleted.compareTo(version.batchId()) < 0;
    }

    /**
     * Whether the held version has the row's values, column by column: a column an operator
     * added since the held version's file was written is empty in it, as in the warehouse.
     */
    private static boolean sameValues(GenericRecord held, GenericRecord row) {
        for (Schema.Field field : row.getSchema().getFields()) {
            Object value = held.getSchema().getField(field.name()) == null ? null : held.get(field.name());
            if (!Objects.equals(value, row.get(field.pos()))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a file was written by a batch before this one. */
    private static boolean earlier(FileScanTask task, BatchId batch, TableFiles tableFiles) {
        return writtenBy(task, tableFiles).compareTo(batch.value()) < 0;
    }

    /** The batch that wrote a data file, as its name says. */
    private static String writtenBy(FileScanTask task, TableFiles tableFiles) {
        return LakeLayout.batchIdOf(tableFiles.key(task.file().location()));
    }

    /** The table's current data files whose bounds may hold a row the filter matches. */
    private static List<FileScanTask> filesHolding(Table table, Expression filter) {
        List<FileScanTask> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
            tasks.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("planning " + table.name() + "'s files failed: " + e.getMessage(), e);
        }
        return files;
    }
}
