package io.totesys.pipeline.lake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The batches a stage consumed, as the bucket archived them under {@code processed/} and
 * {@code quarantine/} ({@link LakeBatches#archive}): put back under {@code input/} for a replay,
 * or removed so that a batch written again leaves nothing of its earlier version behind.
 */
public final class ArchivedBatches {

    private static final String REPORT_SUFFIX = ".error.json";

    private final LakeObjects objects;

    ArchivedBatches(LakeObjects objects) {
        this.objects = objects;
    }

    /**
     * Puts a batch back under {@code input/}, for its consumer to take again once an operator
     * fixed or restored its objects: its objects under {@code processed/} and
     * {@code quarantine/} (of the given tables and their deletions) move back, the manifest
     * last, and the reports on the quarantined ones go. Repeating it after a crash completes
     * it. Returns the relative keys moved back.
     */
    public List<String> restore(BatchId batch, Collection<String> tables) {
        List<String> found = new ArrayList<>(batchKeys(LakeLayout.PROCESSED, batch, tables));
        found.addAll(batchKeys(LakeLayout.QUARANTINE, batch, tables));
        String manifest = LakeLayout.manifestKey(batch);
        List<String> restored = new ArrayList<>();
        for (String key : found) {
            String relativeKey = LakeLayout.relative(key);
            if (relativeKey.endsWith(REPORT_SUFFIX)) {
                continue;
            }
            if (!relativeKey.equals(manifest)) {
                objects.move(key, LakeLayout.input(relativeKey));
                restored.add(relativeKey);
            }
        }
        for (String key : found) {
            if (LakeLayout.relative(key).equals(manifest)) {
                objects.move(key, LakeLayout.input(manifest));
                restored.add(manifest);
            }
        }
        found.stream().filter(key -> key.endsWith(REPORT_SUFFIX)).forEach(objects::delete);
        return restored;
    }

    /**
     * Removes what a consumed batch left under {@code processed/} and {@code quarantine/} (of
     * the given tables), reports included, the manifest last, so that a batch written again
     * leaves no object of its earlier version behind. Returns how many objects went.
     */
    public int discard(BatchId batch, Collection<String> tables) {
        List<String> found = new ArrayList<>(batchKeys(LakeLayout.PROCESSED, batch, tables));
        found.addAll(batchKeys(LakeLayout.QUARANTINE, batch, tables));
        String manifest = LakeLayout.manifestKey(batch);
        found.stream().filter(key -> !LakeLayout.relative(key).equals(manifest)).forEach(objects::delete);
        found.stream().filter(key -> LakeLayout.relative(key).equals(manifest)).forEach(objects::delete);
        return found.size();
    }

    /** The keys of a batch's objects, reports and manifest under an area, for the given tables and their deletions. */
    private List<String> batchKeys(String area, BatchId batch, Collection<String> tables) {
        List<String> places = new ArrayList<>();
        for (String table : tables) {
            places.add(table);
            places.add(LakeLayout.DELETIONS + "/" + table);
        }
        places.add(LakeLayout.MANIFESTS);
        List<String> keys = new ArrayList<>();
        for (String place : places) {
            String prefix = LakeLayout.dataKey(place, batch, "");
            keys.addAll(objects.keys(area + prefix.substring(0, prefix.length() - 1)));
        }
        return keys;
    }
}
