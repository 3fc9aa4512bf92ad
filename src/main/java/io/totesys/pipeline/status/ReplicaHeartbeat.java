package io.totesys.pipeline.status;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Named;

import org.apache.camel.cluster.CamelClusterService;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.operations.ClusterServiceProducer;
import io.totesys.pipeline.operations.ClusterSettings;
import io.totesys.pipeline.operations.CommandMode;
import io.totesys.pipeline.stage.Freshness;
import io.totesys.pipeline.stage.PipelineSettings;

/**
 * Every replica says in the pipeline schema, every {@code ETL_HEALTH_CHECK_INTERVAL}, that it is
 * there and whether it leads ({@code pipeline.replica}); the leader also samples the freshness
 * lag, at most twice a minute ({@code pipeline.freshness_sample}, a week kept); the stages' notes
 * of batches ({@code pipeline.stage_run}) go with the batch log ({@code PipelineRetention}). So the status
 * page of any replica shows the leader and the lag over the last day. Until the leader has
 * migrated the schema, and while the warehouse does not answer, the beats are lost quietly.
 */
@ApplicationScoped
public class ReplicaHeartbeat {

    private static final Logger LOG = Logger.getLogger(ReplicaHeartbeat.class);

    private static final String BEAT = """
            INSERT INTO pipeline.replica AS replica (replica_id, started_at, last_seen_at, leader)
            VALUES (?, ?, now(), ?)
            ON CONFLICT (replica_id) DO UPDATE
               SET started_at = excluded.started_at, last_seen_at = now(), leader = excluded.leader""";
    private static final String FORGET_REPLICAS = "DELETE FROM pipeline.replica WHERE last_seen_at < now() - interval '1 day'";
    private static final String SAMPLE = """
            INSERT INTO pipeline.freshness_sample (sampled_at, lag_seconds)
            SELECT now(), ? WHERE NOT EXISTS (SELECT 1 FROM pipeline.freshness_sample
                                               WHERE sampled_at > now() - interval '30 seconds')""";
    private static final String FORGET_SAMPLES = "DELETE FROM pipeline.freshness_sample WHERE sampled_at < now() - interval '7 days'";

    private final AgroalDataSource warehouse;
    private final CamelClusterService cluster;
    private final Freshness freshness;
    private final PipelineSettings settings;
    private final boolean runOnce;
    private final String replicaId;
    private final Instant startedAt = Instant.now();
    private final ScheduledExecutorService beater = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "replica-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    ReplicaHeartbeat(AgroalDataSource warehouse, @Named("pipelineClusterService") CamelClusterService cluster,
            Freshness freshness, PipelineSettings settings, ClusterSettings clusterSettings,
            @ConfigProperty(name = "etl.run-once") boolean runOnce) {
        this.warehouse = warehouse;
        this.cluster = cluster;
        this.freshness = freshness;
        this.settings = settings;
        this.runOnce = runOnce;
        this.replicaId = clusterSettings.kubernetes().podName().filter(name -> !name.isBlank())
                .orElseGet(() -> ManagementFactory.getRuntimeMXBean().getName());
    }

    void start(@Observes StartupEvent event) {
        if (!runOnce && !CommandMode.active()) {
            long interval = settings.health().checkInterval().toMillis();
            beater.scheduleWithFixedDelay(this::beat, interval, interval, TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    void stop() {
        beater.shutdownNow();
    }

    /** This replica's name on the status page: its pod name, or process id and host. */
    public String replicaId() {
        return replicaId;
    }

    /** Whether this replica holds the leadership now. */
    public boolean leads() {
        try {
            return cluster.isLeader(ClusterServiceProducer.MASTER_NAMESPACE);
        } catch (RuntimeException e) {
            return false;
        }
    }

    void beat() {
        boolean leader = leads();
        try (Connection connection = warehouse.getConnection()) {
            try (PreparedStatement beat = connection.prepareStatement(BEAT)) {
                beat.setString(1, replicaId);
                beat.setTimestamp(2, Timestamp.from(startedAt));
                beat.setBoolean(3, leader);
                beat.executeUpdate();
            }
            if (leader) {
                // on the beat's connection: the beat takes one connection of the stages' pool, not two
                Optional<Double> lag = Freshness.completeUpTo(connection).map(freshness::secondsSince);
                if (lag.isPresent()) {
                    try (PreparedStatement sample = connection.prepareStatement(SAMPLE)) {
                        sample.setDouble(1, lag.get());
                        sample.executeUpdate();
                    }
                }
                forgetOldNotes(connection);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debugf(e, "The heartbeat of replica %s was not recorded", replicaId);
        }
    }

    /**
     * What the leader forgets at each beat: lag samples older than a week, replicas not seen
     * for a day.
     */
    static void forgetOldNotes(Connection connection) throws SQLException {
        try (Statement forget = connection.createStatement()) {
            forget.executeUpdate(FORGET_SAMPLES);
            forget.executeUpdate(FORGET_REPLICAS);
        }
    }
}
