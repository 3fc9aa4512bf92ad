package io.totesys.pipeline.lake;

import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * What a batch manifest must be before a stage acts on it: its batch id, the one its key
 * names; an object list whose every entry names a table of its {@link ManifestCatalogue} and
 * the one key of that table's object in its own batch ({@link LakeLayout}), or of one of its
 * numbered parts where tables come in parts, each once; deletions entries likewise, at the
 * table's deletions key ({@code _deletions/<table>/...}) or its numbered parts, each once; a
 * well-formed high-water mark, when it has one; when it records table schemas, one per table,
 * each with named columns and the fingerprint of those columns, and one for every object's
 * table. Anything else is an {@link InvalidManifestException}: an entry that names another
 * batch's object or a table the catalogue lacks would otherwise move that object away, or
 * leave it untransformed.
 */
final class ManifestCheck {

    /** How much of a name from a manifest a report quotes. */
    private static final int QUOTED_LENGTH = 120;

    private ManifestCheck() {
    }

    static void check(String relativeKey, BatchManifest manifest, ManifestCatalogue catalogue) {
        if (manifest == null || manifest.batchId() == null) {
            throw invalid(relativeKey, "it has no batchId");
        }
        BatchId batch;
        try {
            batch = new BatchId(manifest.batchId());
        } catch (IllegalArgumentException e) {
            throw invalid(relativeKey, "its batchId " + quoted(manifest.batchId()) + " is not a batch id");
        }
        if (!relativeKey.equals(LakeLayout.manifestKey(batch))) {
            throw invalid(relativeKey, "its batchId " + batch + " is not the batch its key names");
        }
        if (manifest.objects() == null) {
            throw invalid(relativeKey, "it has no objects list");
        }
        Set<String> keys = new HashSet<>();
        for (BatchManifest.Entry entry : manifest.objects()) {
            checkEntry(relativeKey, batch, entry, catalogue, "");
            if (!keys.add(entry.key())) {
                throw invalid(relativeKey, "it lists the object " + entry.key() + " twice");
            }
        }
        for (BatchManifest.Entry entry : manifest.deletions()) {
            checkEntry(relativeKey, batch, entry, catalogue, LakeLayout.DELETIONS + "/");
            if (!keys.add(entry.key())) {
                throw invalid(relativeKey, "it lists the deletions object " + entry.key() + " twice");
            }
        }
        checkSchemas(relativeKey, manifest);
        if (manifest.recordSeparator() != null && !BatchManifest.CRLF.equals(manifest.recordSeparator())
                && !BatchManifest.LF.equals(manifest.recordSeparator())) {
            throw invalid(relativeKey, "its recordSeparator " + quoted(manifest.recordSeparator()) + " is neither "
                    + BatchManifest.CRLF + " nor " + BatchManifest.LF);
        }
        try {
            manifest.highWaterTime();
        } catch (DateTimeParseException e) {
            throw invalid(relativeKey, "its highWater " + quoted(manifest.highWater())
                    + " is not yyyy-MM-dd HH:mm:ss.SSS");
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
                throw invalid(relativeKey, "it records the schema of " + quoted(schema.table()) + " twice");
            }
            Set<String> names = new HashSet<>();
            for (BatchManifest.Column column : schema.columns()) {
                if (column == null || column.name() == null || column.type() == null || !names.add(column.name())) {
                    throw invalid(relativeKey, "the schema of " + quoted(schema.table())
                            + " has a column without a name or a type, or a name twice");
                }
            }
            if (!BatchManifest.TableSchema.fingerprintOf(schema.columns()).equals(schema.fingerprint())) {
                throw invalid(relativeKey, "the schema of " + quoted(schema.table()) + " has the fingerprint "
                        + quoted(String.valueOf(schema.fingerprint())) + ", its columns "
                        + BatchManifest.TableSchema.fingerprintOf(
                                schema.columns()));
            }
        }
        for (BatchManifest.Entry entry : manifest.objects()) {
            if (!tables.contains(entry.table())) {
                throw invalid(relativeKey, "it records no schema for the object " + entry.key());
            }
        }
    }

    /**
     * An entry of the objects list (no prefix) or of the deletions list ({@code _deletions/}):
     * a table of the catalogue, at its one key in the batch, or one of its numbered parts.
     */
    private static void checkEntry(String relativeKey, BatchId batch, BatchManifest.Entry entry,
            ManifestCatalogue catalogue, String prefix) {
        checkNamed(relativeKey, entry, catalogue);
        String fileName = entry.key().substring(entry.key().lastIndexOf('/') + 1);
        if (fileName.lastIndexOf('.') <= 0) {
            throw invalid(relativeKey, "the object key " + quoted(entry.key()) + " has no extension");
        }
        String place = prefix + entry.table();
        String expected = catalogue.parts()
                ? partPrefix(place, batch, catalogue.extension()) + "<part>." + catalogue.extension()
                : LakeLayout.dataKey(place, batch, catalogue.extension());
        boolean inPlace = catalogue.parts() ? isPart(entry.key(), place, batch, catalogue.extension())
                || LakeLayout.isTablePart(entry.key(),
                        prefix.isEmpty() ? entry.table() : LakeLayout.deletionsTable(entry.table()), batch)
                : entry.key().equals(expected);
        if (!inPlace) {
            throw invalid(relativeKey, "the object key " + quoted(entry.key()) + " is not in batch " + batch
                    + "'s place for " + place + " (" + expected + ")");
        }
    }

    private static void checkNamed(String relativeKey, BatchManifest.Entry entry, ManifestCatalogue catalogue) {
        if (entry == null || entry.table() == null || entry.key() == null) {
            throw invalid(relativeKey, "an object entry has no table or no key");
        }
        if (!catalogue.has(entry.table())) {
            throw invalid(relativeKey, "it names the table " + quoted(entry.table()) + ", which is not in "
                    + catalogue.name());
        }
    }

    /** Whether a key is one of the numbered parts of a table's objects in a batch. */
    private static boolean isPart(String key, String table, BatchId batch, String extension) {
        String prefix = partPrefix(table, batch, extension);
        if (!key.startsWith(prefix) || !key.endsWith("." + extension)
                || key.length() <= prefix.length() + extension.length() + 1) {
            return false;
        }
        String number = key.substring(prefix.length(), key.length() - extension.length() - 1);
        if (number.length() < 4 || number.length() > 9 || !number.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int part = Integer.parseInt(number);
        return part > 0 && key.equals(LakeLayout.partKey(table, batch, part, extension));
    }

    /** What a table's part keys in a batch begin with, up to the part number. */
    private static String partPrefix(String table, BatchId batch, String extension) {
        String first = LakeLayout.partKey(table, batch, 1, extension);
        return first.substring(0, first.length() - ("0001." + extension).length());
    }

    private static String quoted(String text) {
        return "'" + (text.length() > QUOTED_LENGTH ? text.substring(0, QUOTED_LENGTH) + "..." : text) + "'";
    }

    private static InvalidManifestException invalid(String relativeKey, String problem) {
        return new InvalidManifestException(relativeKey, problem, null);
    }
}
