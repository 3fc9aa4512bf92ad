package io.totesys.pipeline.commands;

import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code reconcile [--wait]}: the leader compares ToteSys with what the lake holds at its next
 * poll, whatever {@code ETL_RECONCILE_INTERVAL} says (0 included), and repairs any difference
 * with a repair batch. With {@code --wait} the command waits for the run and prints what it found;
 * it fails when rows were left different.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true, description = "Reconcile now: the leader compares every ToteSys table with what the lake holds at its next "
        + "poll, and repairs any difference.")
class ReconcileCommand implements Callable<Integer> {

    @Mixin
    WaitOptions waiting;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final OperatorRequests requests;

    ReconcileCommand(OperatorRequests requests) {
        this.requests = requests;
    }

    @Override
    public Integer call() {
        Optional<OperatorRequests.Request> open = requests.openReconcile();
        OperatorRequests.Request queued = open.orElseGet(requests::queueReconcile);
        CommandLines.say(spec, "%s request %d: the leader reconciles at its next poll".formatted(
                open.isPresent() ? "Already queued as reconcile" : "Queued reconcile", queued.id()));
        if (!waiting.wait) {
            return OperatorCommands.DONE;
        }
        String name = "reconcile request " + queued.id();
        Optional<OperatorRequests.Request> closed = waiting.until(waiting.deadline(),
                () -> Optional.of(requests.reconcile(queued.id())).filter(OperatorRequests.Request::isDone));
        if (closed.isEmpty()) {
            return CommandLines.timedOut(spec, name, waiting.timeout, "no reconciliation has finished since"
                    + requests.failureSince("extract", queued.requestedAt())
                            .map(line -> " (the extract failed since: " + line + ")")
                            .orElse("; is the service running, and does it lead?"));
        }
        String outcome = closed.get().outcome();
        if (outcome.contains("left different")) {
            return CommandLines.failed(spec, name + ": " + outcome);
        }
        CommandLines.say(spec, "Reconcile request %d: %s".formatted(queued.id(), outcome));
        return OperatorCommands.DONE;
    }
}
