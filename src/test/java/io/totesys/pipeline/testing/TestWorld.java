package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The embedded world the tests of one JVM share: started on first use on free ports,
 * stopped and deleted when the JVM exits.
 */
public final class TestWorld {

    private static EmbeddedWorld world;

    private TestWorld() {
    }

    public static synchronized EmbeddedWorld get() {
        if (world == null) {
            try {
                Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-world-");
                world = EmbeddedWorld.start(directory, 0, 0);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    world.close();
                    if (!Boolean.getBoolean("keepTestWorld")) {
                        delete(directory);
                    }
                }, "test-world-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return world;
    }

    private static void delete(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // left for mvn clean
        }
    }
}
