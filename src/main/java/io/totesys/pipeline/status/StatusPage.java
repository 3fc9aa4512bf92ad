package io.totesys.pipeline.status;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.Readiness;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.totesys.pipeline.operations.DependencyHealth;
import io.totesys.pipeline.operations.FailureDiagnosis;
import io.totesys.pipeline.stage.Freshness;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStateException;
import io.totesys.pipeline.status.StatusView.Dependency;
import io.totesys.pipeline.status.StatusView.Lag;
import io.totesys.pipeline.status.StatusView.Part;

/**
 * Reads what the status page shows: the pipeline schema in the warehouse (stages, batches,
 * chart, reconciliation, schema holds, replicas), the lake's quarantine, and readiness. A part
 * whose source is down, as readiness last found it or as the read finds it, says so in one
 * line that never holds a secret (the diagnosis readiness and the logs give); the rest shows.
 */
@ApplicationScoped
public class StatusPage {

    /** Readiness's word for a dependency that answers. */
    private static final String UP = "UP";

    private final AgroalDataSource warehouse;
    private final Freshness freshness;
    private final QuarantineList quarantine;
    private final DependencyHealth health;
    private final FailureDiagnosis diagnosis;
    private final ReplicaHeartbeat heartbeat;
    private final PipelineSettings settings;
    private final long progressFresh;

    StatusPage(@DataSource("status") AgroalDataSource warehouse, Freshness freshness, QuarantineList quarantine,
            @Readiness DependencyHealth health,
            FailureDiagnosis diagnosis, ReplicaHeartbeat heartbeat, PipelineSettings settings,
            StatusSettings status) {
        this.progressFresh = Math.max(30, 3 * status.cache().toSeconds());
        this.warehouse = warehouse;
        this.freshness = freshness;
        this.quarantine = quarantine;
        this.health = health;
        this.diagnosis = diagnosis;
        this.heartbeat = heartbeat;
        this.settings = settings;
    }

    /**
     * The page, with the batch log's page just older than {@code before} or newer than
     * {@code after}, read now: through the page's own connection to the warehouse, never one of
     * the stages' ({@link RecentPages} reads it once for every viewer).
     */
    public StatusView read(String before, String after) {
        Map<String, String> readiness = readiness();
        List<Dependency> dependencies = new ArrayList<>();
        readiness.forEach((name, state) -> dependencies.add(new Dependency(name, UP.equals(state), state)));
        String replica = heartbeat.replicaId() + (heartbeat.leads() ? " (leader)" : "");
        String generatedAt = Formats.time(OffsetDateTime.now(ZoneOffset.UTC));

        String lakeProblem = problem(readiness.get("lake"));
        Part<QuarantineList.Quarantine> quarantine = lakeProblem != null ? Part.unreachable(lakeProblem)
                : read(this.quarantine::objects);
        Part<List<StatusView.Quarantined>> quarantined = quarantine.shown()
                ? Part.of(quarantine.content().objects())
                : Part.unreachable(quarantine.unreachable());
        String quarantineMore = quarantine.shown() ? quarantine.content().more() : "";

        String warehouseProblem = problem(readiness.get("warehouse"));
        if (warehouseProblem != null) {
            return new StatusView(generatedAt, replica, Part.unreachable(warehouseProblem),
                    Part.unreachable(warehouseProblem), Part.unreachable(warehouseProblem),
                    Part.unreachable(warehouseProblem),
                    Part.unreachable(warehouseProblem), Part.unreachable(warehouseProblem), quarantined,
                    Part.unreachable(warehouseProblem), Part.unreachable(warehouseProblem),
                    Part.unreachable(warehouseProblem), dependencies, quarantineMore);
        }
        try (Connection connection = warehouse.getConnection()) {
            return new StatusView(generatedAt, replica, read(() -> StatusQueries.stages(connection)),
                    read(() -> StatusQueries.underWay(connection, progressFresh)),
                    read(() -> lag(connection)), read(() -> StatusQueries.replicas(connection)),
                    read(() -> StatusQueries.batches(connection, before, after)),
                    read(() -> ActivityChart.read(connection)), quarantined,
                    read(() -> StatusQueries.reconciliation(connection)),
                    read(() -> StatusQueries.schemaHolds(connection)),
                    read(() -> ReplayRequestList.latest(connection)), dependencies, quarantineMore);
        } catch (SQLException e) {
            String unreachable = diagnosis.explain(new PipelineStateException("connecting to the warehouse failed", e));
            return new StatusView(generatedAt, replica, Part.unreachable(unreachable), Part.unreachable(unreachable),
                    Part.unreachable(unreachable),
                    Part.unreachable(unreachable), Part.unreachable(unreachable), Part.unreachable(unreachable),
                    quarantined, Part.unreachable(unreachable), Part.unreachable(unreachable),
                    Part.unreachable(unreachable), dependencies, quarantineMore);
        }
    }

    /** Readiness as the last background check found it: each dependency UP or its diagnosis, and held tables. */
    Map<String, String> readiness() {
        Map<String, String> states = new LinkedHashMap<>();
        health.call().getData()
                .ifPresent(data -> data.forEach((name, state) -> states.put(name, String.valueOf(state))));
        return states;
    }

    /** The diagnosis of a dependency readiness found down; none while it is up or not checked yet. */
    private static String problem(String state) {
        return state == null || UP.equals(state) || state.equals("not checked yet") ? null : state;
    }

    private Lag lag(Connection connection) throws SQLException {
        return Freshness.completeUpTo(connection)
                .map(point -> new Lag(Formats.seconds(freshness.secondsSince(point)),
                        point.toString().replace('T', ' ') + " (" + settings.source().timeZone() + ")"))
                .orElseGet(() -> new Lag("nothing loaded yet", ""));
    }

    /** Reads a part of the page; a failure shows as the part's one-line diagnosis. */
    private <T> Part<T> read(PartReader<T> reader) {
        try {
            return Part.of(reader.read());
        } catch (SQLException e) {
            return Part.unreachable(diagnosis.explain(new PipelineStateException("reading the pipeline schema failed",
                    e)));
        } catch (RuntimeException e) {
            return Part.unreachable(diagnosis.explain(e));
        }
    }

    @FunctionalInterface
    private interface PartReader<T> {
        T read() throws SQLException;
    }
}
