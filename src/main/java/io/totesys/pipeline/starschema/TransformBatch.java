package io.totesys.pipeline.starschema;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;

/**
 * One transform batch while it runs: the extract batch it reads, the warehouse tables it
 * writes, the Parquet objects written so far (rows and deletions), the source objects it had to quarantine and
 * the calendar days its facts reference. It lives in the exchange property
 * {@code transformBatch}, shared by the tables the route writes side by side.
 */
public final class TransformBatch {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final BatchId id;
    private final String extractManifestKey;
    private final BatchManifest extractManifest;
    private final Optional<BatchManifest> earlierTransform;
    private final Instant startedAt;
    private final List<TableOutput> outputs = new ArrayList<>();
    private final List<TableOutput> calendar = new ArrayList<>();
    private final List<BatchManifest.Entry> written = new ArrayList<>();
    private final List<BatchManifest.Entry> deletionsWritten = new ArrayList<>();
    private final Map<WarehouseTable, Integer> deletionParts = new EnumMap<>(WarehouseTable.class);
    private final List<BatchManifest.Quarantined> quarantined = new ArrayList<>();
    private final SortedSet<LocalDate> referencedDates = new TreeSet<>();
    private final Map<WarehouseTable, Integer> parts = new EnumMap<>(WarehouseTable.class);
    private final Map<String, ParquetMetadata> footers = new HashMap<>();
    private final Map<String, Set<Object>> keys = new HashMap<>();
    private final String attempt = HexFormat.of().toHexDigits(RANDOM.nextInt()).substring(2);
    private OptionalLong replay = OptionalLong.empty();
    private LocalDate coveredFrom;
    private LocalDate coveredTo;

    TransformBatch(BatchId id, Instant startedAt, String extractManifestKey, BatchManifest extractManifest,
            Optional<BatchManifest> earlierTransform) {
        this.id = id;
        this.startedAt = startedAt;
        this.extractManifestKey = extractManifestKey;
        this.extractManifest = extractManifest;
        this.earlierTransform = earlierTransform;
    }

    public BatchId getId() {
        return id;
    }

    /**
     * The replay request under which this run transforms the batch again, if it is a replay: its
     * commits to the lake's tables are new ones, which replace what the batch's earlier commits
     * brought.
     */
    public synchronized OptionalLong replay() {
        return replay;
    }

    synchronized void replayedBy(long request) {
        replay = OptionalLong.of(request);
    }

    /**
     * The source time of the batch's snapshot of ToteSys, as its extract manifest says it
     * ({@code yyyy-MM-dd HH:mm:ss.SSS}), or {@code null} when it has none.
     */
    public String highWater() {
        return extractManifest.highWater();
    }

    /**
     * This run's mark in the names of the data files it writes (six hex digits): a batch
     * written again after a crash never writes over a file an earlier run may have committed.
     */
    public String attempt() {
        return attempt;
    }

    Instant startedAt() {
        return startedAt;
    }

    /**
     * Whether the batch still needs transforming: false when its Parquet manifest already
     * exists, because a redelivery or a restart brought the batch back after that point.
     */
    public boolean isPending() {
        return earlierTransform.isEmpty();
    }

    /**
     * The warehouse tables that can be written side by side: every one but {@code dim_date},
     * those streamed from the most source rows first, so that the largest tables start at once
     * and the small ones fill in beside them (otherwise the last large table can run alone).
     */
    public List<TableOutput> getOutputs() {
        return outputs.stream().sorted(Comparator.comparingLong(this::sourceRows).reversed()).toList();
    }

    private long sourceRows(TableOutput output) {
        return output.streamedFrom() == null ? 0
                : sourceObject(output.streamedFrom()).map(BatchManifest.Entry::rows).orElse(0L);
    }

    /** {@code dim_date}, written once the other tables said which days their facts reference. */
    public List<TableOutput> getCalendar() {
        return List.copyOf(calendar);
    }

    String extractManifestKey() {
        return extractManifestKey;
    }

    BatchManifest extractManifest() {
        return extractManifest;
    }

    /** The manifest entry of a source table's CSV object in this batch, if it has one. */
    Optional<BatchManifest.Entry> sourceObject(SourceTable table) {
        return extractManifest.objects().stream()
                .filter(entry -> entry.table().equals(table.tableName()))
                .findFirst();
    }

    /** The manifest entries of the extract batch's deletions objects, one per source table with deletes. */
    List<BatchManifest.Entry> sourceDeletions() {
        return extractManifest.deletions();
    }

    void output(TableOutput output) {
        outputs.add(output);
    }

    void calendarOutput(TableOutput output) {
        calendar.add(output);
    }

    synchronized int nextPart(WarehouseTable table) {
        return parts.merge(table, 1, Integer::sum);
    }

    synchronized void written(BatchManifest.Entry entry, ParquetPartWriter.WrittenPart part) {
        written.add(entry);
        remember(entry, part);
    }

    /** Keeps what the commit of a part this run wrote needs: its footer, and the members' keys it recorded. */
    private void remember(BatchManifest.Entry entry, ParquetPartWriter.WrittenPart part) {
        footers.put(entry.key(), part.footer());
        part.keys().ifPresent(recorded -> keys.put(LakeLayout.located(entry.key()), recorded));
    }

    /** The footer of a data file this run wrote, whose statistics its table's metadata keeps. */
    public synchronized Optional<ParquetMetadata> footer(String key) {
        return Optional.ofNullable(footers.get(key));
    }

    /**
     * The keys of the members a dimension's object this run wrote holds (its data file, or its
     * deletions object), by the object's key in the processed bucket, if the run recorded them
     * (a small object's).
     */
    public synchronized Optional<Set<Object>> keys(String key) {
        return Optional.ofNullable(keys.get(key));
    }

    /**
     * The Parquet objects the batch's manifest names: this run's, or those of the run that
     * wrote the manifest, for a batch found transformed already.
     */
    public synchronized List<BatchManifest.Entry> publishedObjects() {
        return earlierTransform.map(BatchManifest::objects).orElseGet(this::written);
    }

    /** The deletions objects the batch's manifest names: this run's, or the earlier run's. */
    public synchronized List<BatchManifest.Entry> publishedDeletions() {
        return earlierTransform.map(BatchManifest::deletions).orElseGet(this::deletionsWritten);
    }

    synchronized int nextDeletionsPart(WarehouseTable table) {
        return deletionParts.merge(table, 1, Integer::sum);
    }

    synchronized void deletionsWritten(BatchManifest.Entry entry, ParquetPartWriter.WrittenPart part) {
        deletionsWritten.add(entry);
        remember(entry, part);
    }

    /** The Parquet deletions objects written, one or more per warehouse table with deletions, in table order. */
    public synchronized List<BatchManifest.Entry> deletionsWritten() {
        return inTableOrder(deletionsWritten, true);
    }

    /** Forgets the objects written for a table, once they are removed. */
    synchronized List<BatchManifest.Entry> unwrite(WarehouseTable table) {
        List<BatchManifest.Entry> removed = written.stream()
                .filter(entry -> entry.table().equals(table.tableName()))
                .toList();
        written.removeAll(removed);
        parts.remove(table);
        return removed;
    }

    /** The Parquet objects written, in table order whichever table was written first, each table's parts in order. */
    public synchronized List<BatchManifest.Entry> written() {
        return inTableOrder(written, false);
    }

    synchronized void quarantined(BatchManifest.Quarantined object) {
        quarantined.add(object);
    }

    /** The source objects to quarantine: found by this run, or by the earlier run that wrote the manifest. */
    synchronized List<BatchManifest.Quarantined> quarantined() {
        return earlierTransform.map(BatchManifest::quarantined).orElse(List.copyOf(quarantined));
    }

    synchronized void referenced(Collection<LocalDate> dates) {
        referencedDates.addAll(dates);
    }

    synchronized SortedSet<LocalDate> referencedDates() {
        return new TreeSet<>(referencedDates);
    }

    synchronized void covered(LocalDate from, LocalDate to) {
        coveredFrom = from;
        coveredTo = to;
    }

    synchronized Optional<LocalDate[]> coverage() {
        return coveredFrom == null ? Optional.empty() : Optional.of(new LocalDate[] {coveredFrom, coveredTo});
    }

    private List<BatchManifest.Entry> inTableOrder(List<BatchManifest.Entry> entries, boolean deletions) {
        List<String> order = new ArrayList<>();
        outputs.stream().filter(output -> output.deletions() == deletions)
                .forEach(output -> order.add(output.table().tableName()));
        calendar.forEach(output -> order.add(output.table().tableName()));
        return entries.stream()
                .sorted(Comparator.comparingInt(entry -> order.contains(entry.table()) ? order.indexOf(entry.table())
                        : order.size()))
                .toList();
    }
}
