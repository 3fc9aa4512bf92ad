package io.totesys.pipeline.commands;

import java.io.PrintWriter;

import io.totesys.pipeline.operations.FailureDiagnosis;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The operator's commands, run as {@code totesys-pipeline <command>} in the service's image (or
 * {@code java -jar quarkus-run.jar <command>}) with the service's configuration. Each checks its
 * input before it queues anything and says what is wrong in one line; says what it queued (the
 * request's id); and with {@code --wait} waits for the service's outcome.
 * <p>
 * Exit codes: {@value #DONE} done (or queued, without {@code --wait}), {@value #FAILED} refused or
 * failed (the line says why), {@value #USAGE} not a command line the command understands,
 * {@value #TIMED_OUT} still waiting when {@code --timeout} passed.
 */
@Command(name = "totesys-pipeline", mixinStandardHelpOptions = true, subcommands = {ReplayCommand.class,
        ReextractCommand.class, ReconcileCommand.class,
        ListQuarantineCommand.class}, description = "The ToteSys pipeline's operator commands. Without arguments the jar runs the service.")
class OperatorCommands implements Runnable {

    static final int DONE = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int TIMED_OUT = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a command: replay, reextract, reconcile or list-quarantine");
    }

    static CommandLine commandLine(CommandLine.IFactory factory, FailureDiagnosis diagnosis) {
        CommandLine commandLine = new CommandLine(OperatorCommands.class, factory);
        commandLine.setParameterExceptionHandler((problem, args) -> {
            CommandLine command = problem.getCommandLine();
            PrintWriter err = command.getErr();
            err.println(command.getCommandName() + ": " + problem.getMessage() + " (see "
                    + command.getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((failure, command, parsed) -> {
            String line = failure instanceof CommandException ? failure.getMessage() : diagnosis.explain(failure);
            command.getErr().println(command.getCommandName() + ": " + line);
            command.getErr().flush();
            return FAILED;
        });
        return commandLine;
    }
}
