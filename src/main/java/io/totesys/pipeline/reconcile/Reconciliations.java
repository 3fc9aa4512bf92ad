package io.totesys.pipeline.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.util.TimeUtils;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.extract.ChangeWindows;
import io.totesys.pipeline.extract.ExtractBatches;
import io.totesys.pipeline.extract.ExtractSettings;
import io.totesys.pipeline.extract.ExtractState;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.ChecksumMirror;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.source.SourceSnapshot;
import io.totesys.pipeline.source.TransactionSnapshot;
import io.totesys.pipeline.stage.BatchIds;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageStart;

/**
 * Reconciliation's processor bean: the steps of the {@code extract-reconcile} route in
 * {@code routes/extract.camel.yaml} (issue 12, point 4).
 * <p>
 * Every {@code ETL_RECONCILE_INTERVAL}, with the extract stage's lock held so that no batch
 * runs meanwhile, one snapshot of ToteSys is compared with the mirror of what the lake holds
 * ({@link ChecksumMirror}), table by table: first by key ranges of 1,024 keys, each side
 * summed up where it lives, then row by row only in the ranges that differ
 * ({@link TableComparison}: missing, extra, changed, pending, adopted). A table that neither
 * side changed since a run found it equal is not read at all ({@link TablesFoundEqual}), so
 * that a reconciliation costs ToteSys what changed since the last one (issue 26), and one that
 * failed on the way does not read again the tables it had found equal (issue 25 point 3). Any
 * difference is repaired by a repair batch ({@link ExtractBatches#openRepair}) through the
 * extract's own routes, so that the transform and the load take it as any batch. Each run
 * records a row per table ({@link ReconcileLog}), logs one INFO line and sets
 * {@code pipeline_reconcile_mismatched_rows{table}}.
 */
@ApplicationScoped
@Named("reconciliations")
public class Reconciliations {

    /** The endpoint of the route that runs a reconciliation when one is due. */
    public static final String ENDPOINT = "direct:extract-reconcile";

    private static final Logger LOG = Logger.getLogger(Reconciliations.class);

    private final AgroalDataSource totesys;
    private final ExtractSettings settings;
    private final ExtractState state;
    private final ChecksumMirror mirror;
    private final ReconcileLog log;
    private final PipelineSchema schema;
    private final PipelineMetrics metrics;
    private final Duration interval;
    private final Clock clock;
    private final BatchIds batchIds;
    private final QuarantinedRows quarantinedRows;
    private final CarriedColumns carried;
    private final ReconcileRequests requests;
    private final TablesFoundEqual foundEqual;

    Reconciliations(@DataSource("totesys") AgroalDataSource totesys, ExtractSettings settings, ExtractState state,
            ChecksumMirror mirror, ReconcileLog log, PipelineSchema schema,
            PipelineMetrics metrics, PipelineSettings pipeline, Clock clock, BatchIds batchIds,
            QuarantinedRows quarantinedRows, CarriedColumns carried, ReconcileRequests requests,
            TablesFoundEqual foundEqual) {
        this.totesys = totesys;
        this.settings = settings;
        this.state = state;
        this.mirror = mirror;
        this.log = log;
        this.schema = schema;
        this.metrics = metrics;
        this.interval = Duration.ofMillis(TimeUtils.toMilliSeconds(pipeline.reconcileInterval()));
        this.clock = clock;
        this.batchIds = batchIds;
        this.quarantinedRows = quarantinedRows;
        this.carried = carried;
        this.requests = requests;
        this.foundEqual = foundEqual;
    }

    /**
     * Whether a reconciliation is due: an operator asked for one ({@link ReconcileRequests}), or
     * reconciliation is on and none finished within the
     * interval (a run that failed does not count), across restarts, nor did a batch that read
     * every table whole (after the first batch, the first reconciliation is an interval away). While the warehouse cannot
     * say, none is: the extract's own batches report the outage and back off.
     */
    public boolean due() {
        try {
            schema.ensureMigrated();
            if (requests.lastOpen() > 0) {
                return true;
            }
            if (interval.isZero()) {
                return false;
            }
            return log.lastReconciled().map(last -> !clock.instant().isBefore(last.plus(interval))).orElse(true);
        } catch (RuntimeException e) {
            LOG.debugf(e, "Whether a reconciliation is due is not known: %s", e.getMessage());
            return false;
        }
    }

    /**
     * Opens a reconciliation, once the run holds the extract stage and settled unfinished
     * batches (route {@code extract-start}): takes a snapshot of ToteSys and the keys the lake holds. A table the extract holds
     * ({@link SourceSchema#readable()}) is left out: its checksum reads a column the star schema
     * needs, or one of its keys is in more than one row.
     */
    public Reconciliation open(Exchange exchange) {
        StageStart.requireHeld(PipelineStage.EXTRACT, exchange);
        SourceSnapshot snapshot = SourceSnapshot.open(totesys, settings.fetchSize(), carried);
        try {
            Map<SourceTable, ExtractState.Position> comparable = new EnumMap<>(SourceTable.class);
            TransactionSnapshot now = snapshot.transactions();
            Map<SourceTable, SourceSchema> schemas = snapshot.schemas();
            state.positions().forEach((table, position) -> {
                ReadHorizon horizon = position.readHorizon();
                if (horizon != null && schemas.get(table).readable() && ChangeWindows.followsOn(horizon, now)) {
                    comparable.put(table, position);
                }
            });
            long lastRequest = requests.lastOpen();
            Reconciliation reconciliation = new Reconciliation(batchIds.next(), clock.instant(), snapshot,
                    comparable, state.liveKeys(), quarantinedRows.perTable(), mirror.versions());
            reconciliation.answers(lastRequest);
            exchange.getExchangeExtension().addOnCompletion(reconciliation);
            return reconciliation;
        } catch (RuntimeException | Error e) {
            snapshot.close(); // not yet the exchange's to release
            throw e;
        }
    }

    /**
     * Compares one table ({@link TableComparison}) and records what it found, unless neither
     * side of it changed since a run found it equal ({@link TablesFoundEqual}): then it is not
     * read at all.
     */
    public void compare(@Body SourceTable table,
            @ExchangeProperty(Reconciliation.PROPERTY) Reconciliation reconciliation) {
        TableOutcome outcome = reconciliation.outcome(table);
        outcome.quarantined = reconciliation.quarantined(table);
        SourceSnapshot snapshot = reconciliation.snapshot();
        SourceKeys held = reconciliation.liveKeys().get(table);
        Optional<TablesFoundEqual.Sides> sides = TablesFoundEqual.sides(snapshot.counters(), table,
                reconciliation.mirrorVersion(table), snapshot.rowChecksums().checksumExpression(table), held);
        if (foundEqual.unchanged(table, sides)) {
            outcome.notRead = true;
        } else {
            new TableComparison(table, snapshot, mirror, reconciliation.position(table).readHorizon(), held, outcome)
                    .run();
            foundEqual.compared(table, sides, outcome.mismatched() == 0 && outcome.pending == 0
                    && outcome.adopted == 0, reconciliation.startedAt());
        }
        log.found(reconciliation, table, outcome);
        metrics.reconcileMismatches(table.tableName(), outcome.mismatched());
        metrics.reconcileQuarantined(table.tableName(), outcome.quarantined);
    }

    /**
     * Records the run as finished, with what its repair put right, in the log, the metric and one
     * INFO line, which also closes the operator's requests it answers.
     */
    public void finish(@ExchangeProperty(Reconciliation.PROPERTY) Reconciliation reconciliation) {
        Map<SourceTable, TableOutcome> outcomes = reconciliation.outcomes();
        if (outcomes.isEmpty()) {
            LOG.debugf("Reconciliation %s found no table read by read horizon yet", reconciliation.getId());
            requests.done(reconciliation.answersUpTo(), reconciliation.getId().value(),
                    "nothing compared: no table has been extracted by read horizon yet");
            return;
        }
        log.finished(reconciliation);
        outcomes.forEach((table, outcome) -> metrics.reconcileMismatches(table.tableName(), outcome.unrepaired()));
        String line = summary(reconciliation, outcomes);
        LOG.info(line);
        requests.done(reconciliation.answersUpTo(), reconciliation.getId().value(), line);
    }

    private String summary(Reconciliation reconciliation, Map<SourceTable, TableOutcome> outcomes) {
        long compared = outcomes.values().stream().mapToLong(outcome -> outcome.compared).sum();
        long pending = outcomes.values().stream().mapToLong(outcome -> outcome.pending).sum();
        long adopted = outcomes.values().stream().mapToLong(outcome -> outcome.adopted).sum();
        String quarantined = outcomes.entrySet().stream().filter(entry -> entry.getValue().quarantined > 0)
                .map(entry -> entry.getValue().quarantined + " of " + entry.getKey().tableName())
                .collect(Collectors.joining(", "));
        Duration took = Duration.between(reconciliation.startedAt(), clock.instant());
        long rowsRead = outcomes.values().stream().mapToLong(outcome -> outcome.rowsRead).sum();
        long notRead = outcomes.values().stream().filter(outcome -> outcome.notRead).count();
        String summary = ("Reconciliation %s compared %d rows of %d tables with the lake in %.1f s (%d read row by row "
                + "where key ranges differed, %d tables not read as unchanged since found equal, %d written since the "
                + "last batch, left to the next)").formatted(reconciliation.getId(), compared, outcomes.size(),
                        took.toMillis() / 1000.0, rowsRead, notRead, pending);
        String adoptions = (adopted == 0 ? ""
                : "; adopted %d rows the lake holds without a checksum, as ToteSys has them".formatted(adopted))
                + (quarantined.isEmpty() ? ""
                        : "; rows the lake holds only in quarantine, not in the warehouse until replayed: "
                                + quarantined);
        String views = viewsSummary(reconciliation);
        if (!reconciliation.isMismatched()) {
            return "%s: ToteSys and the lake agree%s%s".formatted(summary, adoptions, views);
        }
        long unrepaired = outcomes.values().stream().mapToLong(TableOutcome::unrepaired).sum();
        String lake = !reconciliation.isLakeMismatched() ? "ToteSys and the lake agree"
                : outcomes.entrySet().stream().filter(entry -> entry.getValue().mismatched() > 0)
                        .map(entry -> "%s %d missing, %d extra, %d changed".formatted(entry.getKey().tableName(),
                                entry.getValue().missing, entry.getValue().extra, entry.getValue().changed))
                        .collect(Collectors.joining(", "));
        return "%s: %s%s%s; repair batch %s read %d rows again and recorded %d deletions%s".formatted(summary, lake,
                adoptions, views, reconciliation.repairBatch(), reconciliation.rowsRepaired(),
                reconciliation.deletionsRepaired(),
                unrepaired == 0 ? "" : "; %d rows left different".formatted(unrepaired));
    }

    /** What the run found of the warehouse's current views, for the INFO line. */
    private static String viewsSummary(Reconciliation reconciliation) {
        if (reconciliation.viewsNotCompared() != null) {
            return "; the warehouse's current views were not compared: " + reconciliation.viewsNotCompared();
        }
        List<ViewOutcome> views = reconciliation.viewOutcomes().stream().filter(view -> !view.notRead()).toList();
        long notRead = reconciliation.viewOutcomes().size() - views.size();
        if (views.isEmpty()) {
            return notRead == 0 ? ""
                    : "; the warehouse's current views (%d not read as unchanged since found equal) hold what ToteSys "
                            .formatted(notRead) + "says";
        }
        long rows = views.stream().mapToLong(ViewOutcome::compared).sum();
        long ranges = views.stream().mapToLong(ViewOutcome::rangesRead).sum();
        String different = views.stream().filter(view -> view.differences() > 0)
                .map(view -> "%s %d missing, %d extra, %d changed".formatted(view.table(), view.missing(),
                        view.extra(), view.changed()))
                .collect(Collectors.joining(", "));
        return "; the warehouse's current views (%d rows of %d views in %.1f s, %d key ranges read row by row%s) %s"
                .formatted(rows, views.size(), reconciliation.viewsComparedIn().toMillis() / 1000.0, ranges,
                        notRead == 0 ? "" : ", %d not read as unchanged since found equal".formatted(notRead),
                        different.isEmpty() ? "hold what ToteSys says" : "differ from ToteSys: " + different);
    }
}
