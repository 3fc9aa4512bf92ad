package io.totesys.pipeline.operations;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.lake.LakeBuckets;
import io.totesys.pipeline.schemadrift.SchemaChanges;
import io.totesys.pipeline.source.SourceReadException;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * Readiness: whether ToteSys, the warehouse and both lake buckets answer. Each is checked
 * in the background every {@code ETL_HEALTH_CHECK_INTERVAL}, so a probe never waits on a
 * dead host; the probe reports the latest results. A dependency that fails is DOWN with
 * the one-line diagnosis that names it and the setting to check, and comes back UP by
 * itself once it answers again.
 * <p>
 * A table the extract holds because ToteSys changed a column the star schema needs is
 * reported in the data ({@code held <table>}: what to do), and readiness stays UP: the pod
 * works, every other table flows.
 */
@Readiness
@ApplicationScoped
public class DependencyHealth implements HealthCheck {

    /** What readiness depends on. */
    enum Dependency {
        TOTESYS, WAREHOUSE, LAKE
    }

    private static final Logger LOG = Logger.getLogger(DependencyHealth.class);
    private static final int VALIDATION_TIMEOUT_SECONDS = 5;
    private static final String NOT_CHECKED = "not checked yet";

    private final AgroalDataSource totesys;
    private final AgroalDataSource warehouse;
    private final LakeBuckets buckets;
    private final FailureDiagnosis diagnosis;
    private final SchemaChanges schemaChanges;
    private final Duration interval;
    private final Map<Dependency, Optional<String>> problems = new EnumMap<>(Dependency.class);
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "dependency-health");
        thread.setDaemon(true);
        return thread;
    });

    DependencyHealth(@DataSource("totesys") AgroalDataSource totesys, AgroalDataSource warehouse, LakeBuckets buckets,
            FailureDiagnosis diagnosis, PipelineSettings settings, SchemaChanges schemaChanges) {
        this.totesys = totesys;
        this.warehouse = warehouse;
        this.buckets = buckets;
        this.diagnosis = diagnosis;
        this.schemaChanges = schemaChanges;
        this.interval = settings.health().checkInterval();
        for (Dependency dependency : Dependency.values()) {
            problems.put(dependency, Optional.of(NOT_CHECKED));
        }
    }

    void start(@Observes StartupEvent event) {
        if (CommandMode.active()) {
            return;
        }
        checker.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        checker.shutdownNow();
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("pipeline dependencies").up();
        synchronized (problems) {
            problems.forEach((dependency, problem) -> {
                String name = dependency.name().toLowerCase(Locale.ROOT);
                if (problem.isPresent()) {
                    response.down().withData(name, problem.get());
                } else {
                    response.withData(name, "UP");
                }
            });
        }
        schemaChanges.heldTables().forEach((table, reason) -> response.withData("held " + table, reason));
        return response.build();
    }

    private void checkAll() {
        record(Dependency.TOTESYS, () -> {
            try {
                validate(totesys);
            } catch (Exception e) {
                throw new SourceReadException("connecting to ToteSys failed", e);
            }
        });
        record(Dependency.WAREHOUSE, () -> {
            try {
                validate(warehouse);
            } catch (Exception e) {
                throw new PipelineStateException("connecting to the warehouse failed", e);
            }
        });
        record(Dependency.LAKE, () -> {
            buckets.verifyIngest();
            buckets.verifyProcessed();
        });
    }

    private void record(Dependency dependency, Runnable check) {
        Optional<String> problem;
        try {
            check.run();
            problem = Optional.empty();
        } catch (RuntimeException e) {
            problem = Optional.of(diagnosis.explain(e));
        }
        Optional<String> before;
        synchronized (problems) {
            before = problems.put(dependency, problem);
        }
        boolean firstCheck = before.filter(NOT_CHECKED::equals).isPresent();
        if (!problem.equals(before)) {
            if (problem.isPresent()) {
                LOG.warnf("Not ready: %s", problem.get());
            } else if (!firstCheck) {
                LOG.infof("Ready again: %s answers", dependency.name().toLowerCase(Locale.ROOT));
            }
        }
    }

    private static void validate(AgroalDataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            if (!connection.isValid(VALIDATION_TIMEOUT_SECONDS)) {
                throw new SQLException("the connection did not answer within " + VALIDATION_TIMEOUT_SECONDS
                        + " s", "08006");
            }
        }
    }
}
