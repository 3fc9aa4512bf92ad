package io.totesys.pipeline.commands;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import picocli.CommandLine;

/**
 * The requests of {@code replay} and {@code reextract}, rows of {@code pipeline.replay_request}:
 * one per subject (a batch id or a table name), or the one waiting already, each said in a line;
 * then, with {@code --wait}, the outcome of each, the worst exit code of them.
 */
final class ReplayQueue {

    /** The line that says what was queued. */
    interface Queued {
        String line(OperatorRequests.Request request, boolean waitingAlready, String subject);
    }

    /** Waits for one request's outcome, says it, and gives the exit code. */
    interface Outcome {
        int await(String subject, OperatorRequests.Request request, Instant deadline);
    }

    private ReplayQueue() {
    }

    static int queue(CommandLine.Model.CommandSpec spec, OperatorRequests requests, WaitOptions waiting, String column,
            List<String> subjects, Queued queued, Outcome outcome) {
        Map<String, OperatorRequests.Request> requested = new LinkedHashMap<>();
        for (String subject : subjects) {
            Optional<OperatorRequests.Request> open = requests.openReplay(column, subject);
            OperatorRequests.Request request = open.orElseGet(() -> requests.queueReplay(column, subject));
            requested.put(subject, request);
            CommandLines.say(spec, queued.line(request, open.isPresent(), subject));
        }
        if (!waiting.wait) {
            return OperatorCommands.DONE;
        }
        Instant deadline = waiting.deadline();
        int exit = OperatorCommands.DONE;
        for (Map.Entry<String, OperatorRequests.Request> request : requested.entrySet()) {
            exit = Math.max(exit, outcome.await(request.getKey(), request.getValue(), deadline));
        }
        return exit;
    }
}
