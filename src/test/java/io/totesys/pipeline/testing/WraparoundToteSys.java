package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.totesys.pipeline.world.WraparoundServer;

/**
 * The ToteSys whose server's transaction counter the wraparound tests move
 * ({@link WraparoundServer}), started on first use under {@code target/}, stopped and removed
 * when the JVM exits. The pipeline's warehouse and lake stay the shared {@link TestWorld}'s.
 */
public final class WraparoundToteSys {

    private static WraparoundServer server;

    private WraparoundToteSys() {
    }

    public static synchronized WraparoundServer get() {
        if (server == null) {
            try {
                server = WraparoundServer
                        .start(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "wraparound-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "wraparound-totesys-stop"));
        }
        return server;
    }
}
