package io.totesys.pipeline.world;

import java.nio.file.Path;

/** The Java runtime this JVM runs on, to start other Java processes with. */
final class JavaProcess {

    private JavaProcess() {
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
