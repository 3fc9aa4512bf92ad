package io.totesys.pipeline.commands;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.totesys.pipeline.catalogue.SourceTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code reextract <table>... [--wait]}: the leader's next extract batch reads each table whole
 * (the runbook's step 3b, for an object lost for good). Each table must be one of the
 * catalogue's; with {@code --wait} the command waits until the batch that read it is loaded.
 */
@Command(name = "reextract", mixinStandardHelpOptions = true, description = "Extract ToteSys tables again whole: the leader's next extract batch reads them whole, and the "
        + "transform and the load take it as any batch.")
class ReextractCommand implements Callable<Integer> {

    /** How the extract closes a request it honoured: {@code extracted whole in batch <id>}. */
    private static final Pattern EXTRACTED_IN = Pattern.compile("extracted whole in batch (\\S+)");

    @Parameters(paramLabel = "<table>", arity = "1..*", description = "ToteSys tables, such as sales_order")
    List<String> tables;

    @Mixin
    WaitOptions waiting;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final OperatorRequests requests;

    ReextractCommand(OperatorRequests requests) {
        this.requests = requests;
    }

    @Override
    public Integer call() {
        for (String table : tables) {
            if (SourceTable.byTableName(table).isEmpty()) {
                throw new CommandException("'" + table + "' is not a ToteSys table of the catalogue: "
                        + String.join(", ", SourceTable.tableNames()));
            }
        }
        return ReplayQueue.queue(spec, requests, waiting, "table_name", tables.stream().distinct().toList(),
                (request, already, table) -> "%s request %d: the leader's next extract batch reads %s whole".formatted(
                        already ? "Already queued as re-extract" : "Queued re-extract", request.id(), table),
                this::awaitOutcome);
    }

    private int awaitOutcome(String table, OperatorRequests.Request queued, Instant deadline) {
        String name = "re-extract request " + queued.id();
        Optional<OperatorRequests.Request> closed = waiting.until(deadline,
                () -> Optional.of(requests.replay(queued.id())).filter(OperatorRequests.Request::isDone));
        if (closed.isEmpty()) {
            return CommandLines.timedOut(spec, name, waiting.timeout, "the extract has not read " + table + " yet"
                    + requests.failureSince("extract", queued.requestedAt())
                            .map(line -> " (it failed since: " + line + ")")
                            .orElse("; is the service running, and does it lead?"));
        }
        OperatorRequests.Request request = closed.get();
        if (request.outcome().startsWith("not re-extracted")) {
            return CommandLines.failed(spec, name + " failed: " + request.outcome());
        }
        CommandLines.say(spec, "Re-extract request %d: %s".formatted(request.id(), request.outcome()));
        Matcher batch = EXTRACTED_IN.matcher(request.outcome());
        if (!batch.find()) {
            return OperatorCommands.DONE; // the table has no rows: nothing to load
        }
        Optional<OperatorRequests.Load> load = waiting.until(deadline,
                () -> requests.loadSince(batch.group(1), request.requestedAt()));
        if (load.isEmpty()) {
            return CommandLines.timedOut(spec, name, waiting.timeout,
                    "batch " + batch.group(1) + " has not been loaded yet");
        }
        CommandLines.say(spec, "Batch %s loaded: new rows %s".formatted(batch.group(1), load.get().rowCounts()));
        return OperatorCommands.DONE;
    }
}
