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
 * How far the warehouse is behind ToteSys: the time since the point, in ToteSys's clock,
 * up to which the warehouse holds every change. While extracted batches wait to be
 * loaded, that point is the high-water mark of the last batch loaded; once every batch is
 * loaded, it is the extract watermark, which moves on even when ToteSys is idle.
 */
@ApplicationScoped
public class Freshness {

    private static final String COMPLETE_UP_TO = """
            SELECT CASE
                     WHEN EXISTS (SELECT 1 FROM pipeline.extract_batch e
                                   WHERE e.status = 'PUBLISHED'
                                     AND NOT EXISTS (SELECT 1 FROM pipeline.load_batch l WHERE l.batch_id = e.batch_id))
                     THEN (SELECT max(high_water) FROM pipeline.load_batch)
                     ELSE (SELECT min(high_water) FROM pipeline.extract_watermark)
                   END""";

    private final AgroalDataSource warehouse;
    private final ZoneId sourceZone;

    Freshness(AgroalDataSource warehouse, PipelineSettings settings) {
        this.warehouse = warehouse;
        this.sourceZone = settings.source().timeZone();
    }

    /** The point in ToteSys time up to which the warehouse is complete, once anything was loaded. */
    public Optional<LocalDateTime> completeUpTo() {
        try (Connection connection = warehouse.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(COMPLETE_UP_TO)) {
            result.next();
            return Optional.ofNullable(result.getObject(1, LocalDateTime.class));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** The lag in seconds; NaN while nothing was loaded or the warehouse does not answer. */
    public double lagSeconds() {
        return completeUpTo()
                .map(point -> Duration.between(point, LocalDateTime.now(sourceZone)).toMillis() / 1000.0)
                .orElse(Double.NaN);
    }
}
