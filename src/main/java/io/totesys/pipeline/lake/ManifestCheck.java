package io.totesys.pipeline.lake;

import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * What a batch manifest must be before a stage acts on it: its batch id, the one its key
 * names; an object list whose every entry names a table and a key with an extension, inside
 * its own batch's place for that table ({@link LakeLayout}), once; a well-formed high-water
 * mark, when it has one; when it records table schemas, one per table, each with named
 * columns and the fingerprint of those columns, and one for every object's table. Anything
 * else is an {@link InvalidManifestException}.
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
            checkEntry(relativeKey, batch, entry);
            if (!keys.add(entry.key())) {
                throw invalid(relativeKey, "it lists the object " + entry.key() + " twice");
            }
        }
        checkSchemas(relativeKey, manifest);
        try {
            manifest.highWaterTime();
        } catch (DateTimeParseException e) {
            throw invalid(relativeKey, "its highWater '" + manifest.highWater() + "' is not yyyy-MM-dd HH:mm:ss.SSS");
        }
    }

    private static void checkSchemas(String relativeKey, BatchManifest manifest) {
        if (manifest.schemas() == null) {
            return;
        }
        Set<String> tables = new HashSet<>();
        for (BatchManifest.TableSchema schema : manifest.schemas()) {
            if (schema == null || schema.table() == null || schema.columns() == null || schema.columns().isEmpty()) {
                throw invalid(relativeKey, "a table schema has no table or no columns");
            }
            if (!tables.add(schema.table())) {
                throw invalid(relativeKey, "it records the schema of " + schema.table() + " twice");
            }
            Set<String> names = new HashSet<>();
            for (BatchManifest.Column column : schema.columns()) {
                if (column == null || column.name() == null || column.type() == null || !names.add(column.name())) {
                    throw invalid(relativeKey, "the schema of " + schema.table()
                            + " has a column without a name or a type, or a name twice");
                }
            }
            if (!BatchManifest.TableSchema.fingerprintOf(schema.columns()).equals(schema.fingerprint())) {
                throw invalid(relativeKey, "the schema of " + schema.table() + " has the fingerprint "
                        + schema.fingerprint() + ", its columns " + BatchManifest.TableSchema.fingerprintOf(
                                schema.columns()));
            }
        }
        for (BatchManifest.Entry entry : manifest.objects()) {
            if (!tables.contains(entry.table())) {
                throw invalid(relativeKey, "it records no schema for the object " + entry.key());
            }
        }
    }

    private static void checkEntry(String relativeKey, BatchId batch, BatchManifest.Entry entry) {
        if (entry == null || entry.table() == null || entry.key() == null) {
            throw invalid(relativeKey, "an object entry has no table or no key");
        }
        String fileName = entry.key().substring(entry.key().lastIndexOf('/') + 1);
        if (fileName.lastIndexOf('.') <= 0) {
            throw invalid(relativeKey, "the object key " + entry.key() + " has no extension");
        }
        String place = LakeLayout.dataKey(entry.table(), batch, "");
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
