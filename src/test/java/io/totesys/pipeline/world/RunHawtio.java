package io.totesys.pipeline.world;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;

/**
 * The Hawtio console on this machine ({@code ./mvnw package -Phawtio}): hawtio-war served by
 * Jetty at {@code http://localhost:8090/hawtio}, allowed to connect to the Jolokia agent of
 * a service running here ({@code http://localhost:8778/jolokia/}, the embedded command's).
 * Options: {@code -Dembedded.arguments="--port 8090"}.
 * <p>
 * The console runs in a JVM of its own whose class path holds Jetty and nothing of the
 * service: hawtio-war brings its own Jolokia, which must not meet the service's.
 */
public final class RunHawtio {

    private static final Path WAR = Path.of("target", "hawtio", "hawtio.war");
    private static final String SERVE = "--serve";

    private RunHawtio() {
    }

    public static void main(String[] arguments) throws Exception {
        int port = arguments.length >= 2 && arguments[0].equals("--port") ? Integer.parseInt(arguments[1]) : 8090;
        if (arguments.length == 3 && arguments[2].equals(SERVE)) {
            serve(port);
            return;
        }
        Process console = start(port, null);
        System.out.println("[hawtio] Hawtio console: http://localhost:" + port + "/hawtio/ ; in Connect > Remote, "
                + "add http://localhost:8778/jolokia/ (the service's Jolokia agent). Ctrl+C stops it.");
        Runtime.getRuntime().addShutdownHook(new Thread(console::destroy));
        System.exit(console.waitFor());
    }

    /**
     * Starts the console in its own process on the given port; its output goes to the log
     * file, or to this process's output when the log is {@code null}.
     */
    public static Process start(int port, Path log) throws Exception {
        if (!Files.isRegularFile(WAR)) {
            throw new IllegalStateException(WAR + " is missing: build the project first (./mvnw package)");
        }
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.contains("/org/eclipse/jetty/") || entry.contains("/jakarta/servlet/")
                        || entry.contains("/org/slf4j/") || entry.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = JavaProcess.command(
                "-Dhawtio.authenticationEnabled=false", "-Dhawtio.proxyAllowlist=localhost,127.0.0.1",
                "-Dhawtio.localAddressProbing=false", "-cp", classPath, RunHawtio.class.getName(), "--port",
                String.valueOf(port), SERVE);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (log == null) {
            builder.inheritIO();
        } else {
            builder.redirectOutput(log.toFile());
        }
        return builder.start();
    }

    private static void serve(int port) throws Exception {
        Server server = new Server(port);
        WebAppContext console = new WebAppContext();
        console.setContextPath("/hawtio");
        console.setWar(WAR.toAbsolutePath().toString());
        console.setTempDirectory(Files.createTempDirectory("hawtio-").toFile());
        console.setThrowUnavailableOnStartupException(true);
        server.setHandler(console);
        server.start();
        server.join();
    }
}
