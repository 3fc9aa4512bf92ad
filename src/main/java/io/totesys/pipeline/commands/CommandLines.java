package io.totesys.pipeline.commands;

import java.io.PrintWriter;
import java.time.Duration;

import picocli.CommandLine;

/** What a command says: a line of what came of it, or the one line of why it failed or is not done. */
final class CommandLines {

    private CommandLines() {
    }

    static void say(CommandLine.Model.CommandSpec spec, String line) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
    }

    static int failed(CommandLine.Model.CommandSpec spec, String line) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.name() + ": " + line);
        err.flush();
        return OperatorCommands.FAILED;
    }

    static int timedOut(CommandLine.Model.CommandSpec spec, String request, Duration timeout, String where) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.name() + ": " + request + " is not done after " + timeout.toString().substring(2)
                .toLowerCase() + ": " + where + "; it stays queued, and the same command with --wait waits for it "
                + "again");
        err.flush();
        return OperatorCommands.TIMED_OUT;
    }
}
