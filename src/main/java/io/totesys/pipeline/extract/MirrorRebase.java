package io.totesys.pipeline.extract;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.mirror.ChecksumMirror;
import io.totesys.pipeline.mirror.EarlierChecksums;
import io.totesys.pipeline.source.SourceSnapshot;

/**
 * The mirror's upgrade to release 26's checksums, once, in the extract stage's first run after
 * {@code V26}, under the stage's lock and before any batch: ToteSys computes, in one snapshot,
 * both checksums of every row whose key the earlier mirror holds ({@link EarlierChecksums}).
 * <ul>
 * <li>A row whose earlier checksum ToteSys computes again gets its new checksum: the lake
 * holds it as it is.
 * <li>A row whose earlier checksum differs gets the complement of its new one: reconciliation
 * finds it changed, as it would have before the upgrade (a row written since the last batch is
 * pending there, and the next batch reads it).
 * <li>A key the lake held no row of, and a key ToteSys no longer has, stay as
 * {@link ChecksumMirror#NOT_EXTRACTED}: missing, or extra, as before.
 * </ul>
 * So nothing reconciliation would have found is lost, and no row is read into the lake again
 * for the upgrade. The new checksums go in, and the earlier ones go, in one transaction: a
 * failure leaves the earlier ones for the next run.
 */
@ApplicationScoped
public class MirrorRebase {

    private static final Logger LOG = Logger.getLogger(MirrorRebase.class);

    private final AgroalDataSource totesys;
    private final ExtractSettings settings;
    private final CarriedColumns carried;
    private final EarlierChecksums earlier;

    MirrorRebase(@DataSource("totesys") AgroalDataSource totesys, ExtractSettings settings, CarriedColumns carried,
            EarlierChecksums earlier) {
        this.totesys = totesys;
        this.settings = settings;
        this.carried = carried;
        this.earlier = earlier;
    }

    /** Rebases the earlier checksums if any wait; the extract stage's lock is held. */
    void rebaseIfPending() {
        if (!earlier.pending()) {
            return;
        }
        long started = System.nanoTime();
        long[] found = new long[3];
        try (SourceSnapshot snapshot = SourceSnapshot.open(totesys, settings.fetchSize(), carried);
                EarlierChecksums.Rebased rebased = earlier.begin()) {
            for (SourceTable table : SourceTable.values()) {
                for (long range : earlier.ranges(table)) {
                    Map<Integer, String> held = earlier.range(table, range);
                    snapshot.rowChecksums().rebase(table, (int) (range << EarlierChecksums.RANGE_BITS),
                            (range + 1) << EarlierChecksums.RANGE_BITS, (key, checksumBefore, checksum) -> {
                                String heldChecksum = held.remove(key);
                                if (heldChecksum == null) {
                                    return;
                                }
                                if (heldChecksum.equals(EarlierChecksums.NOT_EXTRACTED)) {
                                    rebased.add(table, key, ChecksumMirror.NOT_EXTRACTED);
                                    found[2]++;
                                } else if (heldChecksum.equals(checksumBefore)) {
                                    rebased.add(table, key, checksum);
                                    found[0]++;
                                } else {
                                    rebased.add(table, key, ~checksum);
                                    found[1]++;
                                }
                            });
                    held.keySet().forEach(key -> rebased.add(table, key, ChecksumMirror.NOT_EXTRACTED));
                    found[2] += held.size();
                }
            }
            rebased.commit();
        }
        LOG.infof("The mirror's checksums are those of this release now: %d rows as the lake holds them, %d that "
                + "differ from it, %d keys the lake lacks or ToteSys no longer has, rebased in %d ms; "
                + "reconciliation finds the differences as before", found[0], found[1], found[2],
                (System.nanoTime() - started) / 1_000_000);
    }
}
