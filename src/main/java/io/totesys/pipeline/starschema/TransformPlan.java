package io.totesys.pipeline.starschema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.generic.GenericRecord;
import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.ExtractedDeletions;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.lake.csv.SourceRow;
import io.totesys.pipeline.stage.BatchProgress;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.ProgressBoard;

/**
 * Which warehouse tables a transform batch writes, and from what (docs/architecture.md#derivation-rules). The
 * reference tables are read up front (they are small) and remembered
 * ({@link ReferenceState}), so that a dimension that joins two of them gets the current
 * version of both; the tables that grow with the business (designs, transactions, orders,
 * payments) stream from their CSV objects; the deletions of warehouse rows the batch's deletions
 * objects bring come with them ({@link WarehouseDeletions}); all of these may be written side by
 * side. {@code dim_date} comes after them, covering the days the batch's facts reference.
 */
@ApplicationScoped
class TransformPlan {

    private static final Logger LOG = Logger.getLogger(TransformPlan.class);
    private static final List<SourceTable> REFERENCE_TABLES = List.of(SourceTable.ADDRESS, SourceTable.COUNTERPARTY,
            SourceTable.DEPARTMENT, SourceTable.STAFF, SourceTable.CURRENCY, SourceTable.PAYMENT_TYPE);
    /** The reference tables another table's dimension joins, remembered across batches. */
    private static final List<SourceTable> JOINED_TABLES = List.of(SourceTable.ADDRESS, SourceTable.COUNTERPARTY,
            SourceTable.DEPARTMENT, SourceTable.STAFF);

    private final LakeBatches ingest;
    private final ReferenceState state;
    private final TransformSettings settings;
    private final TransformQuarantine quarantine;
    private final PipelineSettings pipelineSettings;
    private final ProgressBoard board;

    TransformPlan(@Named("ingestBatches") LakeBatches ingest, ReferenceState state, TransformSettings settings,
            TransformQuarantine quarantine, PipelineSettings pipelineSettings, ProgressBoard board) {
        this.board = board;
        this.ingest = ingest;
        this.state = state;
        this.settings = settings;
        this.quarantine = quarantine;
        this.pipelineSettings = pipelineSettings;
    }

    /** Reads the batch's reference tables, updates the reference state and lines up the tables to write. */
    void lineUp(TransformBatch batch) {
        Map<WarehouseTable, List<GenericRecord>> deletions = readDeletions(batch);
        Map<SourceTable, List<SourceRow>> reference = new LinkedHashMap<>();
        REFERENCE_TABLES.forEach(table -> reference.put(table, readWhole(batch, table)));
        state.remember(batch.getId(), JOINED_TABLES.stream().flatMap(table -> reference.get(table).stream()).toList());

        batch.output(fromMemory(WarehouseTable.DIM_LOCATION,
                derived(batch, reference.get(SourceTable.ADDRESS), StarSchemaRecords::location)));
        batch.output(fromMemory(WarehouseTable.DIM_COUNTERPARTY, joinedDimension(reference, SourceTable.COUNTERPARTY,
                SourceTable.ADDRESS, "legal_address_id", StarSchemaRecords::counterparty)));
        batch.output(fromMemory(WarehouseTable.DIM_CURRENCY,
                derived(batch, reference.get(SourceTable.CURRENCY), StarSchemaRecords::currency)));
        batch.output(streamed(batch, WarehouseTable.DIM_DESIGN, SourceTable.DESIGN,
                (row, dates) -> StarSchemaRecords.design(row)));
        batch.output(fromMemory(WarehouseTable.DIM_PAYMENT_TYPE,
                derived(batch, reference.get(SourceTable.PAYMENT_TYPE), StarSchemaRecords::paymentType)));
        batch.output(fromMemory(WarehouseTable.DIM_STAFF, joinedDimension(reference, SourceTable.STAFF,
                SourceTable.DEPARTMENT, "department_id", StarSchemaRecords::staff)));
        batch.output(streamed(batch, WarehouseTable.DIM_TRANSACTION, SourceTable.TRANSACTION,
                (row, dates) -> StarSchemaRecords.transaction(row)));
        batch.output(streamed(batch, WarehouseTable.FACT_SALES_ORDER, SourceTable.SALES_ORDER,
                (row, dates) -> StarSchemaRecords.salesOrder(row, dates::add)));
        batch.output(streamed(batch, WarehouseTable.FACT_PURCHASE_ORDER, SourceTable.PURCHASE_ORDER,
                (row, dates) -> StarSchemaRecords.purchaseOrder(row, dates::add)));
        batch.output(streamed(batch, WarehouseTable.FACT_PAYMENT, SourceTable.PAYMENT,
                (row, dates) -> StarSchemaRecords.payment(row, dates::add)));
        deletions.forEach((table, records) -> batch.output(new TableOutput(table, null, records::iterator, true)));
        batch.calendarOutput(new TableOutput(WarehouseTable.DIM_DATE, null, () -> calendar(batch).iterator()));
    }

    /**
     * The batch's deletions, by the warehouse table whose rows they delete
     * ({@link WarehouseDeletions}), each deletions object checked against its manifest entry
     * (size, SHA-256, records); one that is not what its entry says is quarantined. Deleted
     * rows of the reference tables dimensions join are forgotten, so that no dimension row is
     * built from them again.
     */
    private Map<WarehouseTable, List<GenericRecord>> readDeletions(TransformBatch batch) {
        Map<WarehouseTable, List<GenericRecord>> deletions = new EnumMap<>(WarehouseTable.class);
        for (BatchManifest.Entry object : batch.sourceDeletions()) {
            Optional<SourceTable> table = SourceTable.byTableName(object.table());
            if (table.isEmpty()) {
                quarantine.quarantine(batch, new BatchManifest.Quarantined(object.table(), object.key(), 0, null,
                        "the table is not in the ToteSys catalogue " + SourceTable.tableNames()));
                continue;
            }
            List<ExtractedDeletions.Deletion> deleted;
            try (InputStream content = ingest.readChecked(object)) {
                deleted = ExtractedDeletions.read(table.get(), content, object.rows());
            } catch (InvalidSourceDataException e) {
                quarantine.quarantine(batch, new BatchManifest.Quarantined(object.table(), object.key(), e.row(),
                        e.column(), e.problem()));
                continue;
            } catch (InvalidLakeObjectException e) {
                quarantine.quarantine(batch, new BatchManifest.Quarantined(object.table(), object.key(), 0, null,
                        e.problem()));
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + object.key() + " failed", e);
            }
            if (JOINED_TABLES.contains(table.get())) {
                state.forget(batch.getId(), table.get(),
                        deleted.stream().map(ExtractedDeletions.Deletion::key).toList());
            }
            WarehouseDeletions.of(table.get()).ifPresent(warehouseTable -> deleted.forEach(deletion -> deletions
                    .computeIfAbsent(warehouseTable, key -> new ArrayList<>())
                    .add(WarehouseDeletions.record(warehouseTable, deletion.key(), deletion.seenAt()))));
        }
        return deletions;
    }

    /**
     * The rows of a dimension that joins a table to a referenced one: every row of the table
     * that changed in the batch, and every row whose referenced row changed, joined with
     * the current version of the referenced row. A row of the batch that a newer batch deleted
     * (a replayed older batch) gets no dimension row.
     */
    private List<GenericRecord> joinedDimension(Map<SourceTable, List<SourceRow>> reference, SourceTable table,
            SourceTable referenced, String foreignKey, BiFunction<SourceRow, SourceRow, GenericRecord> join) {
        Set<Integer> changedReferenced = ids(reference.get(referenced));
        Set<Integer> ids = new TreeSet<>(ids(reference.get(table)));
        ids.addAll(state.rowsReferencing(table, foreignKey, changedReferenced).keySet());
        Map<Integer, SourceRow> rows = state.rows(table, ids);
        Map<Integer, SourceRow> referencedRows = state.rows(referenced,
                rows.values().stream().map(row -> row.integer(foreignKey)).collect(Collectors.toSet()));
        List<GenericRecord> records = new ArrayList<>();
        for (Integer id : ids) {
            SourceRow row = rows.get(id);
            if (row == null) {
                continue; // a newer batch deleted it: a replayed older batch does not write it again
            }
            SourceRow target = referencedRows.get(row.integer(foreignKey));
            if (target == null) {
                LOG.warnf(
                        "%s %s references %s %s, which the lake has not delivered yet: its dimension row waits for it",
                        table.tableName(), id, referenced.tableName(), row.integer(foreignKey));
            } else {
                records.add(join.apply(row, target));
            }
        }
        return records;
    }

    /** The days {@code dim_date} gains: the referenced days, and all between them and the days already covered. */
    private List<GenericRecord> calendar(TransformBatch batch) {
        if (batch.referencedDates().isEmpty()) {
            return List.of();
        }
        LocalDate first = batch.referencedDates().first();
        LocalDate last = batch.referencedDates().last();
        Optional<ReferenceState.Coverage> before = state.coverageBefore(batch.getId());
        LocalDate from = before.map(coverage -> min(coverage.first(), first)).orElse(first);
        LocalDate to = before.map(coverage -> max(coverage.last(), last)).orElse(last);
        batch.covered(from, to);
        List<GenericRecord> days = new ArrayList<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            LocalDate current = day;
            boolean known = before.map(coverage -> !current.isBefore(coverage.first())
                    && !current.isAfter(coverage.last())).orElse(false);
            if (!known) {
                days.add(StarSchemaRecords.date(day));
            }
        }
        return days;
    }

    private List<SourceRow> readWhole(TransformBatch batch, SourceTable table) {
        Optional<BatchManifest.Entry> object = batch.sourceObject(table);
        if (object.isEmpty()) {
            return List.of();
        }
        List<SourceRow> rows = new ArrayList<>();
        try (ExtractedCsv csv = open(batch, table, object.get())) {
            csv.forEachRemaining(rows::add);
            return rows;
        } catch (InvalidSourceDataException e) {
            quarantine.quarantine(batch, e);
            return List.of();
        }
    }

    /** The rows of a large table, read from its CSV object as the Parquet writer asks for them. */
    private TableOutput streamed(TransformBatch batch, WarehouseTable table, SourceTable source,
            BiFunction<SourceRow, Set<LocalDate>, GenericRecord> derive) {
        return new TableOutput(table, source, () -> batch.sourceObject(source)
                .<Iterator<GenericRecord>>map(object -> new StreamedRows(open(batch, source, object), derive,
                        batch::referenced))
                .orElse(Collections.emptyIterator()));
    }

    /**
     * The CSV records of a source object the manifest names, checked against its entry as
     * they stream (size, SHA-256, records) and against the columns the manifest records for
     * its table; one that is not there, or not what its manifest says, is invalid source data.
     * A row with a value longer than {@code ETL_MAX_FIELD_LENGTH}, in any column, is left out
     * with a report while the others go on: the object is sound, only that row cannot go to the
     * warehouse. While it is read, the batch's progress is said every {@code ETL_PROGRESS_INTERVAL}.
     */
    private ExtractedCsv open(TransformBatch batch, SourceTable table, BatchManifest.Entry object) {
        BatchProgress progress = board.start(PipelineStage.TRANSFORM, batch.getId(), table.tableName(),
                pipelineSettings.progressInterval(), object.bytes());
        InputStream content;
        try {
            content = progress.counting(ingest.readChecked(object));
        } catch (InvalidLakeObjectException e) {
            progress.close();
            throw new InvalidSourceDataException(table, 0, null, e.problem(), e);
        }
        try {
            ExtractedCsv csv = new ExtractedCsv(table, batch.extractManifest().schema(table.tableName())
                    .map(BatchManifest.TableSchema::columnNames).orElse(null), content, settings.maxFieldLength(),
                    object.rows(), row -> quarantine.leaveOut(batch, object, row));
            progress.rowsFrom(csv::rowsRead);
            return csv;
        } catch (RuntimeException e) {
            try {
                content.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static TableOutput fromMemory(WarehouseTable table, List<GenericRecord> rows) {
        return new TableOutput(table, null, rows::iterator);
    }

    /**
     * A dimension's records from its reference table's rows; a value the star schema cannot
     * hold (an added column's, say) quarantines the table's object, as a row that does not
     * parse would, and the batch goes on without it.
     */
    private List<GenericRecord> derived(TransformBatch batch, List<SourceRow> rows,
            Function<SourceRow, GenericRecord> derive) {
        try {
            return rows.stream().map(derive).toList();
        } catch (InvalidSourceDataException e) {
            quarantine.quarantine(batch, e);
            return List.of();
        }
    }

    private static Set<Integer> ids(List<SourceRow> rows) {
        return rows.stream().map(SourceRow::id).collect(Collectors.toSet());
    }

    private static LocalDate min(LocalDate first, LocalDate second) {
        return first.isBefore(second) ? first : second;
    }

    private static LocalDate max(LocalDate first, LocalDate second) {
        return first.isAfter(second) ? first : second;
    }
}
