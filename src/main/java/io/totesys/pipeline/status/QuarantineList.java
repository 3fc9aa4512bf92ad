package io.totesys.pipeline.status;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.KeyListing;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.status.StatusView.Quarantined;

/**
 * The objects waiting under {@code quarantine/} in both buckets, newest batch first, each with
 * its report (row, column, problem) and the runbook's next step for it; and the rows left out
 * of objects that went on, whose reports wait there too. What a read costs is
 * bounded whatever the lake holds: one listing of at most {@link #LISTED} keys per bucket, and
 * only the reports not read before (a report is kept by its key and ETag).
 * <p>
 * A report is JSON in the lake, which anyone who can write to the bucket could have written:
 * the SQL of a next step is made only of values that are what they claim to be, a batch id
 * that is a {@link BatchId} and a table name from the catalogue (a row's key an integer, its
 * column one of the catalogue's).
 */
@ApplicationScoped
public class QuarantineList {

    /** The most quarantined objects the page lists. */
    static final int SHOWN = 25;
    /** The most keys one read lists in each bucket: one ListObjectsV2 request. */
    static final int LISTED = 1000;
    private static final String REPORT_SUFFIX = ".error.json";
    private static final Pattern OBJECT_EXTENSION = Pattern.compile("[a-z]{1,10}");
    /** The most reports kept read: those shown, with room for what the two buckets' lists bring. */
    private static final int KEPT = 4 * SHOWN;

    private final LakeBatches ingest;
    private final LakeBatches processed;
    private final ObjectMapper json;
    private final Map<KeyListing.Listed, Quarantined> read = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<KeyListing.Listed, Quarantined> eldest) {
            return size() > KEPT;
        }
    };

    /** The objects shown, and what the page says when the listing of a bucket stopped at {@link #LISTED} keys. */
    record Quarantine(List<Quarantined> objects, String more) {
    }

    /**
     * What the command {@code list-quarantine} prints: the reports read, newest batch first, and
     * how many there are in all.
     */
    public record Listing(List<Quarantined> objects, int reports) {
    }

    QuarantineList(@Named("ingestBatches") LakeBatches ingest, @Named("processedBatches") LakeBatches processed,
            ObjectMapper json) {
        this.ingest = ingest;
        this.processed = processed;
        this.json = json;
    }

    Quarantine objects() {
        record Report(LakeBatches bucket, KeyListing.Listed object) {
        }
        List<Report> reports = new ArrayList<>();
        List<String> truncated = new ArrayList<>();
        for (LakeBatches bucket : List.of(ingest, processed)) {
            KeyListing listing = bucket.objects().firstKeys(LakeLayout.QUARANTINE, LISTED);
            listing.objects().stream().filter(object -> object.key().endsWith(REPORT_SUFFIX))
                    .forEach(object -> reports.add(new Report(bucket, object)));
            if (listing.truncated()) {
                truncated.add("s3://" + bucket.bucket() + "/" + LakeLayout.QUARANTINE);
            }
        }
        reports.sort(Comparator.comparing(
                (Report report) -> LakeLayout.batchIdOf(LakeLayout.relative(report.object().key()))).reversed());
        List<Quarantined> objects = new ArrayList<>();
        for (Report report : reports.subList(0, Math.min(SHOWN, reports.size()))) {
            objects.add(report(report.bucket(), report.object()));
        }
        String more = truncated.isEmpty() ? ""
                : String.join(" and ", truncated) + (truncated.size() == 1 ? " holds" : " hold") + " more than "
                        + LISTED + " objects: the page lists the "
                        + "newest batches among the first " + LISTED + " keys of each; list the bucket for the rest";
        return new Quarantine(objects, more);
    }

    /**
     * Every report under {@code quarantine/} of both buckets, of one batch when named, listed
     * whole (page by page); the newest {@code shown} are read. For the command, which an
     * operator runs now and then; the page reads {@link #objects()}.
     */
    public Listing all(Optional<BatchId> batch, int shown) {
        record Report(LakeBatches bucket, String key, String batchId) {
        }
        List<Report> reports = new ArrayList<>();
        for (LakeBatches bucket : List.of(ingest, processed)) {
            for (String key : bucket.objects().keys(LakeLayout.QUARANTINE)) {
                String batchId = LakeLayout.batchIdOf(LakeLayout.relative(key));
                if (key.endsWith(REPORT_SUFFIX) && batch.map(id -> id.value().equals(batchId)).orElse(true)) {
                    reports.add(new Report(bucket, key, batchId));
                }
            }
        }
        reports.sort(Comparator.comparing(Report::batchId).reversed().thenComparing(Report::key));
        List<Quarantined> objects = reports.stream().limit(shown).map(report -> read(report.bucket(), report.key()))
                .toList();
        return new Listing(objects, reports.size());
    }

    private Quarantined report(LakeBatches bucket, KeyListing.Listed object) {
        synchronized (read) {
            Quarantined known = read.get(object);
            if (known != null) {
                return known;
            }
        }
        Quarantined report = read(bucket, object.key());
        synchronized (read) {
            read.put(object, report);
        }
        return report;
    }

    private Quarantined read(LakeBatches bucket, String reportKey) {
        String location = "s3://" + bucket.bucket() + "/" + reportKey;
        String relativeReportKey = LakeLayout.relative(reportKey);
        JsonNode report;
        try (InputStream content = bucket.objects().read(reportKey)) {
            report = json.readTree(content);
        } catch (IOException | RuntimeException e) {
            return new Quarantined(location, LakeLayout.batchIdOf(relativeReportKey), "", 0, "",
                    "the report cannot be read: " + e.getMessage(), "");
        }
        JsonNode object = report.path("object");
        String table = object.path("table").asText();
        String column = object.path("column").isNull() ? "" : object.path("column").asText();
        String objectKey = object.path("key").asText();
        Optional<BatchId> batch = batchId(report.path("batchId").asText())
                .or(() -> batchId(LakeLayout.batchIdOf(relativeReportKey)));
        String shownBatchId = batch.map(BatchId::value).orElse(report.path("batchId").asText());
        JsonNode rowKey = object.path("rowKey");
        if (!rowKey.isMissingNode() && !rowKey.isNull()) {
            // a row left out of an object that went on (to processed/)
            String objectLocation = rowKey.canConvertToInt()
                    && isBeside(objectKey, relativeReportKey, rowKey.asInt())
                            ? "s3://" + bucket.bucket() + "/" + LakeLayout.processed(objectKey)
                            : location;
            return new Quarantined(objectLocation, shownBatchId, table, object.path("row").asLong(), column,
                    object.path("problem").asText(), rowNextStep(table, rowKey, column, batch));
        }
        String objectLocation = isBeside(objectKey, relativeReportKey, null)
                ? "s3://" + bucket.bucket() + "/" + LakeLayout.quarantine(objectKey)
                : location;
        return new Quarantined(objectLocation, shownBatchId, table, object.path("row").asLong(), column,
                object.path("problem").asText(), nextStep(bucket == ingest, table, batch, objectLocation));
    }

    /**
     * Whether the object a report names is the one its key is the report of (the same key, a
     * plain extension), as the stage that wrote the report put it; a report that names an object
     * elsewhere is shown by its own place.
     */
    private static boolean isBeside(String objectKey, String relativeReportKey, Integer rowKey) {
        int dot = objectKey.lastIndexOf('.');
        if (dot <= 0 || !OBJECT_EXTENSION.matcher(objectKey.substring(dot + 1)).matches()) {
            return false;
        }
        String reportKey = rowKey == null ? LakeLayout.quarantineReportKey(objectKey)
                : LakeLayout.rowQuarantineReportKey(objectKey, rowKey);
        return reportKey.equals(relativeReportKey);
    }

    private static Optional<BatchId> batchId(String value) {
        try {
            return Optional.of(new BatchId(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * For a row left out of an object that went on: a replay alone would leave it out again. Its
     * table and column are the catalogue's, its key an integer, its batch id a {@link BatchId}.
     */
    static String rowNextStep(String table, JsonNode rowKey, String column, Optional<BatchId> batch) {
        Optional<SourceTable> source = SourceTable.byTableName(table);
        String value = source.isPresent() && source.get().columnNames().contains(column) && rowKey.canConvertToInt()
                ? source.get().tableName() + "." + column + " of key " + rowKey.asInt()
                : "the value the report names";
        String replay = batch.map(id -> " and replay the batch: " + replayCommand(id))
                .orElse(" and replay its batch (the report names no batch id)");
        return "Shorten " + value + " in ToteSys (the next extract carries the row again), or raise "
                + "ETL_MAX_FIELD_LENGTH" + replay;
    }

    /**
     * The runbook's next step (docs/operations.md#operators-runbook-quarantine-fix-replay-check),
     * its SQL made of a checked batch id and a table of the catalogue only.
     */
    static String nextStep(boolean extractObject, String table, Optional<BatchId> batch, String location) {
        if (batch.isEmpty()) {
            return "The report names no batch id: find the object's batch in the batch log, then replay it "
                    + "(docs/operations.md, the operator's runbook)";
        }
        String replay = replayCommand(batch.get());
        if (LakeLayout.MANIFESTS.equals(table)) {
            return "Write a corrected manifest at " + location + ", then replay the batch: " + replay;
        }
        if (extractObject) {
            String step = "Put the object back as its manifest describes it (S3 versioning or a backup) at " + location
                    + ", then replay the batch: " + replay;
            return SourceTable.byTableName(table)
                    .map(source -> step + "; if it cannot be had, extract the table again whole: "
                            + "totesys-pipeline reextract " + source.tableName() + " --wait (or INSERT INTO "
                            + "pipeline.replay_request (table_name) VALUES ('" + source.tableName() + "'))")
                    .orElse(step);
        }
        return "Replay its extract batch, which writes the object again from the CSVs: " + replay;
    }

    /** The command that replays a batch, with the SQL it stands for as the fallback. */
    private static String replayCommand(BatchId batch) {
        return "totesys-pipeline replay " + batch.value() + " --wait (or INSERT INTO pipeline.replay_request "
                + "(batch_id) VALUES ('" + batch.value() + "'))";
    }
}
