package io.totesys.pipeline.commands;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.status.QuarantineList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replay <batch id>... | --from <day> --to <day> [--wait]}: runs extract batches through
 * the transform and the load again once their objects are fixed or restored (the runbook's
 * step 3a). Each batch must be one the batch log holds as published; with {@code --wait} the
 * command waits until the load has taken each batch again, and fails when the service refused
 * a request (its reason), quarantined the batch again, or left objects or rows of it in
 * quarantine.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Replay extract batches (after fixing or restoring their objects): the transform and the load "
        + "take them again at the leader's next poll.")
class ReplayCommand implements Callable<Integer> {

    @Parameters(paramLabel = "<batch-id>", arity = "0..*", description = "Batch ids from the batch log, such as 20261126T001635123Z-9f3a1c")
    List<String> batchIds = new ArrayList<>();

    @Option(names = "--from", paramLabel = "<day>", description = "Every published batch from this day (yyyy-MM-dd)")
    String from;

    @Option(names = "--to", paramLabel = "<day>", description = "... up to this day, included (yyyy-MM-dd)")
    String to;

    @Mixin
    WaitOptions waiting;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final OperatorRequests requests;
    private final QuarantineList quarantine;

    ReplayCommand(OperatorRequests requests, QuarantineList quarantine) {
        this.requests = requests;
        this.quarantine = quarantine;
    }

    @Override
    public Integer call() {
        List<String> batches = batches();
        return ReplayQueue.queue(spec, requests, waiting, "batch_id", batches,
                (request, already, batch) -> "%s request %d: batch %s goes through the transform and the load again "
                        .formatted(already ? "Already queued as replay" : "Queued replay", request.id(), batch)
                        + "at the leader's next transform poll",
                this::awaitOutcome);
    }

    /** The batches named, checked against the batch log before anything is queued. */
    private List<String> batches() {
        if (batchIds.isEmpty() == (from == null && to == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "name batch ids, or a range of days with --from and --to, not both");
        }
        if (!batchIds.isEmpty()) {
            for (String batch : batchIds) {
                check(batch);
            }
            return batchIds.stream().distinct().toList();
        }
        LocalDate first = day("--from", from);
        LocalDate last = day("--to", to == null ? from : to);
        if (last.isBefore(first)) {
            throw new CommandException("--to " + last + " is before --from " + first);
        }
        List<String> published = requests.publishedBatches(first.format(DateTimeFormatter.BASIC_ISO_DATE),
                last.plusDays(1).format(DateTimeFormatter.BASIC_ISO_DATE));
        if (published.isEmpty()) {
            throw new CommandException("the batch log holds no published batch from " + first + " to " + last);
        }
        return published;
    }

    private void check(String batch) {
        try {
            new BatchId(batch);
        } catch (IllegalArgumentException e) {
            throw new CommandException("'" + batch + "' is not a batch id: one is written yyyyMMdd'T'HHmmssSSS'Z'-"
                    + "xxxxxx, such as 20261126T001635123Z-9f3a1c (the status page and pipeline.extract_batch "
                    + "list them)");
        }
        OperatorRequests.LoggedBatch logged = requests.loggedBatch(batch).orElseThrow(() -> new CommandException(
                "batch " + batch + " is not in the batch log (pipeline.extract_batch): no extract batch had that id"));
        if (!"PUBLISHED".equals(logged.status())) {
            throw new CommandException("batch " + batch + " was never published (its status in the batch log is "
                    + logged.status() + "): the lake holds nothing of it to replay");
        }
    }

    private static LocalDate day(String option, String value) {
        if (value == null) {
            throw new CommandException("--from and --to go together: name both days");
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeException e) {
            throw new CommandException(
                    option + " '" + value + "' is not a day: write it yyyy-MM-dd, such as 2026-11-26");
        }
    }

    /**
     * Waits until the service closed the request and, when it restored the batch, until the load
     * took the batch again; says what came of it.
     */
    private int awaitOutcome(String batch, OperatorRequests.Request queued, Instant deadline) {
        Optional<OperatorRequests.Request> closed = waiting.until(deadline,
                () -> Optional.of(requests.replay(queued.id())).filter(OperatorRequests.Request::isDone));
        if (closed.isEmpty()) {
            return timedOut(queued, "the transform has not taken it yet"
                    + requests.failureSince("transform", queued.requestedAt()).map(line -> " (it failed since: "
                            + line + ")").orElse("; is the service running, and does it lead?"));
        }
        OperatorRequests.Request request = closed.get();
        if (request.outcome().startsWith("not replayed")) {
            return failed("request %d failed: %s".formatted(request.id(), request.outcome()));
        }
        CommandLines.say(spec, "Replay request %d: %s".formatted(request.id(), request.outcome()));
        Optional<Object> taken = waiting.until(deadline, () -> requests.loadSince(batch, request.doneAt())
                .<Object>map(load -> load)
                .or(() -> requests.quarantinedBatches(Optional.of(batch)).stream()
                        .filter(quarantined -> !quarantined.quarantinedAt().isBefore(request.doneAt()))
                        .<Object>map(quarantined -> quarantined).findFirst()));
        if (taken.isEmpty()) {
            return timedOut(request, "the batch was restored, but the load has not taken it again yet");
        }
        if (taken.get() instanceof OperatorRequests.QuarantinedBatch again) {
            return failed("batch %s was quarantined again by the %s: %s".formatted(batch, again.stage(),
                    again.problem()));
        }
        OperatorRequests.Load load = (OperatorRequests.Load) taken.get();
        QuarantineList.Listing left = quarantine.all(Optional.of(new BatchId(batch)), 1);
        if (!"[]".equals(load.quarantined()) || left.reports() > 0) {
            return failed("batch %s was loaded again (load %d, new rows %s), but %d objects or rows of it are still "
                    .formatted(batch, load.loads(), load.rowCounts(), Math.max(1, left.reports()))
                    + "in quarantine" + left.objects().stream().findFirst()
                            .map(first -> ", such as " + first.table() + ": " + first.problem()).orElse("")
                    + "; see totesys-pipeline list-quarantine --batch " + batch);
        }
        CommandLines.say(spec, "Batch %s loaded again (load %d): new rows %s; nothing of it is in quarantine"
                .formatted(batch, load.loads(), load.rowCounts()));
        return OperatorCommands.DONE;
    }

    private int failed(String line) {
        return CommandLines.failed(spec, line);
    }

    private int timedOut(OperatorRequests.Request request, String where) {
        return CommandLines.timedOut(spec, "replay request " + request.id(), waiting.timeout, where);
    }
}
