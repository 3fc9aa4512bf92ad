package io.totesys.pipeline.lake;

import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * What a batch manifest must be before a stage acts on it: its batch id, the one its key
 * names; an object list whose every entry names a table and a key with an extension, inside
 * its own batch's place for that table ({@link LakeLayout}), once; deletions entries likewise,
 * inside the batch's place for the table's deletions ({@code _deletions/<table>/}); a well-formed high-water
 * mark, when it has one. Anything else is an {@link InvalidManifestException}.
 */
final class ManifestCheck {

    private ManifestCheck() {
    }

    static void check(String relativeKey, BatchManifest manifest) {
        if (manifest == null || manifest.batchId() == null) {
            throw invalid(relativeKey, "it has no batchId");
        }
        BatchId batch;
        try {
            batch = new BatchId(manifest.batchId());
        } catch (IllegalArgumentException e) {
            throw invalid(relativeKey, "its batchId '" + manifest.batchId() + "' is not a batch id");
        }
        if (!relativeKey.equals(LakeLayout.manifestKey(batch))) {
            throw invalid(relativeKey, "its batchId " + batch + " is not the batch its key names");
        }
        if (manifest.objects() == null) {
            throw invalid(relativeKey, "it has no objects list");
        }
        Set<String> keys = new HashSet<>();
        for (BatchManifest.Entry entry : manifest.objects()) {
            checkEntry(relativeKey, batch, entry, "");
            if (!keys.add(entry.key())) {
                throw invalid(relativeKey, "it lists the object " + entry.key() + " twice");
            }
        }
        for (BatchManifest.Entry entry : manifest.deletions()) {
            checkEntry(relativeKey, batch, entry, LakeLayout.DELETIONS + "/");
            if (!keys.add(entry.key())) {
                throw invalid(relativeKey, "it lists the object " + entry.key() + " twice");
            }
        }
        try {
            manifest.highWaterTime();
        } catch (DateTimeParseException e) {
            throw invalid(relativeKey, "its highWater '" + manifest.highWater() + "' is not yyyy-MM-dd HH:mm:ss.SSS");
        }
    }

    /** An entry of the objects list (no prefix) or of the deletions list ({@code _deletions/}). */
    private static void checkEntry(String relativeKey, BatchId batch, BatchManifest.Entry entry, String prefix) {
        if (entry == null || entry.table() == null || entry.key() == null) {
            throw invalid(relativeKey, "an object entry has no table or no key");
        }
        String fileName = entry.key().substring(entry.key().lastIndexOf('/') + 1);
        if (fileName.lastIndexOf('.') <= 0) {
            throw invalid(relativeKey, "the object key " + entry.key() + " has no extension");
        }
        String place = LakeLayout.dataKey(prefix + entry.table(), batch, "");
        String batchPrefix = place.substring(0, place.length() - 1);
        boolean inPlace = entry.key().startsWith(batchPrefix)
                && (entry.key().startsWith(".", batchPrefix.length())
                        || entry.key().startsWith("-part-", batchPrefix.length()))
                && entry.key().indexOf('/', batchPrefix.length()) < 0
                && !entry.table().contains("/") && !entry.table().startsWith("_");
        if (!inPlace) {
            throw invalid(relativeKey, "the object key " + entry.key() + " is not in batch " + batch
                    + "'s place for table " + entry.table() + " (" + batchPrefix + ".<extension>)");
        }
    }

    private static InvalidManifestException invalid(String relativeKey, String problem) {
        return new InvalidManifestException(relativeKey, problem, null);
    }
}
