package io.totesys.pipeline.extract;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.totesys.pipeline.source.TransactionSnapshot;
import io.totesys.pipeline.stage.PipelineMetrics;

/**
 * How long the oldest transaction open on ToteSys's server has stayed open, as each batch's
 * snapshot shows it: its {@code xmin} is the oldest transaction still running anywhere on the
 * server (a session idle in transaction, a prepared transaction, a long job, in any database),
 * which a SELECT-only role sees without reading {@code pg_stat_activity}. While it stays put,
 * the read horizon cannot move past it, and neither can VACUUM on ToteSys.
 * <p>
 * Published as {@code pipeline_source_oldest_open_transaction_seconds} (0 while no transaction
 * is open), and said once in a WARN line per transaction that stays open longer than
 * {@code ETL_OPEN_TRANSACTION_WARNING}. Made at start, so that the metric is there at 0 before
 * the first batch, for the alert that queries it.
 */
@Startup
@ApplicationScoped
public class OpenTransactionWatch {

    private static final Logger LOG = Logger.getLogger(OpenTransactionWatch.class);

    private final Duration warning;
    private final Clock clock;
    private long oldest = -1;
    private Instant seenSince;
    private boolean warned;
    private volatile double openSeconds;

    @Inject
    OpenTransactionWatch(ExtractSettings settings, Clock clock, MeterRegistry registry) {
        this(settings.openTransactionWarning(), clock, registry);
    }

    OpenTransactionWatch(Duration warning, Clock clock, MeterRegistry registry) {
        this.warning = warning;
        this.clock = clock;
        PipelineMetrics.removeLeftover(registry, "pipeline.source.oldest.open.transaction");
        Gauge.builder("pipeline.source.oldest.open.transaction", this, watch -> watch.openSeconds)
                .description("Seconds the oldest transaction open on ToteSys's server has been seen open by the "
                        + "extract: the read horizon and ToteSys's VACUUM cannot move past it")
                .baseUnit("seconds")
                .register(registry);
    }

    /** Takes in a batch's snapshot of ToteSys. */
    public synchronized void observe(TransactionSnapshot snapshot) {
        Instant now = clock.instant();
        if (snapshot.xmin() >= snapshot.xmax()) {
            oldest = -1;
            openSeconds = 0;
            return;
        }
        if (snapshot.xmin() != oldest) {
            oldest = snapshot.xmin();
            seenSince = now;
            warned = false;
        }
        Duration open = Duration.between(seenSince, now);
        openSeconds = open.toMillis() / 1000.0;
        if (!warned && open.compareTo(warning) >= 0) {
            warned = true;
            LOG.warnf("Transaction %d has been open on ToteSys's server for %d s (ETL_OPEN_TRANSACTION_WARNING is "
                    + "%d s): while it is, ToteSys's VACUUM cannot clean up behind it; the extract goes on. Find it "
                    + "with SELECT pid, datname, state, xact_start FROM pg_stat_activity WHERE backend_xid = '%d' "
                    + "(or in pg_prepared_xacts) and end it", oldest % TransactionSnapshot.XID_SPACE,
                    open.toSeconds(), warning.toSeconds(), oldest % TransactionSnapshot.XID_SPACE);
        }
    }

    /** How long the oldest open transaction has been seen open, as the metric says. */
    public double openSeconds() {
        return openSeconds;
    }
}
