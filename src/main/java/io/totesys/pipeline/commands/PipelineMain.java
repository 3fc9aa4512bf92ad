package io.totesys.pipeline.commands;

import jakarta.inject.Inject;

import org.apache.camel.quarkus.main.CamelMainApplication;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.totesys.pipeline.operations.CommandMode;
import io.totesys.pipeline.operations.FailureDiagnosis;
import io.totesys.pipeline.operations.StopSignals;
import picocli.CommandLine;

/**
 * The jar's entry point: without arguments the service, as always; with arguments one of the
 * operator's commands ({@link OperatorCommands}: {@code replay}, {@code reextract},
 * {@code reconcile}, {@code list-quarantine}), which queues its request in the pipeline schema
 * and exits.
 * <p>
 * With a {@code @QuarkusMain}, Camel starts only when the main asks for it: the service runs Camel
 * Quarkus's own {@link CamelMainApplication}, as it does without one. A command never starts the
 * Camel context (so no route, stage, leader election or run-once cycle), and runs with the
 * service's configuration (the same environment variables) in the Quarkus profile
 * {@value CommandMode#PROFILE}, chosen here before Quarkus starts, so that it starts nothing else
 * of the service either: no HTTP or Jolokia port (it may run beside the service, in its pod), no
 * heartbeat and no dependency checks ({@code %command.} in {@code application.properties}).
 */
@QuarkusMain
public class PipelineMain implements QuarkusApplication {

    @Inject
    CommandLine.IFactory factory;

    @Inject
    FailureDiagnosis diagnosis;

    public static void main(String... args) {
        if (args.length == 0) {
            // A @QuarkusMain starts Camel itself: Camel Quarkus's own application, as without one
            StopSignals.stopTheServiceFirst();
            Quarkus.run(CamelMainApplication.class, args);
            return;
        }
        System.setProperty("quarkus.profile", CommandMode.PROFILE);
        Quarkus.run(PipelineMain.class, args);
    }

    @Override
    public int run(String... args) {
        return OperatorCommands.commandLine(factory, diagnosis).execute(args);
    }
}
