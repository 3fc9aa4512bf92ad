package io.totesys.pipeline.commands;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.status.QuarantineList;
import io.totesys.pipeline.status.StatusView.Quarantined;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code list-quarantine [--batch <id>] [--limit <n>]}: what waits in quarantine, the runbook's
 * step 1. The batches a stage quarantined whole ({@code pipeline.quarantined_batch}), then every
 * report under {@code quarantine/} of both buckets, newest batch first: the object, its table,
 * row and column, the problem, and the next step.
 */
@Command(name = "list-quarantine", mixinStandardHelpOptions = true, description = "List what is quarantined: batches refused whole, and objects and rows with their reports.")
class ListQuarantineCommand implements Callable<Integer> {

    @Option(names = "--batch", paramLabel = "<batch-id>", description = "Only this batch's")
    String batch;

    @Option(names = "--limit", defaultValue = "50", paramLabel = "<n>", description = "The most reports read and printed (default: ${DEFAULT-VALUE})")
    int limit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final OperatorRequests requests;
    private final QuarantineList quarantine;

    ListQuarantineCommand(OperatorRequests requests, QuarantineList quarantine) {
        this.requests = requests;
        this.quarantine = quarantine;
    }

    @Override
    public Integer call() {
        Optional<BatchId> only = Optional.ofNullable(batch).map(ListQuarantineCommand::batchId);
        if (limit < 1) {
            throw new CommandException("--limit " + limit + " lists nothing: give 1 or more");
        }
        List<OperatorRequests.QuarantinedBatch> batches = requests.quarantinedBatches(only.map(BatchId::value));
        QuarantineList.Listing listing = quarantine.all(only, limit);
        if (batches.isEmpty() && listing.reports() == 0) {
            CommandLines.say(spec, "Nothing is quarantined" + only.map(id -> " of batch " + id).orElse("")
                    + ": no batch waits whole, and quarantine/ of both buckets holds no report");
            return OperatorCommands.DONE;
        }
        CommandLines.say(spec, "%d batches quarantined whole, waiting for a replay; %d reports in quarantine/"
                .formatted(batches.size(), listing.reports()));
        for (OperatorRequests.QuarantinedBatch whole : batches) {
            CommandLines.say(spec, "batch %s  refused whole by the %s at %s: %s%n  next: totesys-pipeline replay %s "
                    .formatted(whole.batchId(), whole.stage(), whole.quarantinedAt(), whole.problem(), whole.batchId())
                    + "--wait, once its manifest is fixed (totesys-pipeline list-quarantine --batch " + whole.batchId()
                    + " lists its objects)");
        }
        for (Quarantined object : listing.objects()) {
            String where = object.row() > 0 ? " row " + object.row() : "";
            where += object.column().isEmpty() ? "" : " column " + object.column();
            CommandLines.say(spec, "batch %s  %s  %s%s: %s%n  next: %s".formatted(object.batchId(), object.table(),
                    object.location(), where, object.problem(), object.nextStep()));
        }
        if (listing.reports() > listing.objects().size()) {
            CommandLines.say(spec, "... and %d more reports: --limit %d lists them".formatted(
                    listing.reports() - listing.objects().size(), listing.reports()));
        }
        return OperatorCommands.DONE;
    }

    private static BatchId batchId(String value) {
        try {
            return new BatchId(value);
        } catch (IllegalArgumentException e) {
            throw new CommandException("--batch '" + value + "' is not a batch id: one is written "
                    + "yyyyMMdd'T'HHmmssSSS'Z'-xxxxxx, such as 20261126T001635123Z-9f3a1c");
        }
    }
}
