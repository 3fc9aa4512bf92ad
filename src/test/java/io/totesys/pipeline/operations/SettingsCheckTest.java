package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.retention.RetentionSettings;

/** The settings checked as the service starts, those without a server to ask. */
class SettingsCheckTest {

    /** Issue 12, point 4: {@code ETL_RECONCILE_INTERVAL=0} turns reconciliation off, and is no mistake. */
    @Test
    void aReconcileIntervalOfZeroTurnsReconciliationOff() {
        assertThat(SettingsCheck.reconcileIntervalProblem("0")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("0s")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("1h")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("hourly")).isEqualTo("is not a duration");
        assertThat(SettingsCheck.intervalProblem("0")).as("other periods must be positive").isNotNull();
    }

    /** Issue 25, point 4: multipart copies within S3's limits, or one line that names the setting. */
    @Test
    void multipartCopySettingsOutsideS3sLimitsAreNamed() {
        assertThat(LakeObjects.multipartCopyProblem(5L << 30, 512L << 20)).isNull();
        assertThat(LakeObjects.multipartCopyProblem(8192, 5L << 20)).isNull();
        assertThat(LakeObjects.multipartCopyProblem(6L << 30, 512L << 20)).startsWith(
                "S3_MULTIPART_COPY_THRESHOLD 6442450944 is not between 0 and 5368709120 bytes");
        assertThat(LakeObjects.multipartCopyProblem(5L << 30, 1 << 20)).startsWith(
                "S3_MULTIPART_COPY_PART_SIZE 1048576 is not between 5242880 (5 MiB) and 5368709120 bytes");
    }

    /** Issue 25, point 8: a retention shorter than a day would forget a batch a crash left waiting. */
    @Test
    void aRetentionShorterThanADayIsRefusedInOneLine() {
        assertThat(SettingsCheck.retentionProblem(retention(Duration.ofDays(90), Duration.ofDays(1), 1000))).isNull();
        assertThat(SettingsCheck.retentionProblem(retention(Duration.ofHours(12), Duration.ofDays(90), 1000)))
                .isEqualTo(
                        "ETL_RETENTION_BATCH_LOG 'PT12H' is shorter than a day: write a duration such as 30d or 90d");
        assertThat(SettingsCheck.retentionProblem(retention(Duration.ofDays(90), Duration.ofDays(90), 0)))
                .contains("ETL_RETENTION_DELETE_ROWS");
    }

    private static RetentionSettings retention(Duration batchLog, Duration others, int deleteRows) {
        return new RetentionSettings() {
            @Override
            public String interval() {
                return "1m";
            }

            @Override
            public Duration batchLog() {
                return batchLog;
            }

            @Override
            public Duration reconciliations() {
                return others;
            }

            @Override
            public Duration replayRequests() {
                return others;
            }

            @Override
            public int deleteRows() {
                return deleteRows;
            }

            @Override
            public int deletesPerPass() {
                return 20;
            }
        };
    }
}
