package io.totesys.pipeline.lake;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The batches in one lake bucket, as the stage that consumes them sees them: the manifests
 * waiting under {@code input/}, a batch's manifest and objects, and the archiving of a
 * consumed batch. The one place for the lake's batch bookkeeping (docs/architecture.md#batch-manifests).
 */
public final class LakeBatches {

    private static final String PENDING_MANIFESTS = LakeLayout.input(LakeLayout.MANIFESTS + "/");
    private static final String JSON = "application/json";
    /** The most manifests one run of a stage takes: one ListObjectsV2 page. */
    static final int PENDING_PAGE = 1000;

    private final LakeObjects objects;
    private final ObjectMapper json;
    private final long maxManifestSize;

    public LakeBatches(LakeObjects objects, ObjectMapper json, long maxManifestSize) {
        this.objects = objects;
        this.json = json;
        this.maxManifestSize = maxManifestSize;
    }

    /** The bucket's objects, for what is not batch bookkeeping. */
    public LakeObjects objects() {
        return objects;
    }

    public String bucket() {
        return objects.bucket();
    }

    /**
     * The keys of the manifests under {@code input/}, oldest batch first (batch ids sort by
     * time, and S3 lists keys in order), at most {@value #PENDING_PAGE}: one request, whatever
     * waits. A stage that is far behind takes the next ones at its next run.
     */
    public List<String> pendingManifests() {
        return objects.firstKeys(PENDING_MANIFESTS, PENDING_PAGE).objects().stream().map(KeyListing.Listed::key)
                .filter(key -> key.endsWith(".json")).toList();
    }

    /**
     * A manifest about to be written, as the next stage will read it: one larger than
     * {@code ETL_MAX_MANIFEST_SIZE} is refused now, before its batch is published.
     */
    public byte[] readable(BatchId batchId, byte[] manifest) {
        if (manifest.length > maxManifestSize) {
            throw new ManifestTooLargeException(batchId.value(), manifest.length, maxManifestSize);
        }
        return manifest;
    }

    /**
     * The manifest under a key, checked against the catalogue of the tables it may name
     * ({@link ManifestCheck}): one that cannot be trusted is an {@link InvalidManifestException};
     * a failure to reach the lake is not one.
     */
    public BatchManifest manifest(String key, ManifestCatalogue catalogue) {
        String relativeKey = LakeLayout.relative(key);
        byte[] content;
        try (InputStream stream = objects.read(key)) {
            content = stream.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxManifestSize + 1));
        } catch (IOException e) {
            throw new LakeObjectException("reading s3://" + bucket() + "/" + key + " failed", e);
        }
        if (content.length > maxManifestSize) {
            throw new InvalidManifestException(relativeKey,
                    "it is larger than ETL_MAX_MANIFEST_SIZE (" + maxManifestSize + " bytes)", null);
        }
        BatchManifest manifest;
        try {
            manifest = json.readValue(content, BatchManifest.class);
        } catch (IOException e) {
            String problem = e instanceof JsonProcessingException parsing ? parsing.getOriginalMessage()
                    : e.getMessage();
            throw new InvalidManifestException(relativeKey, "it is not a batch manifest: " + problem, e);
        }
        ManifestCheck.check(relativeKey, manifest, catalogue);
        return manifest;
    }

    /**
     * Moves a manifest that cannot be trusted to {@code quarantine/}, with every object of its
     * batch (by the batch id its key names) still under {@code input/}, beside a report that
     * says why. Repeating it after a crash completes it.
     */
    public List<String> quarantineManifest(String manifestKey, String problem) {
        String relativeKey = LakeLayout.relative(manifestKey);
        String batchId = LakeLayout.batchIdOf(relativeKey);
        List<String> batchObjects = inputObjectsOf(relativeKey, batchId).stream()
                .filter(key -> !key.equals(manifestKey))
                .filter(key -> LakeLayout.batchIdOf(LakeLayout.relative(key)).equals(batchId))
                .toList();
        objects.write(LakeLayout.quarantine(LakeLayout.quarantineReportKey(relativeKey)),
                report(batchId, new BatchManifest.Quarantined(LakeLayout.MANIFESTS, relativeKey, 0, null, problem)),
                JSON);
        for (String key : batchObjects) {
            objects.move(key, LakeLayout.quarantine(LakeLayout.relative(key)));
        }
        objects.move(manifestKey, LakeLayout.quarantine(relativeKey));
        return batchObjects.stream().map(LakeLayout::relative).toList();
    }

    /**
     * Every object under {@code input/} of the batch a manifest key names, whatever tables its
     * (untrusted) manifest names: the folders under {@code input/} and {@code input/_deletions/},
     * then in each the batch's own prefix ({@code <table>/date=<day>/<batch id>}). The requests
     * grow with the tables, not with what {@code input/} holds.
     */
    private List<String> inputObjectsOf(String relativeManifestKey, String batchId) {
        String day = relativeManifestKey.substring(LakeLayout.MANIFESTS.length() + 1,
                relativeManifestKey.lastIndexOf('/') + 1);
        List<String> folders = new ArrayList<>();
        for (String folder : objects.folders(LakeLayout.INPUT)) {
            if (folder.equals(LakeLayout.input(LakeLayout.DELETIONS + "/"))) {
                folders.addAll(objects.folders(folder));
            } else {
                folders.add(folder);
            }
        }
        List<String> keys = new ArrayList<>();
        for (String folder : folders) {
            keys.addAll(objects.keys(folder + day + batchId));
        }
        return keys;
    }

    /** The manifest of a batch written to this bucket, whether still under {@code input/} or already consumed. */
    public Optional<BatchManifest> findManifest(BatchId batch, ManifestCatalogue catalogue) {
        return manifestKey(batch).map(key -> manifest(key, catalogue));
    }

    /** Whether the batch's manifest was written to this bucket, whether still under {@code input/} or consumed. */
    public boolean hasManifest(BatchId batch) {
        return manifestKey(batch).isPresent();
    }

    private Optional<String> manifestKey(BatchId batch) {
        String relativeKey = LakeLayout.manifestKey(batch);
        return List.of(LakeLayout.input(relativeKey), LakeLayout.processed(relativeKey)).stream()
                .filter(objects::exists)
                .findFirst();
    }

    /**
     * The content of an object a manifest names, under {@code input/} (or where its Iceberg table
     * keeps it), streamed; the caller
     * closes it. An object the manifest names but the bucket lacks is invalid.
     */
    public InputStream read(BatchManifest.Entry object) {
        try {
            return objects.read(LakeLayout.located(object.key()));
        } catch (MissingLakeObjectException e) {
            throw new InvalidLakeObjectException(object.key(), "the manifest names it, but it does not exist", e);
        }
    }

    /**
     * The content of an object a manifest names, streamed and checked against its entry as
     * it streams: size and SHA-256. At the end of the stream (or as soon as it runs past its
     * size), an object changed, cut short or replaced since it was written fails with an
     * {@link InvalidLakeObjectException}; a failure to reach the lake is not one. The caller
     * closes it.
     */
    public InputStream readChecked(BatchManifest.Entry object) {
        if (object.sha256() == null || object.sha256().isEmpty()) {
            throw new InvalidLakeObjectException(object.key(), "its manifest entry has no SHA-256", null);
        }
        return new VerifiedContent(read(object), object);
    }

    /** The whole content of an object a manifest names, checked against its entry ({@link #readChecked}). */
    public byte[] readVerified(BatchManifest.Entry object) {
        try (InputStream stream = readChecked(object)) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new LakeObjectException("reading s3://" + bucket() + "/" + LakeLayout.located(object.key())
                    + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Moves a consumed batch out of {@code input/}: the objects left out to
     * {@code quarantine/} beside a report that says why, the others (deletions objects too)
     * to {@code processed/}, the manifest last; a row left out of an object that went on gets
     * its report under {@code quarantine/}, its object goes to {@code processed/}. The objects
     * move a few at a time ({@link ObjectMoves}), the manifest once they all have. Repeating it
     * after a crash completes it. An Iceberg table's data files stay where they are: the table
     * lists them; a quarantined one is copied to {@code quarantine/} beside its report.
     */
    public void archive(String manifestKey, BatchManifest manifest, List<BatchManifest.Quarantined> quarantined) {
        for (BatchManifest.Quarantined object : quarantined) {
            objects.write(LakeLayout.quarantine(object.reportKey()), report(manifest.batchId(), object), JSON);
            if (object.rowOnly()) {
                continue;
            }
            if (LakeLayout.isTableFile(object.key())) {
                if (objects.exists(object.key())) {
                    objects.copy(object.key(), LakeLayout.quarantine(object.key()));
                }
            } else if (objects.exists(LakeLayout.input(object.key()))) {
                objects.move(LakeLayout.input(object.key()), LakeLayout.quarantine(object.key()));
            }
        }
        Set<String> left = quarantined.stream().filter(object -> !object.rowOnly())
                .map(BatchManifest.Quarantined::key).collect(Collectors.toSet());
        ObjectMoves moves = new ObjectMoves();
        List<BatchManifest.Entry> processed = new ArrayList<>(manifest.objects());
        processed.addAll(manifest.deletions());
        for (BatchManifest.Entry object : processed) {
            if (!left.contains(object.key()) && !LakeLayout.isTableFile(object.key())) {
                moves.start(() -> objects.move(LakeLayout.input(object.key()), LakeLayout.processed(object.key()),
                        object.bytes()));
            }
        }
        moves.awaitAll();
        objects.move(manifestKey, LakeLayout.processed(LakeLayout.relative(manifestKey)));
    }

    /** Whether the batch's manifest waits under {@code input/}: its consumer has not taken it yet. */
    public boolean isPending(BatchId batch) {
        return objects.exists(LakeLayout.input(LakeLayout.manifestKey(batch)));
    }

    /** Whether the batch's manifest is in this bucket at all: under {@code input/}, {@code processed/} or {@code quarantine/}. */
    public boolean holds(BatchId batch) {
        String relativeKey = LakeLayout.manifestKey(batch);
        return List.of(LakeLayout.input(relativeKey), LakeLayout.processed(relativeKey),
                LakeLayout.quarantine(relativeKey)).stream().anyMatch(objects::exists);
    }

    /** The batches this bucket archived, for a replay to put back or discard. */
    public ArchivedBatches archived() {
        return new ArchivedBatches(objects);
    }

    /** Where the report on a quarantined object is, for a log line. */
    public String quarantineReportLocation(String relativeKey) {
        return "s3://" + bucket() + "/" + LakeLayout.quarantine(LakeLayout.quarantineReportKey(relativeKey));
    }

    /** Where the report on a quarantined object or row left out is, for a log line. */
    public String quarantineReportLocation(BatchManifest.Quarantined quarantined) {
        return "s3://" + bucket() + "/" + LakeLayout.quarantine(quarantined.reportKey());
    }

    private byte[] report(String batchId, BatchManifest.Quarantined object) {
        try {
            return json.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(Map.of("batchId", batchId, "object", object));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a quarantine report is plain JSON", e);
        }
    }
}
