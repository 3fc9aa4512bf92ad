package io.totesys.pipeline.world;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line that starts another Java process on the runtime this JVM runs on: the
 * service, one of its commands, s3proxy.
 * <p>
 * The test suite sets {@value #OPTIONS_PROPERTY} (in the pom, for surefire and failsafe) to run
 * those processes with the client compiler only ({@code -XX:TieredStopAtLevel=1}): a service
 * the suite starts lives for seconds to a few minutes on a few hundred rows, and on two cores
 * the server compiler's work was half of what such a start cost (6.3 s of CPU to a settings
 * error, 3.0 s without it). The product's behaviour does not depend on the compiler. The
 * benchmark and the embedded run do not set it: they run the processes as a user does.
 */
public final class JavaProcess {

    public static final String OPTIONS_PROPERTY = "test.child-jvm-options";

    /** util-linux's {@code setsid}, which some systems (macOS) do not have. */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private JavaProcess() {
    }

    /** {@code java}, the suite's options for child processes if any, then the given arguments. */
    public static List<String> command(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String options = System.getProperty(OPTIONS_PROPERTY, "").strip();
        if (!options.isEmpty()) {
            command.addAll(Arrays.asList(options.split("\\s+")));
        }
        command.addAll(List.of(arguments));
        return command;
    }

    /** Whether {@link #inASessionOfItsOwn} can start a process in a session of its own here. */
    public static boolean startsSessions() {
        return Files.isExecutable(SETSID);
    }

    /**
     * The command run in a session, and so a process group, of its own, which a terminal's Ctrl+C
     * does not reach: {@code setsid} before it, where it is there; the command as it is otherwise.
     * A child of a JVM is never its group's leader, so {@code setsid} runs the command in its own
     * process, whose id is the child's.
     */
    public static List<String> inASessionOfItsOwn(List<String> command) {
        if (!startsSessions()) {
            return command;
        }
        List<String> inASessionOfItsOwn = new ArrayList<>(List.of(SETSID.toString()));
        inASessionOfItsOwn.addAll(command);
        return inASessionOfItsOwn;
    }
}
