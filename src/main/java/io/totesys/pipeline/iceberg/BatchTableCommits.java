package io.totesys.pipeline.iceberg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.starschema.ParquetPartWriter;
import io.totesys.pipeline.starschema.TransformBatch;
import io.totesys.pipeline.starschema.TransformSettings;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Commits what one transform batch wrote for one star schema table to its Iceberg table, in
 * one commit whose summary names the batch (docs/architecture.md#iceberg-tables):
 * <ul>
 * <li>a fact's parts are appended: its history is the table; so are {@code dim_date}'s, whose
 * batches bring only days the calendar did not cover yet;</li>
 * <li>a dimension keeps one row per member, the latest batch's, and none for a member deleted
 * since: the files that hold an earlier version of a member the batch brings or deletes are
 * replaced by copies without those rows (copy on write), in the same commit as the batch's
 * parts, so that every reader sees plain data files and no delete files.</li>
 * </ul>
 * A batch the table holds already (its run crashed after the commit, or never learnt that it
 * succeeded) is not committed again: the batch's manifest names the files that commit brought,
 * and this run's go.
 */
@ApplicationScoped
public class BatchTableCommits {

    private static final Logger LOG = Logger.getLogger(BatchTableCommits.class);
    private static final String PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";
    private static final Configuration HADOOP = new Configuration(false);

    private final StarSchemaCatalog catalog;
    private final LakeObjects processed;
    private final ObjectMapper json;
    private final ParquetPartWriter carryWriter;
    private final IcebergFieldIds fieldIds;

    BatchTableCommits(StarSchemaCatalog catalog, @Named("processedBatches") LakeBatches processed,
            ObjectMapper json, TransformSettings settings, IcebergFieldIds fieldIds) {
        this.catalog = catalog;
        this.processed = processed.objects();
        this.json = json;
        this.fieldIds = fieldIds;
        this.carryWriter = new ParquetPartWriter(settings.parquetCodec());
    }

    /**
     * Commits the table's parts (and, for a dimension, its deletions) of the batch, once.
     *
     * @param parts the data files the batch wrote for the table
     * @param deletions the Parquet objects that hold the keys of the table's rows the batch deletes
     */
    public void commit(TransformBatch batch, WarehouseTable table, List<BatchManifest.Entry> parts,
            List<BatchManifest.Entry> deletions) {
        Table iceberg = catalog.current(table);
        String commitKey = batch.getId().value();
        Optional<Snapshot> earlier = BatchSummary.committed(iceberg, commitKey);
        if (earlier.isPresent()) {
            List<BatchManifest.Entry> committed = BatchSummary.files(json, earlier.get());
            batch.committedEarlier(table, committed);
            parts.forEach(part -> processed.delete(part.key()));
            LOG.infof("Transform batch %s: %s holds the batch already (snapshot %d); its manifest names those %d "
                    + "files", batch.getId(), iceberg.name(), earlier.get().snapshotId(), committed.size());
            return;
        }
        List<DataFile> files = parts.stream()
                .map(part -> DataFileParts.dataFile(iceberg, location(part.key()), part.bytes(),
                        batch.footer(part.key()), LakeLayout.BATCH_DATE + "=" + batch.getId().date()))
                .toList();
        SnapshotUpdate<?> update;
        if (table.isFact() || table == WarehouseTable.DIM_DATE || iceberg.currentSnapshot() == null) {
            var append = iceberg.newAppend();
            files.forEach(append::appendFile);
            update = append;
        } else {
            update = replaceMembers(batch, table, iceberg, parts, deletions, files);
        }
        if (update == null) {
            return;
        }
        long started = System.nanoTime();
        update.set(BatchSummary.BATCH_ID, batch.getId().value());
        update.set(BatchSummary.COMMIT_KEY, commitKey);
        update.set(BatchSummary.FILES, BatchSummary.files(json, parts));
        update.commit();
        LOG.debugf("Transform batch %s: %s committed (%d files) in %d ms", batch.getId(), iceberg.name(),
                files.size(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * A dimension's commit: the batch's parts in, and every row the table holds of a member
     * the batch brings or deletes out, by rewriting the files that hold them without them.
     * Files whose key bounds hold none of the members are never read. Nothing to commit when
     * the batch neither brings nor deletes a member.
     */
    private OverwriteFiles replaceMembers(TransformBatch batch, WarehouseTable table, Table iceberg,
            List<BatchManifest.Entry> parts, List<BatchManifest.Entry> deletions, List<DataFile> files) {
        Set<Object> members = new HashSet<>();
        for (BatchManifest.Entry entry : parts) {
            readKeys(LakeLayout.located(entry.key()), members);
        }
        for (BatchManifest.Entry entry : deletions) {
            readKeys(LakeLayout.located(entry.key()), members);
        }
        if (members.isEmpty() && files.isEmpty()) {
            return null;
        }
        OverwriteFiles overwrite = iceberg.newOverwrite();
        files.forEach(overwrite::addFile);
        if (members.isEmpty()) {
            return overwrite;
        }
        int carried = 0;
        try (CloseableIterable<FileScanTask> tasks = iceberg.newScan()
                .filter(Expressions.in(table.keyColumn(), members.toArray()))
                .planFiles()) {
            for (FileScanTask task : tasks) {
                DataFile file = task.file();
                List<GenericRecord> held;
                try {
                    held = read(file.location());
                } catch (MissingLakeObjectException e) {
                    LOG.warnf("Transform batch %s: %s lists %s, which is missing; the file leaves the table, and "
                            + "the rows it held with it: re-extract the table's source table (reextract) to write "
                            + "them again", batch.getId(), iceberg.name(), file.location());
                    overwrite.deleteFile(file);
                    continue;
                }
                List<GenericRecord> kept = new ArrayList<>();
                long rows = 0;
                for (GenericRecord row : held) {
                    rows++;
                    if (!members.contains(row.get(0))) {
                        kept.add(row);
                    }
                }
                if (kept.size() == rows) {
                    continue;
                }
                overwrite.deleteFile(file);
                if (!kept.isEmpty()) {
                    overwrite.addFile(carry(batch, table, iceberg, file, kept, ++carried));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("planning " + iceberg.name() + "'s files failed: " + e.getMessage(), e);
        }
        return overwrite;
    }

    /**
     * A copy of a dimension's data file without the rows a batch replaced: in the same
     * partition, named for the batch that wrote the original and this run.
     */
    private DataFile carry(TransformBatch batch, WarehouseTable table, Table iceberg, DataFile original,
            List<GenericRecord> rows, int number) {
        String originalKey = key(original.location());
        BatchId writtenBy = new BatchId(LakeLayout.batchIdOf(originalKey));
        String key = LakeLayout.tableFileKey(table.tableName(), writtenBy, batch.attempt(), "carry", number);
        Schema schema = table.avroSchema();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ParquetPartWriter.WrittenPart written;
        try {
            written = carryWriter.write(rows.stream().map(row -> inSchema(row, schema)).iterator(), table, schema,
                    fieldIds.of(table), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + key + " failed: " + e.getMessage(), e);
        }
        processed.write(key, bytes.toByteArray(), PARQUET_CONTENT_TYPE);
        return DataFileParts.dataFile(iceberg, location(key), bytes.size(), written.footer(), original.partition());
    }

    /** A row read from a file written before columns were added, with the table's columns now (the added ones null). */
    private static GenericRecord inSchema(GenericRecord row, Schema schema) {
        if (row.getSchema().equals(schema)) {
            return row;
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            Schema.Field found = row.getSchema().getField(field.name());
            record.put(field.pos(), found == null ? null : row.get(found.pos()));
        }
        return record;
    }

    private void readKeys(String key, Set<Object> keys) {
        for (GenericRecord row : read(location(key))) {
            keys.add(row.get(0));
        }
    }

    /** Every row of a data file, as the Avro records it was written from. */
    private List<GenericRecord> read(String location) {
        String key = key(location);
        byte[] parquet;
        try (InputStream content = processed.read(key)) {
            parquet = content.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + location + " failed: " + e.getMessage(), e);
        }
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader
                .<GenericRecord>builder(new ParquetInputStream(key, parquet))
                .withDataModel(GenericData.get())
                .disableCompatibility()
                .withConf(HADOOP)
                .build()) {
            for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + location + " failed: " + e.getMessage(), e);
        }
        return rows;
    }

    private String location(String key) {
        return "s3://" + processed.bucket() + "/" + key;
    }

    private String key(String location) {
        String prefix = "s3://" + processed.bucket() + "/";
        if (!location.startsWith(prefix)) {
            throw new IllegalStateException(location + " is not in the processed bucket s3://" + processed.bucket());
        }
        return location.substring(prefix.length());
    }
}
