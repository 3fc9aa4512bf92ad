package io.totesys.pipeline.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's section on what an unchanged ToteSys costs (issue 26), one row per scale measured. */
final class IdleCostSection implements ReportSection {

    /** At most this many CPU seconds per second of ToteSys's server, at ×20 and ×100. */
    static final double TARGET = 0.02;
    private static final List<Double> TARGET_SCALES = List.of(20.0, 100.0);

    private final List<IdleCost> costs = new ArrayList<>();
    private final BenchmarkSettings settings;

    IdleCostSection(BenchmarkSettings settings) {
        this.settings = settings;
    }

    void add(IdleCost cost) {
        costs.add(cost);
    }

    boolean isEmpty() {
        return costs.isEmpty();
    }

    @Override
    public String markdown() {
        StringBuilder markdown = new StringBuilder("## What the service costs ToteSys while it does not change\n\n");
        markdown.append("| scale | rows | PostgreSQL alone | every table every poll (before) | "
                + "unchanged tables skipped (default) | of which ToteSys's sessions, before / now | "
                + "with a reconciliation every " + settings.idleReconcileInterval() + " (ToteSys's sessions) |\n");
        markdown.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (IdleCost cost : costs) {
            markdown.append(String.format(Locale.ROOT, "| ×%s | %,d | %s | %s | **%s** | %s / %s | %s (%s) |%n",
                    Numbers.scale(cost.scale()), cost.rows(), cpu(cost.alone()), cpu(cost.everyTable().server()),
                    cpu(cost.skipping().server()), cpu(cost.everyTable().toteSysSessions()),
                    cpu(cost.skipping().toteSysSessions()), cpu(cost.reconciling().server()),
                    cpu(cost.reconciling().toteSysSessions())));
        }
        markdown.append(String.format(Locale.ROOT, """

                CPU seconds per second of ToteSys's PostgreSQL server (all its processes, from `/proc`: the
                postmaster, its live children and the children it reaped) over %d s in which ToteSys does not
                change, after the scale's full load; the service polls every %s, its other settings at their
                defaults, and has run %d s before the window (its first polls read every table). Before:
                `ETL_FULL_SCAN_INTERVAL=0`, every poll reads every table since its read horizon, as every release
                before issue 26 did. Now: a poll skips a table whose statistics counters have not moved since it
                was last read. The last column: the same with `ETL_RECONCILE_INTERVAL=%s`, once a reconciliation
                has found every table unchanged since the one before (a run reads only the tables that changed on
                either side since a run found them equal, and each table every `ETL_FULL_SCAN_INTERVAL`, which
                this window does not hold). The warehouse is in the same server: the server's figure holds the
                service's own writes of its state each poll; ToteSys's sessions are the backends connected to its
                database.

                """, settings.idleWindow().toSeconds(), IdleCost.POLL_INTERVAL, settings.warmUp().toSeconds(),
                settings.idleReconcileInterval()));
        return markdown.toString();
    }

    @Override
    public List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        for (double scale : TARGET_SCALES) {
            String name = String.format(Locale.ROOT, "an unchanged ToteSys at ×%s costs its server at most %.2f CPU "
                    + "s/s with 1 s polls", Numbers.scale(scale), TARGET);
            targets.add(costs.stream().filter(cost -> cost.scale() == scale && cost.skipping().isMeasured())
                    .findFirst()
                    .map(cost -> Target.atMost(name, cost.skipping().server(), TARGET,
                            String.format(Locale.ROOT, "%.4f CPU s/s (before: %.4f)", cost.skipping().server(),
                                    cost.everyTable().server())))
                    .orElse(Target.notMeasured(name, "no idle measurement at this scale in this run")));
        }
        return targets;
    }

    /** CPU seconds per second, or a dash where the variant was not measured. */
    static String cpu(double secondsPerSecond) {
        return Double.isNaN(secondsPerSecond) ? "—" : String.format(Locale.ROOT, "%.4f", secondsPerSecond);
    }
}
