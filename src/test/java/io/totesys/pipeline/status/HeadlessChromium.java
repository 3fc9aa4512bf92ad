package io.totesys.pipeline.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, as a person's browser: the page's DOM once loaded
 * ({@code --dump-dom}) and a screenshot of it. Each call runs in a new empty profile, with
 * nothing reaching out but the page itself. {@code .ci/run} installs Chromium when it is missing.
 */
final class HeadlessChromium {

    static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 90;

    private HeadlessChromium() {
    }

    /** The DOM of the page at the address, as the browser built it. */
    static String dom(String address) throws IOException, InterruptedException {
        return run(address, List.of("--dump-dom"));
    }

    /** Saves a screenshot of the page at the address, in a window of the given size. */
    static void screenshot(String address, Path png, int width, int height) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.deleteIfExists(png);
        run(address, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars"));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IllegalStateException("Chromium wrote no screenshot at " + png);
        }
    }

    private static String run(String address, List<String> options) throws IOException, InterruptedException {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IllegalStateException(EXECUTABLE + " is missing: install Debian's chromium (apt-get install "
                    + "chromium; .ci/run does)");
        }
        Path profile = Files.createTempDirectory("status-page-chromium-");
        Path output = Files.createTempFile("status-page-chromium-", ".out");
        Path errors = Files.createTempFile("status-page-chromium-", ".err");
        List<String> command = new ArrayList<>(List.of(EXECUTABLE.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(options);
        command.add(address);
        Process chromium = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile())
                .start();
        try {
            if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Chromium did not finish within " + TIMEOUT_SECONDS + " s: "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            if (chromium.exitValue() != 0) {
                throw new IllegalStateException("Chromium exited with " + chromium.exitValue() + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            chromium.destroyForcibly();
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
