package io.totesys.pipeline.lake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Message;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A batch's manifest (docs/architecture.md#batch-manifests): written once every data object of the batch is
 * in place, so a consumer that sees it may act on the whole batch. Keys are relative
 * ({@link LakeLayout}), so the manifest stays true when the batch moves from
 * {@code input/} to {@code processed/}.
 *
 * @param batchId the batch id, the same in every hop
 * @param stage the stage that wrote the batch: {@code extract}, {@code transform}
 * @param createdAt when the manifest was written
 * @param highWater the source time of the extract batch's snapshot of ToteSys, in the
 *        source's clock ({@code YYYY-MM-DD HH:MM:SS.mmm}): the batch holds every change
 *        committed before it
 * @param objects one entry per data object
 * @param quarantined the input objects of the batch that could not be read, and why
 * @param deletions one entry per deletions object: the keys of a table's rows deleted since
 *        the previous batch ({@link LakeLayout#deletionsKey})
 * @param sourceSnapshot the extract batch's snapshot of ToteSys, {@code pg_current_snapshot()}
 *        as text ({@code xmin:xmax:xip,...})
 * @param changesSince the read horizon the batch read changes since, as a {@code pg_snapshot}:
 *        the batch holds every row version visible in {@code sourceSnapshot} whose transaction
 *        is not visible in this one; {@code null} when it read whole tables
 * @param repair whether the batch is a repair: it holds the rows, and the deletions, a
 *        reconciliation found the lake did not hold as ToteSys has them, read from the
 *        reconciliation's snapshot; its high-water mark stays the previous batch's
 * @param repairReasons for a repair batch, per table, what the reconciliation found
 * @param schemas the columns of each table the extract batch read, as ToteSys had them, in
 *        the order of its CSV objects' headers; {@code null} in manifests written before
 *        the extract recorded them (their CSV objects hold the catalogue's columns)
 * @param recordSeparator how the records of the batch's CSV objects end, {@link #CRLF} or
 *        {@link #LF} (docs/architecture.md#csv-format); {@code null} in manifests written before it was recorded:
 *        their objects' records end in CRLF
 */
public record BatchManifest(String batchId, String stage, Instant createdAt, String highWater, List<Entry> objects,
        List<Quarantined> quarantined, List<Entry> deletions, String sourceSnapshot, String changesSince,
        boolean repair, List<RepairReason> repairReasons, List<TableSchema> schemas, String recordSeparator) {

    /** The {@link #recordSeparator} of CSV records that end in a carriage return and a line feed. */
    public static final String CRLF = "CRLF";
    /** The {@link #recordSeparator} of CSV records that end in a line feed, as PostgreSQL's {@code COPY} writes them. */
    public static final String LF = "LF";

    /** How manifests write a point in the source's clock: {@code 2022-11-03 14:20:49.000}. */
    private static final DateTimeFormatter SOURCE_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    public BatchManifest {
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
        deletions = deletions == null ? List.of() : List.copyOf(deletions);
        repairReasons = repairReasons == null ? List.of() : List.copyOf(repairReasons);
    }

    /**
     * An extract batch's manifest, to be filled in: its CSV records end in {@link #CRLF}.
     *
     * @param highWater the source time of the batch's snapshot ({@link #sourceTimestamp})
     */
    public static Builder extract(BatchId batchId, Instant createdAt, String highWater) {
        Builder extract = new Builder(batchId, "extract", createdAt, highWater);
        extract.recordSeparator = CRLF;
        return extract;
    }

    /**
     * A repair batch's manifest, to be filled in: an extract batch that holds what a
     * reconciliation found the lake did not hold as ToteSys has it, and says why.
     */
    public static Builder repair(BatchId batchId, Instant createdAt, String highWater,
            List<RepairReason> repairReasons) {
        Builder repair = extract(batchId, createdAt, highWater);
        repair.repair = true;
        repair.repairReasons = repairReasons;
        return repair;
    }

    /** A transform batch's manifest, to be filled in: the high-water mark is its extract batch's. */
    public static Builder transform(BatchId batchId, Instant createdAt, String highWater) {
        return new Builder(batchId, "transform", createdAt, highWater);
    }

    /** The same manifest listing other data objects, as a damaged or edited one would. */
    public BatchManifest withObjects(List<Entry> otherObjects) {
        return new BatchManifest(batchId, stage, createdAt, highWater, otherObjects, quarantined, deletions,
                sourceSnapshot, changesSince, repair, repairReasons, schemas, recordSeparator);
    }

    /** The same manifest listing other deletions objects, as a damaged or edited one would. */
    public BatchManifest withDeletions(List<Entry> otherDeletions) {
        return new BatchManifest(batchId, stage, createdAt, highWater, objects, quarantined, otherDeletions,
                sourceSnapshot, changesSince, repair, repairReasons, schemas, recordSeparator);
    }

    /** How the records of the batch's CSV objects end: {@link #CRLF} when the manifest does not say. */
    public String recordSeparatorOrDefault() {
        return recordSeparator == null ? CRLF : recordSeparator;
    }

    /** The columns the manifest records for a table, if it records any. */
    public Optional<TableSchema> schema(String table) {
        return schemas == null ? Optional.empty()
                : schemas.stream().filter(schema -> schema != null && table.equals(schema.table())).findFirst();
    }

    /** A point in the source's clock as manifests write it, for a high-water mark or a window. */
    public static String sourceTimestamp(LocalDateTime time) {
        return SOURCE_TIMESTAMP.format(time);
    }

    /** The high-water mark as a point in the source's clock, or {@code null} when the manifest has none. */
    public LocalDateTime highWaterTime() {
        return highWater == null ? null : LocalDateTime.parse(highWater, SOURCE_TIMESTAMP);
    }

    /**
     * The manifest as the body of a message the aws2-s3 producer writes under
     * {@code input/} of a bucket, with its key, length and content type.
     */
    public byte[] toMessage(Message message, ObjectMapper json) throws JsonProcessingException {
        byte[] content = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        message.setHeader(AWS2S3Constants.KEY, LakeLayout.input(LakeLayout.manifestKey(new BatchId(batchId))));
        message.setHeader(AWS2S3Constants.CONTENT_LENGTH, (long) content.length);
        message.setHeader(AWS2S3Constants.CONTENT_TYPE, "application/json");
        return content;
    }

    /**
     * @param table the table the object holds
     * @param key the object's relative key
     * @param rows data rows, header excluded
     * @param bytes the object's size
     * @param sha256 hex SHA-256 of the object's bytes
     * @param windowFrom the source time of the previous batch's snapshot, since which the
     *        object holds the table's changes, or {@code null} when the batch took the whole table
     */
    public record Entry(String table, String key, long rows, long bytes, String sha256, String windowFrom) {
    }

    /**
     * Why a repair batch holds a table's rows: what the reconciliation found.
     *
     * @param table the source table
     * @param reconciliation the id of the reconciliation run
     * @param missing rows in ToteSys the lake did not hold: read again
     * @param extra keys the lake held that ToteSys no longer has: recorded as deleted
     * @param changed rows the lake held with other values: read again
     */
    public record RepairReason(String table, String reconciliation, long missing, long extra, long changed) {
    }

    /**
     * @param table the source table whose object was quarantined
     * @param key its relative key, now under {@code quarantine/}; for a row left out, the key
     *        of the object it is in, which went on (to {@code processed/})
     * @param row the data row the problem is in (1 is the first after the header, 0 the header or the file)
     * @param column the column the problem is in, or {@code null}
     * @param problem what is wrong
     * @param rowKey for a row left out while the rest of its object went on, the row's primary
     *        key; {@code null} (and not written) when the whole object was quarantined
     */
    public record Quarantined(String table, String key, long row, String column, String problem,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer rowKey) {

        /** A whole object quarantined. */
        public Quarantined(String table, String key, long row, String column, String problem) {
            this(table, key, row, column, problem, null);
        }

        /** Whether only one row of the object was left out, the rest going on. */
        @JsonIgnore
        public boolean rowOnly() {
            return rowKey != null;
        }

        /** The relative key of the report on it: beside the object, one per row left out. */
        @JsonIgnore
        public String reportKey() {
            return rowOnly() ? LakeLayout.rowQuarantineReportKey(key, rowKey) : LakeLayout.quarantineReportKey(key);
        }
    }

    /**
     * The columns of a table in an extract batch, as ToteSys had them.
     *
     * @param table the table
     * @param columns its columns, in the order of the CSV object's header
     * @param fingerprint {@link #fingerprintOf} the columns: equal fingerprints, equal layouts
     */
    public record TableSchema(String table, List<Column> columns, String fingerprint) {

        public TableSchema(String table, List<Column> columns) {
            this(table, columns, fingerprintOf(columns));
        }

        public List<String> columnNames() {
            return columns.stream().map(Column::name).toList();
        }

        /**
         * {@code sha256:} and the hex SHA-256 of one line per column, {@code name type},
         * in order: a reader of the lake compares layouts by it.
         */
        public static String fingerprintOf(List<Column> columns) {
            StringBuilder layout = new StringBuilder();
            columns.forEach(column -> layout.append(column.name()).append(' ').append(column.type()).append('\n'));
            try {
                return "sha256:" + HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(layout.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JVM has no SHA-256", e);
            }
        }
    }

    /**
     * @param name the column's name
     * @param type its PostgreSQL type as {@code format_type()} writes it, such as
     *        {@code numeric(10,2)} or {@code timestamp(3) without time zone}
     */
    public record Column(String name, String type) {
    }

    /** A manifest being filled in: what a stage's batch wrote, named part by part. */
    public static final class Builder {

        private final String batchId;
        private final String stage;
        private final Instant createdAt;
        private final String highWater;
        private List<Entry> objects = List.of();
        private List<Quarantined> quarantined = List.of();
        private List<Entry> deletions = List.of();
        private String sourceSnapshot;
        private String changesSince;
        private boolean repair;
        private List<RepairReason> repairReasons = List.of();
        private List<TableSchema> schemas;
        private String recordSeparator;

        private Builder(BatchId batchId, String stage, Instant createdAt, String highWater) {
            this.batchId = batchId.value();
            this.stage = stage;
            this.createdAt = createdAt;
            this.highWater = highWater;
        }

        /** The batch's data objects. */
        public Builder objects(List<Entry> written) {
            objects = written;
            return this;
        }

        /** The batch's input objects that could not be read, and why. */
        public Builder quarantined(List<Quarantined> leftOut) {
            quarantined = leftOut;
            return this;
        }

        /** The batch's deletions objects. */
        public Builder deletions(List<Entry> written) {
            deletions = written;
            return this;
        }

        /**
         * The snapshot of ToteSys the batch read, and the read horizon it read changes since
         * ({@code null}: it read whole tables).
         */
        public Builder readFrom(String snapshot, String readHorizon) {
            sourceSnapshot = snapshot;
            changesSince = readHorizon;
            return this;
        }

        /** The columns of each table the batch wrote. */
        public Builder schemas(List<TableSchema> columns) {
            schemas = columns;
            return this;
        }

        public BatchManifest build() {
            return new BatchManifest(batchId, stage, createdAt, highWater, objects, quarantined, deletions,
                    sourceSnapshot, changesSince, repair, repairReasons, schemas, recordSeparator);
        }
    }
}
