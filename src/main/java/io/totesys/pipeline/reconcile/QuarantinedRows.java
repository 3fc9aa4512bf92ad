package io.totesys.pipeline.reconcile;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.commons.csv.CSVParser;
import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.lake.csv.ExtractedCsv;

/**
 * The rows of ToteSys the lake holds only in the ingest bucket's {@code quarantine/}: the
 * records of the extract objects the transform quarantined (whole, or with the rest of a batch
 * whose manifest it refused) and the rows it left out of an object whose other rows went on
 * (one report each, named for the row's key). No batch carried them into the warehouse, and
 * none will until they are replayed: reconciliation counts them per table
 * ({@code pipeline.reconcile_run.quarantined}, {@code pipeline_reconcile_quarantined_rows}) apart
 * from the rows the lake holds. A replayed object leaves {@code quarantine/}, and so leaves the
 * count. An object in quarantine that cannot be read as CSV, since it was damaged, counts
 * nothing and is named in one WARN line.
 */
@ApplicationScoped
class QuarantinedRows {

    private static final Logger LOG = Logger.getLogger(QuarantinedRows.class);
    private static final Pattern ROW_REPORT = Pattern.compile(".*\\.row--?\\d+\\.error\\.json");

    private final LakeBatches ingest;

    QuarantinedRows(@Named("ingestBatches") LakeBatches ingest) {
        this.ingest = ingest;
    }

    /** The rows in quarantine per ToteSys table; a table none of whose rows is there is left out. */
    Map<SourceTable, Long> perTable() {
        Map<SourceTable, Long> rows = new EnumMap<>(SourceTable.class);
        for (String key : ingest.objects().keys(LakeLayout.QUARANTINE)) {
            String relativeKey = key.substring(LakeLayout.QUARANTINE.length());
            int slash = relativeKey.indexOf('/');
            if (slash < 0) {
                continue;
            }
            SourceTable.byTableName(relativeKey.substring(0, slash)).ifPresent(table -> {
                long count = ROW_REPORT.matcher(relativeKey).matches() ? 1
                        : relativeKey.endsWith(".csv") ? records(key) : 0;
                if (count > 0) {
                    rows.merge(table, count, Long::sum);
                }
            });
        }
        return rows;
    }

    /** The records of a quarantined CSV object after its header, or 0 when it cannot be read as CSV. */
    private long records(String key) {
        try (InputStream content = ingest.objects().read(key);
                Reader reader = new InputStreamReader(content, StandardCharsets.UTF_8);
                CSVParser parser = CSVParser.parse(reader, ExtractedCsv.FORMAT)) {
            long records = parser.stream().count();
            return Math.max(0, records - 1);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            LOG.warnf("s3://%s/%s cannot be read as CSV (%s): its rows are not counted among those in quarantine",
                    ingest.bucket(), key, e.getMessage());
            return 0;
        } catch (MissingLakeObjectException e) {
            return 0; // replayed since it was listed: it left the quarantine
        }
    }
}
