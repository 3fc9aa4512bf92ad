package io.totesys.pipeline.iceberg;

import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
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
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.LastUpdatedRange;

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
 * Every fact commit looks, and what it reads follows what the batch may bring again, not the
 * table: a part is read only when some row of it was last updated no later than the latest
 * version the table holds ({@link #heldUpTo}, {@link #mayHoldAVersion}), which a batch of
 * changes made since the last one never was; only those rows are looked for, in the earlier
 * files whose bounds hold one of their keys and days. A batch's own files are not an earlier
 * batch's versions: a replay of the batch replaces them.
 */
final class FactVersions {

    private static final String LAST_UPDATED_DATE = "last_updated_date";
    private static final String LAST_UPDATED_TIME = "last_updated_time";
    private static final long NANOS_PER_MICRO = 1_000;

    private final Map<Object, Version> latest = new HashMap<>();
    private final Map<Object, String> lastDeleted = new HashMap<>();

    private record Version(String batchId, GenericRecord row) {
    }

    private FactVersions() {
    }

    /**
     * The latest time a version the table holds was last updated in ToteSys, as of the snapshot
     * a commit looked at: what the snapshot's summary says ({@value BatchSummary#LAST_UPDATED},
     * which every fact commit carries forward); for a table whose snapshot does not say (written
     * before it did, or by another writer), the greatest of its files' bounds, the day and then
     * the time of day, which no row of the file is after. No version is held of an empty table.
     */
    static LocalDateTime heldUpTo(Table fact, Snapshot looked) {
        if (looked == null) {
            return LocalDateTime.MIN;
        }
        String said = looked.summary().get(BatchSummary.LAST_UPDATED);
        if (said != null) {
            return LocalDateTime.parse(said);
        }
        Types.NestedField date = fact.schema().findField(LAST_UPDATED_DATE);
        Types.NestedField time = fact.schema().findField(LAST_UPDATED_TIME);
        LocalDateTime held = LocalDateTime.MIN;
        for (FileScanTask task : PlannedFiles.of(fact.newScan().includeColumnStats())) {
            Object day = upperBound(task.file(), date);
            if (day == null) {
                return LocalDateTime.MAX;
            }
            Object micros = upperBound(task.file(), time);
            LocalDateTime upper = LocalDateTime.of(LocalDate.ofEpochDay((Integer) day),
                    micros == null ? LocalTime.MAX : LocalTime.ofNanoOfDay((Long) micros * NANOS_PER_MICRO));
            held = upper.isAfter(held) ? upper : held;
        }
        return held;
    }

    /**
     * The latest time a version the table holds was last updated once the parts are appended,
     * for the commit's summary: none when it is not known (a part whose footer does not say, a
     * table whose files' bounds do not) or the table holds nothing.
     */
    static Optional<LocalDateTime> heldAfter(LocalDateTime heldUpTo, List<Optional<LastUpdatedRange>> parts) {
        LocalDateTime held = heldUpTo;
        for (Optional<LastUpdatedRange> part : parts) {
            if (part.isEmpty()) {
                return Optional.empty();
            }
            held = part.get().latest().isAfter(held) ? part.get().latest() : held;
        }
        return held.equals(LocalDateTime.MIN) || held.equals(LocalDateTime.MAX) ? Optional.empty() : Optional.of(held);
    }

    /**
     * Whether a part may hold a version the table holds: some row of it was last updated no
     * later than the latest version held ({@link #heldUpTo}). A batch of changes made since the
     * last one holds none (its rows were last updated after every version held), and is appended
     * without a row of it read; rows rewritten without a change (an {@code ALTER COLUMN ...
     * TYPE}, an {@code UPDATE} to the same value) keep their times, and are looked for.
     */
    static boolean mayHoldAVersion(Optional<LastUpdatedRange> part, LocalDateTime heldUpTo) {
        return part.isEmpty() || !part.get().earliest().isAfter(heldUpTo);
    }

    /** Whether a row may be a version the table holds: it was last updated no later than the latest held, or has no time. */
    static boolean mayBeHeld(GenericRecord row, LocalDateTime heldUpTo) {
        return LastUpdatedRange.of(row).map(stamp -> !stamp.isAfter(heldUpTo)).orElse(true);
    }

    private static Object upperBound(DataFile file, Types.NestedField field) {
        ByteBuffer bound = field == null || file.upperBounds() == null ? null
                : file.upperBounds().get(field.fieldId());
        return bound == null ? null : Conversions.fromByteBuffer(field.type(), bound);
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
        return PlannedFiles.of(table.newScan().filter(filter));
    }
}
