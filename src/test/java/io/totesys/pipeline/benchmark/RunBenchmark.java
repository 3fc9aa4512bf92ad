package io.totesys.pipeline.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.totesys.pipeline.world.CommandLineOptions;

/**
 * The benchmark command ({@code ./mvnw package -Pbenchmark -Dbenchmark.scale=10}): one run on
 * fresh embedded worlds, its table printed and written to {@code docs/benchmarks.md}.
 * <p>
 * Options ({@code -Dbenchmark.arguments="--latency-seconds 120"}): {@code --scale} of the
 * seeded ToteSys (1 = the real one, about 60,000 rows; 100 = about 5 million),
 * {@code --baseline-scale} of the full load whose peak heap the scale's is compared with
 * (a tenth of the scale by default; 0 for none), {@code --seed}, {@code --latency-seconds},
 * {@code --rate} of changes per second, {@code --poll-interval}, {@code --stage-poll-interval},
 * {@code --live-heap-seconds} between measurements of the live heap, {@code --report}.
 */
public final class RunBenchmark {

    private RunBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        Map<String, String> options = options(arguments);
        double scale = Double.parseDouble(options.get("scale"));
        String baseline = options.get("baseline-scale");
        BenchmarkSettings settings = new BenchmarkSettings(scale,
                baseline.isEmpty() ? scale / 10 : Double.parseDouble(baseline), Long.parseLong(options.get("seed")),
                Duration.ofSeconds(Long.parseLong(options.get("latency-seconds"))),
                Double.parseDouble(options.get("rate")), options.get("poll-interval"),
                options.get("stage-poll-interval"),
                Duration.ofSeconds(Long.parseLong(options.get("live-heap-seconds"))),
                Path.of("target", "benchmark"), Path.of(options.get("report")));
        BenchmarkResult result = new Benchmark(settings).run();
        BenchmarkReport report = new BenchmarkReport(result);
        System.out.println(report.render());
        report.writeTo(settings.report());
        Benchmark.say("Report written to " + settings.report());
    }

    private static Map<String, String> options(String[] arguments) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("scale", "10");
        defaults.put("baseline-scale", "");
        defaults.put("seed", "42");
        defaults.put("latency-seconds", "60");
        defaults.put("rate", "10");
        defaults.put("poll-interval", "5s");
        defaults.put("stage-poll-interval", "1s");
        defaults.put("live-heap-seconds", "2");
        defaults.put("report", "docs/benchmarks.md");
        return CommandLineOptions.parse(arguments, defaults);
    }
}
