package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The fast suite ({@code ./mvnw test -DexcludedGroups=server}) stays fast and needs no server
 * only while every test that starts one says so: each {@code @QuarkusTest}, and each test
 * holding an embedded world or database server, carries {@link ServerBacked}.
 */
class ServerBackedTestsAreTaggedTest {

    private static final Path TEST_CLASSES = Path.of("target", "test-classes");

    @Test
    void everyTestThatStartsAServerIsTaggedServerBacked() throws IOException {
        List<String> untagged;
        try (Stream<Path> files = Files.walk(TEST_CLASSES)) {
            untagged = files.map(TEST_CLASSES::relativize).map(Path::toString)
                    .filter(name -> name.endsWith("Test.class") && !name.contains("$"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .map(ServerBackedTestsAreTaggedTest::load)
                    .filter(ServerBackedTestsAreTaggedTest::needsServers)
                    .filter(type -> !type.isAnnotationPresent(ServerBacked.class)).map(Class::getName).toList();
        }
        assertThat(untagged).as("tests that start servers without @ServerBacked").isEmpty();
    }

    private static boolean needsServers(Class<?> type) {
        return type.isAnnotationPresent(QuarkusTest.class)
                || Arrays.stream(type.getDeclaredFields()).map(Field::getType)
                        .anyMatch(field -> field == EmbeddedWorld.class || field == DatabaseServer.class);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ServerBackedTestsAreTaggedTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("test class " + name + " was compiled but cannot be loaded", e);
        }
    }
}
