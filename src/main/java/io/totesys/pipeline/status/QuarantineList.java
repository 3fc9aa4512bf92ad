package io.totesys.pipeline.status;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.status.StatusView.Quarantined;

/**
 * The objects waiting under {@code quarantine/} in both buckets, newest batch first, each with
 * its report (row, column, problem) and the runbook's next step for it; and the rows left out
 * of objects that went on, whose reports wait there too.
 */
@ApplicationScoped
class QuarantineList {

    /** The most quarantined objects the page lists. */
    static final int SHOWN = 25;
    private static final String REPORT_SUFFIX = ".error.json";

    private final LakeBatches ingest;
    private final LakeBatches processed;
    private final ObjectMapper json;

    QuarantineList(@Named("ingestBatches") LakeBatches ingest, @Named("processedBatches") LakeBatches processed,
            ObjectMapper json) {
        this.ingest = ingest;
        this.processed = processed;
        this.json = json;
    }

    List<Quarantined> objects() {
        record Report(LakeBatches bucket, String key) {
        }
        List<Report> reports = new ArrayList<>();
        for (LakeBatches bucket : List.of(ingest, processed)) {
            bucket.objects().keys(LakeLayout.QUARANTINE).stream().filter(key -> key.endsWith(REPORT_SUFFIX))
                    .forEach(key -> reports.add(new Report(bucket, key)));
        }
        reports.sort(Comparator.comparing((Report report) -> LakeLayout.batchIdOf(LakeLayout.relative(report.key())))
                .reversed());
        List<Quarantined> objects = new ArrayList<>();
        for (Report report : reports.subList(0, Math.min(SHOWN, reports.size()))) {
            objects.add(read(report.bucket(), report.key()));
        }
        return objects;
    }

    private Quarantined read(LakeBatches bucket, String reportKey) {
        String location = "s3://" + bucket.bucket() + "/" + reportKey;
        JsonNode report;
        try (InputStream content = bucket.objects().read(reportKey)) {
            report = json.readTree(content);
        } catch (IOException | RuntimeException e) {
            return new Quarantined(location, LakeLayout.batchIdOf(LakeLayout.relative(reportKey)), "", 0, "",
                    "the report cannot be read: " + e.getMessage(), "");
        }
        JsonNode object = report.path("object");
        String batchId = report.path("batchId").asText();
        String table = object.path("table").asText();
        String column = object.path("column").isNull() ? "" : object.path("column").asText();
        if (object.hasNonNull("rowKey")) {
            String objectLocation = "s3://" + bucket.bucket() + "/" + LakeLayout.processed(object.path("key").asText());
            return new Quarantined(objectLocation, batchId, table, object.path("row").asLong(), column,
                    object.path("problem").asText(),
                    rowNextStep(table, object.path("rowKey").asInt(), column, batchId));
        }
        String objectLocation = "s3://" + bucket.bucket() + "/" + LakeLayout.quarantine(object.path("key").asText());
        return new Quarantined(objectLocation, batchId, table, object.path("row").asLong(), column,
                object.path("problem").asText(), nextStep(bucket == ingest, table, batchId, objectLocation));
    }

    /** For a row left out of an object that went on: a replay alone would leave it out again. */
    private static String rowNextStep(String table, int rowKey, String column, String batchId) {
        return "Shorten " + table + "." + column + " of key " + rowKey + " in ToteSys (the next extract carries the "
                + "row again), or raise ETL_MAX_FIELD_LENGTH and replay the batch: "
                + "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + batchId + "')";
    }

    /** The runbook's next step (docs/operations.md#operators-runbook-quarantine-fix-replay-check). */
    private static String nextStep(boolean extractObject, String table, String batchId, String location) {
        String replay = "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + batchId + "')";
        if (LakeLayout.MANIFESTS.equals(table)) {
            return "Write a corrected manifest at " + location + ", then replay the batch: " + replay;
        }
        if (extractObject) {
            return "Put the object back as its manifest describes it (S3 versioning or a backup) at " + location
                    + ", then replay the batch: " + replay + "; if it cannot be had, extract the table again whole: "
                    + "INSERT INTO pipeline.replay_request (table_name) VALUES ('" + table + "')";
        }
        return "Replay its extract batch, which writes the object again from the CSVs: " + replay;
    }
}
