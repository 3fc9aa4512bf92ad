package io.totesys.pipeline.iceberg;

import java.util.List;
import java.util.Optional;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchManifest;

/**
 * What a batch's commit says about it in its snapshot's summary, beside Iceberg's own counts:
 * the batch, the key that makes the commit happen once, and the data files it brought, as
 * the batch's manifest lists them (key, rows, bytes, SHA-256).
 */
final class BatchSummary {

    /** The batch id. */
    static final String BATCH_ID = "totesys.batch-id";
    /** What makes the commit happen once: the batch id, and a replay's request. */
    static final String COMMIT_KEY = "totesys.commit-key";
    /**
     * The source time of the batch's snapshot of ToteSys: the table holds every change
     * committed in ToteSys before it.
     */
    static final String HIGH_WATER = "totesys.high-water";
    /**
     * A fact table's latest time a version it holds was last updated in ToteSys
     * ({@code yyyy-MM-ddTHH:mm:ss.SSS}, ToteSys's local time), as of the snapshot: each commit
     * carries it forward ({@link FactVersions#heldUpTo}).
     */
    static final String LAST_UPDATED = "totesys.last-updated";
    /** The replay request a replayed batch's commit was made under. */
    static final String REPLAY = "totesys.replay";
    /** The data files the batch brought, as JSON manifest entries. */
    static final String FILES = "totesys.files";

    private static final TypeReference<List<BatchManifest.Entry>> ENTRIES = new TypeReference<>() {
    };

    private BatchSummary() {
    }

    /**
     * The snapshot of the table's current history that committed under the key, if any: a
     * batch whose commit's outcome its run never learnt (a crash, a lost connection) is found
     * here before it is committed again.
     */
    static Optional<Snapshot> committed(Table table, String commitKey) {
        for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
            if (commitKey.equals(snapshot.summary().get(COMMIT_KEY))) {
                return Optional.of(snapshot);
            }
        }
        return Optional.empty();
    }

    static String files(ObjectMapper json, List<BatchManifest.Entry> entries) {
        try {
            return json.writeValueAsString(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest entries are plain JSON", e);
        }
    }

    /** The data files a batch's snapshot brought. */
    static List<BatchManifest.Entry> files(ObjectMapper json, Snapshot snapshot) {
        String files = snapshot.summary().get(FILES);
        if (files == null) {
            return List.of();
        }
        try {
            return json.readValue(files, ENTRIES);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("snapshot " + snapshot.snapshotId() + " lists its files as JSON that "
                    + "does not read: " + e.getOriginalMessage(), e);
        }
    }
}
