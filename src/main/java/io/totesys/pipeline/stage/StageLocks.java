package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;

/**
 * One consumer at a time per stage, whichever replica or thread it runs in. Leader
 * election already lets one replica run the stages, but a leader can lose its lease in
 * the middle of a batch (a long pause, a network split) while a new leader starts: then two
 * consumers would read the same watermarks or the same manifest. Each stage run therefore
 * holds a PostgreSQL advisory lock of its stage in the warehouse, the database that keeps
 * the pipeline's state, from before it reads that state until its exchange completes. A
 * second consumer waits, then finds the work done. A consumer that dies releases its lock
 * with its database session.
 * <p>
 * Within one replica, the stage's poll and its wake-up (a batch the previous stage has just
 * published) can start a run at the same time: the second waits on an in-process permit
 * first, so that a waiting run holds no pooled connection.
 */
@ApplicationScoped
public class StageLocks {

    private static final Logger LOG = Logger.getLogger(StageLocks.class);
    /** The stages' lock keys start at 'TOTE' in ASCII. */
    private static final long FIRST_KEY = 0x544F5445L;

    private final AgroalDataSource warehouse;
    private final Map<PipelineStage, Semaphore> runningHere = new EnumMap<>(PipelineStage.class);

    StageLocks(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
        for (PipelineStage stage : PipelineStage.values()) {
            runningHere.put(stage, new Semaphore(1));
        }
    }

    /** The key of the stage's PostgreSQL advisory lock, which a run holds in the warehouse. */
    public static long advisoryLockKey(PipelineStage stage) {
        return FIRST_KEY + stage.ordinal();
    }

    /** Waits until no other consumer runs the stage, then holds it until the exchange completes. */
    public void holdFor(PipelineStage stage, Exchange exchange) {
        long key = advisoryLockKey(stage);
        Semaphore permit = runningHere.get(stage);
        try {
            permit.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipelineStateException("interrupted while waiting for the " + stage.stageName()
                    + " stage's run on this replica", e);
        }
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_lock(" + key + ")");
            }
        } catch (SQLException | RuntimeException e) {
            close(connection, stage);
            permit.release();
            throw new PipelineStateException(
                    "taking the " + stage.stageName() + " stage's lock in the warehouse failed",
                    e);
        }
        Connection held = connection;
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            /** The lock stays with this exchange: a copy handed to another stage (a wake-up) must not take it along. */
            @Override
            public boolean allowHandover() {
                return false;
            }

            @Override
            public void onDone(Exchange completed) {
                try (Statement statement = held.createStatement()) {
                    statement.execute("SELECT pg_advisory_unlock(" + key + ")");
                } catch (SQLException e) {
                    LOG.debugf(e, "releasing the %s stage's lock failed; closing its session releases it",
                            stage.stageName());
                }
                close(held, stage);
                permit.release();
            }
        });
    }

    private static void close(Connection connection, PipelineStage stage) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debugf(e, "closing the %s stage's lock session failed", stage.stageName());
            }
        }
    }
}
