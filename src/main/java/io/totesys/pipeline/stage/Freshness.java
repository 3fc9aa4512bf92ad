package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * How far the warehouse is behind ToteSys: the time since the point, in ToteSys's clock, up to
 * which the warehouse holds every change, so that the oldest change not yet in it came after
 * that point. While extracted batches wait for the transform and the load, it is where the
 * oldest of them starts (its low-water mark: where its tables were read from); once every
 * batch is loaded, it is the extract watermark, which each poll moves on even when it finds
 * nothing, so that an idle ToteSys leaves the lag at about one poll. A table the extract holds
 * keeps its watermark, and the lag with it.
 * <p>
 * A batch whose manifest was quarantined never reaches the warehouse until it is replayed: it
 * is counted on its own ({@link QuarantinedBatches}) and does not hold the lag back. Neither
 * does an older batch being replayed: the stages take batches oldest first, so only batches
 * newer than the newest one loaded wait. The read is one statement of index look-ups, the
 * newest loaded batch and the batches after it up to the first waiting one, whatever the
 * logs hold.
 */
@ApplicationScoped
public class Freshness {

    static final String POSITIONS = """
            WITH last_loaded AS (
                   SELECT batch_id, high_water FROM pipeline.load_batch ORDER BY batch_id DESC LIMIT 1),
                 oldest_waiting AS (
                   SELECT e.low_water FROM pipeline.extract_batch e
                    WHERE e.batch_id > coalesce((SELECT batch_id FROM last_loaded), '')
                      AND e.status = 'PUBLISHED'
                      AND NOT EXISTS (SELECT 1 FROM pipeline.quarantined_batch q
                                       WHERE q.batch_id = e.batch_id AND q.replayed_at IS NULL)
                    ORDER BY e.batch_id LIMIT 1)
            SELECT EXISTS (SELECT 1 FROM oldest_waiting),
                   (SELECT low_water FROM oldest_waiting),
                   (SELECT high_water FROM last_loaded),
                   (SELECT min(high_water) FROM pipeline.extract_watermark)""";

    private final AgroalDataSource warehouse;
    private final ZoneId sourceZone;

    Freshness(AgroalDataSource warehouse, PipelineSettings settings) {
        this.warehouse = warehouse;
        this.sourceZone = settings.source().timeZone();
    }

    /**
     * The point in ToteSys time up to which the warehouse is complete; none while the first
     * batch, which reads every table whole, waits, or the warehouse does not answer.
     */
    public Optional<LocalDateTime> completeUpTo() {
        try (Connection connection = warehouse.getConnection()) {
            return completeUpTo(connection);
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** The same, read through a connection the caller holds (the status page's own, the heartbeat's). */
    public static Optional<LocalDateTime> completeUpTo(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(POSITIONS)) {
            result.next();
            LocalDateTime watermark = result.getObject(4, LocalDateTime.class);
            if (!result.getBoolean(1)) {
                return Optional.ofNullable(watermark);
            }
            LocalDateTime waitingFrom = result.getObject(2, LocalDateTime.class);
            if (waitingFrom == null) {
                // it reads every table whole, or was recorded before low-water marks were kept
                waitingFrom = result.getObject(3, LocalDateTime.class);
            }
            if (waitingFrom == null || watermark == null) {
                return Optional.ofNullable(waitingFrom);
            }
            return Optional.of(watermark.isBefore(waitingFrom) ? watermark : waitingFrom);
        }
    }

    /** The lag in seconds; NaN while the warehouse is complete up to no point yet ({@link #completeUpTo}). */
    public double lagSeconds() {
        return completeUpTo().map(this::secondsSince).orElse(Double.NaN);
    }

    /** Seconds from a point in ToteSys time to now. */
    public double secondsSince(LocalDateTime point) {
        return Duration.between(point, LocalDateTime.now(sourceZone)).toMillis() / 1000.0;
    }
}
