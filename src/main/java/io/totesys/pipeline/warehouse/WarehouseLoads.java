package io.totesys.pipeline.warehouse;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;
import org.apache.parquet.hadoop.ParquetReader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.lake.LakeBuckets;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.ObjectDescription;
import io.totesys.pipeline.operations.PipelineMetrics;
import io.totesys.pipeline.operations.StageLocks;
import io.totesys.pipeline.operations.PipelineSchema;
import io.totesys.pipeline.operations.PipelineStage;
import io.totesys.pipeline.operations.PipelineStateException;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The load stage's processor bean: the steps of {@code routes/load.camel.yaml}.
 * <p>
 * A Parquet batch is loaded in one warehouse transaction: its rows are copied into
 * temporary staging tables ({@code COPY}), then merged set-wise, dimensions first (latest
 * version wins), then facts (a row only for a version not already there), and the batch id
 * goes into the load log. A batch already in the log is not loaded again; an advisory lock
 * makes two loaders of one batch take turns. Only after commit do the batch's Parquet
 * objects move from {@code input/} to {@code processed/}.
 */
@ApplicationScoped
@Named("warehouseLoads")
public class WarehouseLoads {

    /** The exchange property that carries the running {@link LoadBatch}. */
    public static final String BATCH_PROPERTY = "loadBatch";
    /** The exchange property that carries the Parquet object being staged. */
    public static final String OBJECT_PROPERTY = "parquetObject";

    private static final Logger LOG = Logger.getLogger(WarehouseLoads.class);
    private static final String MANIFESTS_PREFIX = LakeLayout.input(LakeLayout.MANIFESTS + "/");
    private static final DateTimeFormatter SOURCE_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** The text of an inferred dimension row's attributes. */
    static final String INFERRED = "Unknown";
    /** Key of the advisory lock that serialises loads: 'TOTE' in ASCII. */
    private static final long LOAD_LOCK = 0x544F5445L;

    private final AgroalDataSource warehouse;
    private final LakeObjects processed;
    private final LakeBuckets buckets;
    private final PipelineSchema schema;
    private final PipelineMetrics metrics;
    private final StageLocks stageLocks;
    private final ObjectMapper json;
    private final ZoneId sourceZone;

    WarehouseLoads(AgroalDataSource warehouse, @Named("processedLake") LakeObjects processed, LakeBuckets buckets,
            PipelineSchema schema, PipelineMetrics metrics, StageLocks stageLocks, ObjectMapper json,
            @ConfigProperty(name = "etl.source.time-zone") String sourceZone) {
        this.warehouse = warehouse;
        this.processed = processed;
        this.buckets = buckets;
        this.schema = schema;
        this.metrics = metrics;
        this.stageLocks = stageLocks;
        this.json = json;
        this.sourceZone = ZoneId.of(sourceZone);
    }

    /**
     * The manifests of Parquet batches not yet archived, oldest first, listed once no other
     * consumer loads; this exchange holds the stage until it completes.
     */
    public List<String> pendingManifests(Exchange exchange) {
        buckets.verifyProcessed();
        schema.ensureMigrated();
        stageLocks.holdFor(PipelineStage.LOAD, exchange);
        return processed.keys(MANIFESTS_PREFIX).stream().filter(key -> key.endsWith(".json")).toList();
    }

    /**
     * Opens the load of the Parquet batch whose manifest key is the body: begins the
     * warehouse transaction, waits for any other loader, and checks the load log.
     */
    public LoadBatch open(@Body String manifestKey, Exchange exchange) throws IOException {
        schema.ensureMigrated();
        BatchManifest manifest;
        try (InputStream content = processed.read(manifestKey)) {
            manifest = json.readValue(content, BatchManifest.class);
        }
        BatchId batchId = new BatchId(manifest.batchId());
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + LOAD_LOCK + ")");
            }
            Optional<List<BatchManifest.Quarantined>> loaded = loadLogEntry(connection, batchId);
            if (loaded.isEmpty()) {
                createStagingTables(connection);
            } else {
                LOG.infof("Load batch %s is in the load log already; archiving its Parquet objects", batchId);
            }
            LoadBatch batch = new LoadBatch(batchId, manifestKey, manifest, connection, loaded.isEmpty(),
                    loaded.orElse(List.of()));
            exchange.getExchangeExtension().addOnCompletion(batch);
            return batch;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw new PipelineStateException("opening the load of batch " + batchId + " failed", e);
        }
    }

    /** The key of the Parquet object the exchange is about to read. */
    public String objectKey(@ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object) {
        return LakeLayout.input(object.key());
    }

    /** Whether the object is to be loaded: not when another object of its table was quarantined. */
    public boolean accepts(@ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        return !batch.isQuarantined(object.table());
    }

    /**
     * Checks the object just read against its manifest entry, size and SHA-256, and leaves
     * its bytes as the body: an object changed, cut short or replaced since the transform
     * wrote it is an {@link InvalidLakeObjectException}, a failure to read it is not.
     */
    public byte[] verify(@Body InputStream content, @ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object)
            throws IOException {
        byte[] bytes = content.readAllBytes();
        if (bytes.length != object.bytes()) {
            throw new InvalidLakeObjectException(object.key(), "it is " + bytes.length + " bytes, its manifest says "
                    + object.bytes(), null);
        }
        String sha256 = ObjectDescription.sha256(bytes);
        if (object.sha256() != null && !object.sha256().isEmpty() && !object.sha256().equals(sha256)) {
            throw new InvalidLakeObjectException(object.key(), "its SHA-256 is " + sha256 + ", its manifest says "
                    + object.sha256(), null);
        }
        return bytes;
    }

    /**
     * An object that cannot be trusted or is missing: its table's rows staged so far go, the
     * table's other objects are left out, and the object is marked for quarantine. The batch
     * goes on.
     */
    public void reject(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        String problem = problemOf(failure, object);
        Optional<WarehouseTable> table = WarehouseTable.byTableName(object.table());
        if (table.isPresent()) {
            try (Statement statement = batch.connection().createStatement()) {
                statement.execute("DELETE FROM " + stagingTable(table.get()));
            } catch (SQLException e) {
                throw new PipelineStateException("removing the staged rows of " + object.table() + " failed", e);
            }
            batch.unstaged(table.get());
        }
        BatchManifest.Quarantined quarantined = new BatchManifest.Quarantined(object.table(), object.key(), 0, null,
                problem);
        batch.quarantined(quarantined);
        metrics.quarantined(PipelineStage.LOAD, object.table());
        LOG.warnf("Load batch %s quarantined %s: %s; its table's rows of this batch are left out; see s3://%s/%s",
                batch.getId(), object.key(), problem, processed.bucket(),
                LakeLayout.quarantine(LakeLayout.quarantineReportKey(object.key())));
    }

    private static String problemOf(Exception failure, BatchManifest.Entry object) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidLakeObjectException invalid) {
                return invalid.problem();
            }
            if (cause instanceof NoSuchKeyException) {
                return "the manifest names it, but it does not exist";
            }
        }
        throw new IllegalStateException("not a rejection of " + object.key(), failure);
    }

    /**
     * Copies the rows of a verified Parquet object, the body, into its table's staging table.
     * The object is read here rather than by the route's parquetAvro data format: that one
     * leaves its reader, and with it the object's bytes, to the end of the whole batch's
     * exchange, so every part of a batch would stay in memory until the batch is loaded.
     * Returns how many rows it staged, which replaces the object's bytes as the body.
     */
    public long stage(@Body byte[] parquet, @ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        WarehouseTable table = WarehouseTable.byTableName(object.table()).orElseThrow(() ->
                new InvalidLakeObjectException(object.key(), "its table " + object.table()
                        + " is not in the star schema", null));
        List<WarehouseColumn> columns = table.columns();
        long count = 0;
        String copy = "COPY " + stagingTable(table) + " (" + String.join(", ", table.columnNames())
                + ") FROM STDIN (FORMAT csv)";
        try (ParquetReader<GenericRecord> rows = ParquetRows.open(object.key(), parquet);
                Writer out = new BufferedWriter(new OutputStreamWriter(new PGCopyOutputStream(
                        batch.connection().unwrap(PGConnection.class), copy, 1 << 16), StandardCharsets.UTF_8),
                        1 << 16)) {
            for (GenericRecord row = ParquetRows.next(rows, object.key()); row != null;
                    row = ParquetRows.next(rows, object.key())) {
                for (int index = 0; index < columns.size(); index++) {
                    if (index > 0) {
                        out.write(',');
                    }
                    Object value = row.get(index);
                    if (value != null) {
                        out.write('"');
                        out.write(columns.get(index).type().toText(value).replace("\"", "\"\""));
                        out.write('"');
                    }
                }
                out.write('\n');
                count++;
            }
        } catch (SQLException | IOException e) {
            throw new PipelineStateException("copying " + object.key() + " into the warehouse failed", e);
        }
        if (count != object.rows()) {
            throw new InvalidLakeObjectException(object.key(), "it holds " + count + " rows, its manifest says "
                    + object.rows(), null);
        }
        batch.staged(table, count);
        return count;
    }

    /**
     * Merges the staged rows into the star schema, dimensions first, records the batch in
     * the load log, and commits: all of it, or none of it.
     */
    public void commit(@ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        Connection connection = batch.connection();
        Map<String, Long> added = new LinkedHashMap<>();
        try {
            for (WarehouseTable table : dimensionsThenFacts()) {
                if (table.isFact()) {
                    inferMissingDimensionRows(batch, table);
                }
                try (Statement statement = connection.createStatement()) {
                    long rows = statement.executeUpdate(table.isFact() ? appendNewVersions(table) : upsert(table));
                    if (rows > 0) {
                        added.put(table.tableName(), rows);
                    }
                }
            }
            try (PreparedStatement log = connection.prepareStatement(
                    "INSERT INTO pipeline.load_batch (batch_id, high_water, row_counts, quarantined) "
                            + "VALUES (?, ?, ?::jsonb, ?::jsonb)")) {
                log.setString(1, batch.getId().value());
                log.setObject(2, highWater(batch));
                log.setString(3, json.writeValueAsString(added));
                log.setString(4, json.writeValueAsString(batch.quarantined()));
                log.executeUpdate();
            }
            connection.commit();
        } catch (SQLException | JsonProcessingException e) {
            throw new PipelineStateException("loading batch " + batch.getId() + " into the warehouse failed", e);
        }
        added.forEach((table, rows) -> metrics.rows(PipelineStage.LOAD, table, rows));
        metrics.batchDuration(PipelineStage.LOAD, Duration.between(batch.startedAt(), Instant.now()));
        LocalDateTime highWater = highWater(batch);
        LOG.infof("Load batch %s committed: %s new rows; the warehouse is %s s behind ToteSys", batch.getId(),
                added.isEmpty() ? "no" : added.toString(),
                highWater == null ? "?" : Duration.between(highWater, LocalDateTime.now(sourceZone)).toMillis() / 1000.0);
    }

    /**
     * Moves the batch's Parquet objects from {@code input/}: those left out to
     * {@code quarantine/} beside their report, the others to {@code processed/}, the
     * manifest last. Repeating it after a crash completes it.
     */
    public void archive(@ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) throws JsonProcessingException {
        List<String> left = new ArrayList<>();
        for (BatchManifest.Quarantined object : batch.quarantined()) {
            processed.write(LakeLayout.quarantine(LakeLayout.quarantineReportKey(object.key())),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                            Map.of("batchId", batch.getId().value(), "object", object)), "application/json");
            if (processed.exists(LakeLayout.input(object.key()))) {
                processed.move(LakeLayout.input(object.key()), LakeLayout.quarantine(object.key()));
            }
            left.add(object.key());
        }
        for (BatchManifest.Entry object : batch.manifest().objects()) {
            if (!left.contains(object.key())) {
                processed.move(LakeLayout.input(object.key()), LakeLayout.processed(object.key()));
            }
        }
        processed.move(batch.manifestKey(), LakeLayout.processed(LakeLayout.relative(batch.manifestKey())));
    }

    /**
     * Late-arriving dimensions: a fact can reach the warehouse before the dimension row it
     * refers to, when that row changed after the fact's batch was read (its new version
     * comes in a later batch). Such a dimension row is inserted as an inferred member, key
     * only, text {@value #INFERRED}, so the foreign keys hold; the row's real version
     * replaces it when its batch is loaded.
     */
    private void inferMissingDimensionRows(LoadBatch batch, WarehouseTable fact) throws SQLException {
        for (WarehouseColumn column : fact.columns()) {
            if (!column.isReference() || column.references().equals(WarehouseTable.DIM_DATE.tableName())) {
                continue;
            }
            WarehouseTable dimension = WarehouseTable.byTableName(column.references()).orElseThrow();
            String placeholders = dimension.columns().stream().skip(1)
                    .map(attribute -> attribute.nullable() ? "NULL::" + attribute.type().sqlType() : "'" + INFERRED + "'")
                    .collect(Collectors.joining(", "));
            String sql = "INSERT INTO public." + dimension.tableName() + " (" + String.join(", ",
                    dimension.columnNames()) + ") SELECT DISTINCT s." + column.name() + ", " + placeholders + " FROM "
                    + stagingTable(fact) + " s WHERE NOT EXISTS (SELECT 1 FROM public." + dimension.tableName()
                    + " d WHERE d." + dimension.keyColumn() + " = s." + column.name() + ") ON CONFLICT DO NOTHING"
                    + " RETURNING " + dimension.keyColumn();
            List<Integer> inferred = new ArrayList<>();
            try (Statement statement = batch.connection().createStatement();
                    ResultSet keys = statement.executeQuery(sql)) {
                while (keys.next()) {
                    inferred.add(keys.getInt(1));
                }
            }
            if (!inferred.isEmpty()) {
                LOG.warnf("Load batch %s: %s of %s refers to %s rows %s, not delivered yet; inferred them until "
                        + "their batch arrives", batch.getId(), column.name(), fact.tableName(), dimension.tableName(),
                        inferred);
            }
        }
    }

    private static List<WarehouseTable> dimensionsThenFacts() {
        return Arrays.stream(WarehouseTable.values())
                .sorted(Comparator.comparing(WarehouseTable::isFact))
                .toList();
    }

    /** Dimensions hold the latest version: insert new keys, overwrite known ones. */
    private static String upsert(WarehouseTable table) {
        String columns = String.join(", ", table.columnNames());
        String updates = table.columnNames().stream().skip(1).map(column -> column + " = excluded." + column)
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + table.tableName() + " (" + columns + ") SELECT DISTINCT ON ("
                + table.keyColumn() + ") " + columns + " FROM " + stagingTable(table) + " ORDER BY "
                + table.keyColumn() + " ON CONFLICT (" + table.keyColumn() + ") DO UPDATE SET " + updates;
    }

    /** Facts keep history: a row for each version not already in the warehouse, whichever batch brought it. */
    private static String appendNewVersions(WarehouseTable table) {
        String columns = String.join(", ", table.columnNames());
        String sameVersion = table.columnNames().stream().map(column -> "f." + column).collect(Collectors.joining(", "))
                + ") IS NOT DISTINCT FROM (" + table.columnNames().stream().map(column -> "s." + column)
                        .collect(Collectors.joining(", "));
        return "INSERT INTO public." + table.tableName() + " (" + columns + ") SELECT DISTINCT " + columns + " FROM "
                + stagingTable(table) + " s WHERE NOT EXISTS (SELECT 1 FROM public." + table.tableName() + " f WHERE f."
                + table.keyColumn() + " = s." + table.keyColumn() + " AND (" + sameVersion + ")) ORDER BY "
                + table.keyColumn() + ", last_updated_date, last_updated_time";
    }

    private static void createStagingTables(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (WarehouseTable table : WarehouseTable.values()) {
                statement.execute("CREATE TEMPORARY TABLE " + stagingTable(table) + " ON COMMIT DROP AS SELECT "
                        + String.join(", ", table.columnNames()) + " FROM public." + table.tableName() + " WITH NO DATA");
            }
        }
    }

    private static String stagingTable(WarehouseTable table) {
        return "staging_" + table.tableName();
    }

    /** The objects the batch left out, when the load log has the batch. */
    private Optional<List<BatchManifest.Quarantined>> loadLogEntry(Connection connection, BatchId batchId)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT quarantined::text FROM pipeline.load_batch WHERE batch_id = ?")) {
            statement.setString(1, batchId.value());
            try (ResultSet result = statement.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                return Optional.of(List.of(json.readValue(result.getString(1), BatchManifest.Quarantined[].class)));
            }
        } catch (JsonProcessingException e) {
            throw new PipelineStateException("the load log entry of batch " + batchId + " does not read", e);
        }
    }

    private static LocalDateTime highWater(LoadBatch batch) {
        String highWater = batch.manifest().highWater();
        return highWater == null ? null : LocalDateTime.parse(highWater, SOURCE_TIMESTAMP);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debugf(e, "closing a warehouse connection failed");
            }
        }
    }
}
