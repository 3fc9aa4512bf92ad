package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

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
 */
@ApplicationScoped
public class StageLocks {

    private static final Logger LOG = Logger.getLogger(StageLocks.class);
    /** The stages' lock keys start at 'TOTE' in ASCII. */
    private static final long FIRST_KEY = 0x544F5445L;

    private final AgroalDataSource warehouse;

    StageLocks(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** Waits until no other consumer runs the stage, then holds it until the exchange completes. */
    public void holdFor(PipelineStage stage, Exchange exchange) {
        long key = FIRST_KEY + stage.ordinal();
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_lock(" + key + ")");
            }
        } catch (SQLException e) {
            close(connection, stage);
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
