package io.totesys.pipeline.reconcile;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.lake.SourceKeys;
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
 * nothing and is named in one WARN line. Their keys are kept too: the comparison of the
 * warehouse's current views with ToteSys leaves these rows out, since the warehouse cannot hold
 * them until they are replayed.
 */
@ApplicationScoped
class QuarantinedRows {

    private static final Logger LOG = Logger.getLogger(QuarantinedRows.class);
    private static final Pattern ROW_REPORT = Pattern.compile(".*\\.row-(-?\\d+)\\.error\\.json");

    /** The rows in quarantine per table, and their keys; a table none of whose rows is there is left out. */
    record Held(Map<SourceTable, Long> rows, Map<SourceTable, SourceKeys> keys) {
    }

    private final LakeBatches ingest;

    QuarantinedRows(@Named("ingestBatches") LakeBatches ingest) {
        this.ingest = ingest;
    }

    /** The rows in quarantine per ToteSys table, with their keys. */
    Held perTable() {
        Map<SourceTable, Long> rows = new EnumMap<>(SourceTable.class);
        Map<SourceTable, SourceKeys> keys = new EnumMap<>(SourceTable.class);
        for (String key : ingest.objects().keys(LakeLayout.QUARANTINE)) {
            String relativeKey = key.substring(LakeLayout.QUARANTINE.length());
            int slash = relativeKey.indexOf('/');
            if (slash < 0) {
                continue;
            }
            SourceTable.byTableName(relativeKey.substring(0, slash)).ifPresent(table -> {
                SourceKeys held = keys.computeIfAbsent(table, any -> SourceKeys.empty());
                Matcher report = ROW_REPORT.matcher(relativeKey);
                long count = 0;
                if (report.matches()) {
                    held.add(Integer.parseInt(report.group(1)));
                    count = 1;
                } else if (relativeKey.endsWith(".csv")) {
                    count = records(key, held);
                }
                if (count > 0) {
                    rows.merge(table, count, Long::sum);
                }
            });
        }
        keys.values().removeIf(SourceKeys::isEmpty);
        return new Held(rows, keys);
    }

    /**
     * The records of a quarantined CSV object after its header, their keys (the first field)
     * added to {@code held}, or 0 when it cannot be read as CSV.
     */
    private long records(String key, SourceKeys held) {
        try (InputStream content = ingest.objects().read(key);
                Reader reader = new InputStreamReader(content, StandardCharsets.UTF_8);
                CSVParser parser = CSVParser.parse(reader, ExtractedCsv.FORMAT)) {
            long records = 0;
            for (CSVRecord record : parser) {
                if (records++ > 0 && record.size() > 0) {
                    rowKey(record.get(0), held);
                }
            }
            return Math.max(0, records - 1);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            LOG.warnf("s3://%s/%s cannot be read as CSV (%s): its rows are not counted among those in quarantine",
                    ingest.bucket(), key, e.getMessage());
            return 0;
        } catch (MissingLakeObjectException e) {
            return 0; // replayed since it was listed: it left the quarantine
        }
    }

    private static void rowKey(String field, SourceKeys held) {
        try {
            held.add(Integer.parseInt(field));
        } catch (NumberFormatException e) {
            // a damaged record: counted, but no key of a row to leave out
        }
    }
}
