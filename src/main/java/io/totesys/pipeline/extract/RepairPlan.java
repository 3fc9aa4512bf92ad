package io.totesys.pipeline.extract;

import java.util.List;
import java.util.Map;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.source.SourceSnapshot;

/**
 * What a repair batch reads again and records as deleted: the rows a reconciliation found
 * missing or changed, and the keys it found extra, all from the reconciliation's own
 * snapshot of ToteSys. A batch that carries a plan is a repair batch; one without reads
 * changes since the read horizon.
 */
public interface RepairPlan {

    /** The exchange property that carries the plan of the running reconciliation. */
    String PROPERTY = "reconciliation";

    /** The id of the reconciliation the plan repairs for. */
    BatchId getId();

    /** The snapshot the reconciliation compared, which the repair batch reads. */
    SourceSnapshot snapshot();

    /** The tables a repair batch reads or deletes rows of. */
    List<SourceTable> tablesToRepair();

    /** Where a table was read up to when the reconciliation compared it. */
    ExtractState.Position position(SourceTable table);

    /** The keys the lake holds, changed by the repair batch as it reads and deletes. */
    Map<SourceTable, SourceKeys> liveKeys();

    /** The keys of rows to read again: missing and changed. */
    SourceKeys toRead(SourceTable table);

    /** The keys the lake holds that ToteSys does not: to record as deleted. */
    SourceKeys extra(SourceTable table);

    /** What the repair batch's manifest says of why it was written. */
    List<BatchManifest.RepairReason> repairReasons();

    /** Counts what the published repair batch wrote. */
    void repairedBy(ExtractBatch batch);
}
