package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine a benchmark ran on: processor, cores, memory and Java runtime.
 *
 * @param processor the processor's model name
 * @param cores the cores this JVM may use
 * @param memoryBytes the machine's physical memory
 * @param java the Java runtime's version and vendor
 */
record Machine(String processor, int cores, long memoryBytes, String java) {

    static Machine current() {
        return new Machine(procLine("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")),
                Runtime.getRuntime().availableProcessors(),
                procLine("/proc/meminfo", "MemTotal").map(value -> Long.parseLong(value.replaceAll("\\D", "")) * 1024)
                        .orElse(0L),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    }

    private static Optional<String> procLine(String file, String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.stream().filter(line -> line.startsWith(name)).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
