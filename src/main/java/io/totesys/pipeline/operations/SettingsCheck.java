package io.totesys.pipeline.operations;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import org.apache.camel.spi.CamelEvent.CamelContextInitializingEvent;
import org.apache.camel.util.TimeUtils;
import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.extract.ExtractSettings;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.LakeSettings;
import io.totesys.pipeline.retention.RetentionSettings;
import io.totesys.pipeline.schemadrift.SchemaChangePolicy;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.starschema.AddedColumns;
import io.totesys.pipeline.starschema.StarSchemaSettingException;
import io.totesys.pipeline.starschema.StarSchemaSettings;
import io.totesys.pipeline.starschema.WarehouseTable;
import software.amazon.awssdk.regions.Region;

/**
 * Settings checked as the service starts, those only the routes read, those of the lake and
 * the columns operators added to the star schema (which it then configures, before any route
 * starts): a malformed one stops the service at once with one line that names the setting and
 * says what to write.
 */
@ApplicationScoped
public class SettingsCheck {

    private static final Logger LOG = Logger.getLogger(SettingsCheck.class);

    private final Map<String, String> intervals = new LinkedHashMap<>();
    private final String reconcileInterval;
    private final LakeSettings lake;
    private final JolokiaSettings jolokia;
    private final ExtractSettings extract;
    private final StarSchemaSettings starSchema;
    private final CarriedColumns carried;
    private final Instance<SettingsRule> rules;
    private final RetentionSettings retention;

    SettingsCheck(PipelineSettings pipeline, LakeSettings lake, JolokiaSettings jolokia, ExtractSettings extract,
            StarSchemaSettings starSchema, RetentionSettings retention, CarriedColumns carried,
            @Any Instance<SettingsRule> rules) {
        this.rules = rules;
        this.reconcileInterval = pipeline.reconcileInterval();
        intervals.put("ETL_POLL_INTERVAL", pipeline.pollInterval());
        intervals.put("ETL_STAGE_POLL_INTERVAL", pipeline.stagePollInterval());
        intervals.put("ETL_RETRY_INITIAL_BACKOFF", pipeline.retry().initialBackoff());
        intervals.put("ETL_RETRY_MAX_BACKOFF", pipeline.retry().maxBackoff());
        intervals.put("ETL_RETENTION_INTERVAL", retention.interval());
        this.retention = retention;
        this.lake = lake;
        this.jolokia = jolokia;
        this.extract = extract;
        this.starSchema = starSchema;
        this.carried = carried;
    }

    /**
     * Runs before Camel builds the routes, which would otherwise fail on the setting with a
     * stack trace, or before the first request to S3; the service stops before any route
     * starts.
     */
    void check(@Observes CamelContextInitializingEvent event) {
        intervals.forEach((setting, value) -> {
            String problem = intervalProblem(value);
            if (problem != null) {
                stop("%s '%s' %s: write a duration such as 30s, 5m or 1h".formatted(setting, value, problem));
            }
        });
        String reconcile = reconcileIntervalProblem(reconcileInterval);
        if (reconcile != null) {
            stop("ETL_RECONCILE_INTERVAL '%s' %s: write a duration such as 30m or 1h, or 0 to turn reconciliation off"
                    .formatted(reconcileInterval, reconcile));
        }
        String kept = retentionProblem(retention);
        if (kept != null) {
            stop(kept);
        }
        extract.parallelTablesProblem().ifPresent(SettingsCheck::stop);
        String policy = policyProblem(extract.schemaChangePolicy());
        if (policy != null) {
            stop(policy);
        }
        String region = regionProblem(lake.s3().region(), lake.s3().endpoint());
        if (region != null) {
            stop(region);
        }
        String credentials = credentialsProblem(lake.s3().accessKeyId(), lake.s3().secretAccessKey());
        if (credentials != null) {
            stop(credentials);
        }
        String copies = LakeObjects.multipartCopyProblem(lake.s3().multipartCopyThreshold(),
                lake.s3().multipartCopyPartSize());
        if (copies != null) {
            stop(copies);
        }
        jolokia.allowedOrigins().orElse(List.of()).stream().map(SettingsCheck::originProblem)
                .filter(Objects::nonNull).findFirst().ifPresent(SettingsCheck::stop);
        rules.forEach(rule -> rule.problem().ifPresent(SettingsCheck::stop));
        String migrations = migrationsProblem(starSchema.migrations());
        if (migrations != null) {
            stop(migrations);
        }
        try {
            AddedColumns added = AddedColumns.parse(starSchema.addedColumns());
            WarehouseTable.configure(added);
            carried.carry(added.sourceColumns());
        } catch (StarSchemaSettingException e) {
            stop(e.getMessage());
        }
    }

    /** Why the folder of the operator's warehouse migrations is unusable, or {@code null} when it is fine. */
    static String migrationsProblem(Optional<String> folder) {
        if (folder.isEmpty() || folder.get().isBlank() || Files.isDirectory(Path.of(folder.get()))) {
            return null;
        }
        return "ETL_STAR_SCHEMA_MIGRATIONS '" + folder.get() + "' is not a folder: mount the folder of your "
                + "warehouse migrations (V1__add_discount_percent.sql, ...) and name it, or leave the setting unset";
    }

    private static void stop(String problem) {
        LOG.errorf("Configuration error: %s", problem);
        Runtime.getRuntime().halt(1);
    }

    /**
     * Why the region is unusable, or {@code null} when it is fine. Against AWS it must be
     * one of AWS's regions; S3-compatible servers name their regions as they like.
     */
    static String regionProblem(Optional<String> region, Optional<String> endpoint) {
        if (region.isEmpty() || endpoint.isPresent()) {
            return null;
        }
        return Region.regions().contains(Region.of(region.get())) ? null
                : "AWS_REGION '" + region.get() + "' is not an AWS region: set the lake buckets' region, such as "
                        + "eu-west-2, or S3_ENDPOINT for an S3-compatible server";
    }

    /** Why the access keys are unusable, or {@code null} when they are fine. */
    static String credentialsProblem(Optional<String> accessKeyId, Optional<String> secretAccessKey) {
        if (accessKeyId.isPresent() == secretAccessKey.isPresent()) {
            return null;
        }
        return (accessKeyId.isPresent() ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
                + ": set both, or neither to use the AWS default credentials chain (web identity, instance profile)";
    }

    /** Why the schema change policy is unusable, or {@code null} when it is fine. */
    static String policyProblem(String policy) {
        return SchemaChangePolicy.of(policy).isPresent() ? null
                : "ETL_SCHEMA_CHANGE_POLICY '" + policy + "' is not a policy: write " + SchemaChangePolicy.settings();
    }

    /** Why an origin Jolokia should answer browser pages of is unusable, or {@code null} when it is fine. */
    static String originProblem(String origin) {
        try {
            URI uri = new URI(origin);
            if ((uri.getScheme() != null && uri.getScheme().matches("https?")) && uri.getHost() != null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null) {
                return null;
            }
        } catch (URISyntaxException e) {
            // described below
        }
        return "ETL_JOLOKIA_ALLOWED_ORIGINS '" + origin + "' is not an origin: write scheme, host and port only, "
                + "such as https://hawtio.example.com, comma-separated";
    }

    /**
     * Why a retention setting is unusable, or {@code null} when all are fine: a batch must stay
     * in the logs for at least a day, so that one a crash left waiting, or a load repeated after
     * a crash, still finds its record; a delete removes at least one row.
     */
    static String retentionProblem(RetentionSettings retention) {
        Map<String, Duration> kept = new LinkedHashMap<>();
        kept.put("ETL_RETENTION_BATCH_LOG", retention.batchLog());
        kept.put("ETL_RETENTION_RECONCILIATIONS", retention.reconciliations());
        kept.put("ETL_RETENTION_REPLAY_REQUESTS", retention.replayRequests());
        for (Map.Entry<String, Duration> setting : kept.entrySet()) {
            if (setting.getValue().compareTo(Duration.ofDays(1)) < 0) {
                return "%s '%s' is shorter than a day: write a duration such as 30d or 90d".formatted(setting.getKey(),
                        setting.getValue());
            }
        }
        if (retention.deleteRows() < 1 || retention.deletesPerPass() < 1) {
            return "ETL_RETENTION_DELETE_ROWS and ETL_RETENTION_DELETES_PER_PASS must be at least 1";
        }
        return null;
    }

    /** Why the reconciliation interval is unusable, or {@code null} when it is fine: 0 turns it off. */
    static String reconcileIntervalProblem(String value) {
        try {
            return TimeUtils.toMilliSeconds(value) >= 0 ? null : "is negative";
        } catch (RuntimeException e) {
            return "is not a duration";
        }
    }

    /** Why a timer period is unusable, or {@code null} when it is fine. */
    static String intervalProblem(String value) {
        try {
            return TimeUtils.toMilliSeconds(value) > 0 ? null : "is not a positive duration";
        } catch (RuntimeException e) {
            return "is not a duration";
        }
    }
}
