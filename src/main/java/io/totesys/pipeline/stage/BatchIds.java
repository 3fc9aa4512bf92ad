package io.totesys.pipeline.stage;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;

/**
 * Hands out the ids of new batches: extract batches, reconciliations and their repair batches
 * (issue 24, point 2). Batch order decides which row version the warehouse holds as current
 * (dimension upserts, reference rows, the {@code *_current} views, deletions), so it must not
 * depend on the wall clock: a new id is never below the last one, the greatest in the batch log
 * ({@code pipeline.extract_batch}, whichever replica recorded it) or the last one handed out
 * here (a reconciliation's, a batch that found no changes). When the clock reads that id's
 * instant or earlier (a failover to a replica whose clock is behind, an NTP step back, two ids
 * within a millisecond), the new id takes that instant plus 1 ms; its form, and so its date
 * partition in the lake, stay as they are. A clock found behind an earlier reading (its own, or
 * the instant of an id another replica or an earlier run recorded) is said once, in a WARN line
 * with by how much it is behind the last id; an INFO line says when it has passed that id again.
 * <p>
 * Ids are handed out under the extract stage's lock ({@link StageLocks}), which a run of the
 * stage and a reconciliation take before they open a batch and keep until their exchange
 * completes, the batch recorded: no other replica hands out or records one in between.
 */
@ApplicationScoped
public class BatchIds {

    private static final Logger LOG = Logger.getLogger(BatchIds.class);
    private static final String LAST_RECORDED = "SELECT max(batch_id) FROM pipeline.extract_batch";

    private final Supplier<Optional<BatchId>> lastRecorded;
    private final Clock clock;
    private BatchId lastHandedOut;
    private Instant lastReading;
    private boolean clockBehind;

    @Inject
    BatchIds(AgroalDataSource warehouse, Clock clock) {
        this(() -> lastRecorded(warehouse), clock);
    }

    BatchIds(Supplier<Optional<BatchId>> lastRecorded, Clock clock) {
        this.lastRecorded = lastRecorded;
        this.clock = clock;
    }

    /** The id of a new batch: the clock's instant, or 1 ms after the last id when the clock is not past it. */
    public synchronized BatchId next() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Optional<BatchId> newerRecorded = lastRecorded.get()
                .filter(recorded -> lastHandedOut == null || recorded.compareTo(lastHandedOut) > 0);
        BatchId last = newerRecorded.orElse(lastHandedOut);
        Instant earlierReading = newerRecorded.map(BatchId::instant).orElse(lastReading);
        lastReading = now;
        if (last == null || now.isAfter(last.instant())) {
            if (clockBehind) {
                LOG.infof("The clock (%s) is past the last batch id again: batch ids follow it", now);
                clockBehind = false;
            }
            lastHandedOut = BatchId.startingAt(now);
            return lastHandedOut;
        }
        if (now.isBefore(earlierReading)) {
            LOG.warnf("The clock (%s) is %s s behind the last batch id %s (a failover to a replica whose clock is "
                    + "behind, or a clock step back): new batch ids go on from it, 1 ms apart, until the clock "
                    + "passes it", now, BigDecimal.valueOf(Duration.between(now, last.instant()).toMillis(), 3), last);
            clockBehind = true;
        }
        lastHandedOut = BatchId.startingAt(last.instant().plusMillis(1));
        return lastHandedOut;
    }

    private static Optional<BatchId> lastRecorded(AgroalDataSource warehouse) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(LAST_RECORDED);
                ResultSet last = statement.executeQuery()) {
            last.next();
            return Optional.ofNullable(last.getString(1)).map(BatchId::new);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the last batch id failed", e);
        }
    }
}
