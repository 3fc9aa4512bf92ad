package io.totesys.pipeline.starschema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBuckets;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.lake.ObjectDescription;
import io.totesys.pipeline.operations.PipelineMetrics;
import io.totesys.pipeline.operations.StageLocks;
import io.totesys.pipeline.operations.PipelineSchema;
import io.totesys.pipeline.operations.PipelineStage;
import io.totesys.pipeline.source.ExtractedCsv;
import io.totesys.pipeline.source.InvalidSourceDataException;
import io.totesys.pipeline.source.SourceRow;
import io.totesys.pipeline.source.SourceTable;

/**
 * The transform stage's processor bean: the steps of {@code routes/transform.camel.yaml}.
 * <p>
 * A batch reads the reference tables of an extract batch up front (they are small), keeps
 * the current version of the rows dimensions join ({@link ReferenceState}), and streams the
 * tables that grow with the business (designs, transactions, orders, payments) straight from
 * their CSV objects into Parquet parts. A source object that cannot be read is quarantined
 * with a report; the other tables flow on. Only once the batch's Parquet manifest is written
 * do its CSV objects move from {@code input/} to {@code processed/}.
 */
@ApplicationScoped
@Named("transformBatches")
public class TransformBatches {

    /** The exchange property that carries the running {@link TransformBatch}. */
    public static final String BATCH_PROPERTY = "transformBatch";
    /** The exchange property that carries how many rows the Parquet object being written holds. */
    public static final String FILE_ROWS_PROPERTY = "parquetRows";

    private static final Logger LOG = Logger.getLogger(TransformBatches.class);
    private static final String PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";
    private static final String MANIFESTS_PREFIX = LakeLayout.input(LakeLayout.MANIFESTS + "/");

    private final LakeObjects ingest;
    private final LakeObjects processed;
    private final LakeBuckets buckets;
    private final PipelineSchema schema;
    private final ReferenceState state;
    private final TransformSettings settings;
    private final ObjectMapper json;
    private final PipelineMetrics metrics;
    private final StageLocks stageLocks;
    private final Clock clock = Clock.systemUTC();

    TransformBatches(@Named("ingestLake") LakeObjects ingest, @Named("processedLake") LakeObjects processed,
            LakeBuckets buckets, PipelineSchema schema, ReferenceState state, TransformSettings settings,
            ObjectMapper json, PipelineMetrics metrics, StageLocks stageLocks) {
        this.ingest = ingest;
        this.processed = processed;
        this.buckets = buckets;
        this.schema = schema;
        this.state = state;
        this.settings = settings;
        this.json = json;
        this.metrics = metrics;
        this.stageLocks = stageLocks;
    }

    /**
     * The manifests of extract batches not yet transformed, oldest first, listed once no
     * other consumer transforms; this exchange holds the stage until it completes.
     */
    public List<String> pendingManifests(Exchange exchange) {
        buckets.verifyIngest();
        schema.ensureMigrated();
        stageLocks.holdFor(PipelineStage.TRANSFORM, exchange);
        return ingest.keys(MANIFESTS_PREFIX).stream().filter(key -> key.endsWith(".json")).toList();
    }

    /**
     * Opens the transform of the extract batch whose manifest key is the body: reads its
     * reference tables, updates the reference state and lines up the warehouse tables to
     * write. A batch whose Parquet manifest already exists only has its archiving left.
     */
    public TransformBatch open(@Body String manifestKey) throws IOException {
        buckets.verifyProcessed();
        schema.ensureMigrated();
        BatchManifest extractManifest = readManifest(ingest, manifestKey);
        BatchId batchId = new BatchId(extractManifest.batchId());
        String transformManifestKey = LakeLayout.manifestKey(batchId);
        Optional<BatchManifest> earlier = findManifest(processed, LakeLayout.input(transformManifestKey))
                .or(() -> findManifest(processed, LakeLayout.processed(transformManifestKey)));
        TransformBatch batch = new TransformBatch(batchId, manifestKey, extractManifest, earlier);
        if (batch.isPending()) {
            lineUpOutputs(batch);
        } else {
            LOG.infof("Transform batch %s was already written; archiving its extract objects", batchId);
        }
        return batch;
    }

    private void lineUpOutputs(TransformBatch batch) {
        for (BatchManifest.Entry object : batch.unknownTables()) {
            quarantine(batch, new BatchManifest.Quarantined(object.table(), object.key(), 0, null,
                    "the table is not in the ToteSys catalogue " + SourceTable.tableNames()));
        }
        Map<SourceTable, List<SourceRow>> reference = new LinkedHashMap<>();
        for (SourceTable table : List.of(SourceTable.ADDRESS, SourceTable.COUNTERPARTY, SourceTable.DEPARTMENT,
                SourceTable.STAFF, SourceTable.CURRENCY, SourceTable.PAYMENT_TYPE)) {
            reference.put(table, readWhole(batch, table));
        }
        List<SourceRow> joined = new ArrayList<>();
        for (SourceTable table : List.of(SourceTable.ADDRESS, SourceTable.COUNTERPARTY, SourceTable.DEPARTMENT,
                SourceTable.STAFF)) {
            joined.addAll(reference.get(table));
        }
        state.remember(batch.getId(), joined);

        List<GenericRecord> locations = map(reference.get(SourceTable.ADDRESS), StarSchemaRecords::location);
        List<GenericRecord> counterparties = joinedDimension(reference, SourceTable.COUNTERPARTY, SourceTable.ADDRESS,
                "legal_address_id", StarSchemaRecords::counterparty);
        List<GenericRecord> staff = joinedDimension(reference, SourceTable.STAFF, SourceTable.DEPARTMENT,
                "department_id", StarSchemaRecords::staff);

        batch.output(fromMemory(WarehouseTable.DIM_LOCATION, locations));
        batch.output(fromMemory(WarehouseTable.DIM_COUNTERPARTY, counterparties));
        batch.output(fromMemory(WarehouseTable.DIM_CURRENCY,
                map(reference.get(SourceTable.CURRENCY), StarSchemaRecords::currency)));
        batch.output(streamed(batch, WarehouseTable.DIM_DESIGN, SourceTable.DESIGN,
                (row, dates) -> StarSchemaRecords.design(row)));
        batch.output(fromMemory(WarehouseTable.DIM_PAYMENT_TYPE,
                map(reference.get(SourceTable.PAYMENT_TYPE), StarSchemaRecords::paymentType)));
        batch.output(fromMemory(WarehouseTable.DIM_STAFF, staff));
        batch.output(streamed(batch, WarehouseTable.DIM_TRANSACTION, SourceTable.TRANSACTION,
                (row, dates) -> StarSchemaRecords.transaction(row)));
        batch.output(streamed(batch, WarehouseTable.FACT_SALES_ORDER, SourceTable.SALES_ORDER,
                (row, dates) -> StarSchemaRecords.salesOrder(row, dates::add)));
        batch.output(streamed(batch, WarehouseTable.FACT_PURCHASE_ORDER, SourceTable.PURCHASE_ORDER,
                (row, dates) -> StarSchemaRecords.purchaseOrder(row, dates::add)));
        batch.output(streamed(batch, WarehouseTable.FACT_PAYMENT, SourceTable.PAYMENT,
                (row, dates) -> StarSchemaRecords.payment(row, dates::add)));
        batch.output(new TableOutput(WarehouseTable.DIM_DATE, null, () -> calendar(batch).iterator()));
    }

    /**
     * The rows of a dimension that joins a table to a referenced one: every row of the table
     * that changed in the batch, and every row whose referenced row changed, joined with
     * the current version of the referenced row.
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
            SourceRow target = referencedRows.get(row.integer(foreignKey));
            if (target == null) {
                LOG.warnf("%s %s references %s %s, which the lake has not delivered yet: its dimension row waits for it",
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

    /**
     * The Parquet files of one warehouse table: its rows in lists of at most
     * {@code ETL_TRANSFORM_ROWS_PER_FILE}, each marshalled into one object.
     */
    public Iterator<List<GenericRecord>> files(@Body TableOutput output,
            @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch) {
        batch.starting(output);
        Iterator<GenericRecord> rows = output.rows().get();
        int rowsPerFile = settings.rowsPerFile();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public List<GenericRecord> next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<GenericRecord> file = new ArrayList<>(Math.min(rowsPerFile, 1024));
                while (file.size() < rowsPerFile && rows.hasNext()) {
                    file.add(rows.next());
                }
                return file;
            }
        };
    }

    /** Describes a marshalled Parquet object: its key, size and checksum go to the headers and the manifest. */
    public void describeParquet(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch,
            @ExchangeProperty(FILE_ROWS_PROPERTY) long rows) throws IOException {
        WarehouseTable table = batch.current().table();
        String key = LakeLayout.partKey(table.tableName(), batch.getId(), batch.nextPart(table), "parquet");
        ObjectDescription parquet = ObjectDescription.describe(exchange.getMessage(), LakeLayout.input(key),
                PARQUET_CONTENT_TYPE);
        batch.written(new BatchManifest.Entry(table.tableName(), key, rows, parquet.bytes(), parquet.sha256(), null));
    }

    /**
     * A source object turned out unreadable while its table streamed: the table's parts
     * written so far go, and the object is marked for quarantine. The batch goes on.
     */
    public void reject(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch) {
        InvalidSourceDataException invalid = findInvalidData(failure);
        TableOutput output = batch.current();
        for (BatchManifest.Entry part : batch.unwrite(output.table())) {
            processed.delete(LakeLayout.input(part.key()));
        }
        quarantine(batch, invalid);
    }

    /** The batch's Parquet manifest, ready to be written to the processed bucket. */
    public byte[] manifest(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch)
            throws JsonProcessingException {
        batch.coverage().ifPresent(range -> state.covered(batch.getId(), range[0], range[1]));
        return new BatchManifest(batch.getId().value(), "transform", clock.instant(),
                batch.extractManifest().highWater(), batch.written(), batch.quarantined())
                .toMessage(exchange.getMessage(), json);
    }

    /**
     * Moves the extract batch out of {@code input/}: unreadable objects to
     * {@code quarantine/} beside their report, the others to {@code processed/}, the
     * manifest last. Repeating it after a crash completes it.
     */
    public void archive(@ExchangeProperty(BATCH_PROPERTY) TransformBatch batch) throws JsonProcessingException {
        for (BatchManifest.Quarantined object : batch.quarantined()) {
            String source = LakeLayout.input(object.key());
            ingest.write(LakeLayout.quarantine(LakeLayout.quarantineReportKey(object.key())),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                            Map.of("batchId", batch.getId().value(), "object", object)), "application/json");
            if (ingest.exists(source)) {
                ingest.move(source, LakeLayout.quarantine(object.key()));
            }
        }
        for (BatchManifest.Entry entry : batch.extractManifest().objects()) {
            if (!batch.isQuarantined(entry)) {
                ingest.move(LakeLayout.input(entry.key()), LakeLayout.processed(entry.key()));
            }
        }
        for (BatchManifest.Entry entry : batch.extractManifest().deletions()) {
            ingest.move(LakeLayout.input(entry.key()), LakeLayout.processed(entry.key()));
        }
        ingest.move(batch.extractManifestKey(), LakeLayout.processed(LakeLayout.relative(batch.extractManifestKey())));
        if (batch.isPending()) {
            batch.written().forEach(entry -> metrics.rows(PipelineStage.TRANSFORM, entry.table(), entry.rows()));
            metrics.batchDuration(PipelineStage.TRANSFORM, Duration.between(batch.startedAt(), clock.instant()));
            LOG.infof("Transform batch %s published: %s in s3://%s/%s", batch.getId(),
                    batch.written().stream().collect(Collectors.groupingBy(BatchManifest.Entry::table,
                            LinkedHashMap::new, Collectors.summingLong(BatchManifest.Entry::rows))),
                    processed.bucket(), LakeLayout.INPUT);
        }
    }

    private List<SourceRow> readWhole(TransformBatch batch, SourceTable table) {
        Optional<String> key = batch.sourceKey(table);
        if (key.isEmpty()) {
            return List.of();
        }
        List<SourceRow> rows = new ArrayList<>();
        try (InputStream content = readSource(table, key.get());
                ExtractedCsv csv = new ExtractedCsv(table, content, settings.maxFieldLength())) {
            csv.forEachRemaining(rows::add);
            return rows;
        } catch (InvalidSourceDataException e) {
            quarantine(batch, e);
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows of a large table, read from its CSV object as the Parquet writer asks for them. */
    private TableOutput streamed(TransformBatch batch, WarehouseTable table, SourceTable source,
            BiFunction<SourceRow, Set<LocalDate>, GenericRecord> derive) {
        return new TableOutput(table, source, () -> {
            Optional<String> key = batch.sourceKey(source);
            if (key.isEmpty()) {
                return Collections.emptyIterator();
            }
            InputStream content = readSource(source, key.get());
            ExtractedCsv csv = new ExtractedCsv(source, content, settings.maxFieldLength());
            Set<LocalDate> dates = new HashSet<>();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    try {
                        if (csv.hasNext()) {
                            return true;
                        }
                    } catch (RuntimeException e) {
                        csv.close();
                        throw e;
                    }
                    csv.close();
                    batch.referenced(dates);
                    return false;
                }

                @Override
                public GenericRecord next() {
                    try {
                        return derive.apply(csv.next(), dates);
                    } catch (RuntimeException e) {
                        csv.close();
                        throw e;
                    }
                }
            };
        });
    }

    /** A source object the manifest names; one that is not there is invalid source data. */
    private InputStream readSource(SourceTable table, String key) {
        try {
            return ingest.read(LakeLayout.input(key));
        } catch (MissingLakeObjectException e) {
            throw new InvalidSourceDataException(table, 0, null, "the manifest names the object, but "
                    + e.getMessage(), e);
        }
    }

    private void quarantine(TransformBatch batch, InvalidSourceDataException invalid) {
        quarantine(batch, new BatchManifest.Quarantined(invalid.table().tableName(),
                batch.sourceKey(invalid.table()).orElseThrow(), invalid.row(), invalid.column(), invalid.problem()));
    }

    private void quarantine(TransformBatch batch, BatchManifest.Quarantined object) {
        batch.quarantined(object);
        metrics.quarantined(PipelineStage.TRANSFORM, object.table());
        LOG.warnf("Transform batch %s quarantined %s: row %s%s: %s; see s3://%s/%s", batch.getId(), object.table(),
                object.row(), object.column() == null ? "" : ", column " + object.column(), object.problem(),
                ingest.bucket(), LakeLayout.quarantine(LakeLayout.quarantineReportKey(object.key())));
    }

    private static InvalidSourceDataException findInvalidData(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidSourceDataException invalid) {
                return invalid;
            }
        }
        throw new IllegalStateException("not a rejection of source data", failure);
    }

    private TableOutput fromMemory(WarehouseTable table, List<GenericRecord> rows) {
        return new TableOutput(table, null, rows::iterator);
    }

    private BatchManifest readManifest(LakeObjects bucket, String key) throws IOException {
        try (InputStream content = bucket.read(key)) {
            return json.readValue(content, BatchManifest.class);
        }
    }

    private Optional<BatchManifest> findManifest(LakeObjects bucket, String key) {
        if (!bucket.exists(key)) {
            return Optional.empty();
        }
        try {
            return Optional.of(readManifest(bucket, key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<GenericRecord> map(List<SourceRow> rows, Function<SourceRow, GenericRecord> derive) {
        return rows.stream().map(derive).toList();
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
