package io.totesys.pipeline.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.totesys.pipeline.world.CommandLineOptions;

/**
 * The benchmark command ({@code ./mvnw package -Pbenchmark -Dbenchmark.scale=20,100}): one run
 * on fresh embedded worlds, its report printed and written to {@code docs/benchmarks.md}.
 * <p>
 * Options ({@code -Dbenchmark.arguments="--latency-seconds 120"}): {@code --scale}, the scales
 * of the seeded ToteSys whose full loads are measured against the anchors, separated by commas
 * (1 = the real one, about 48,000 rows; 100 = about 5 million); {@code --baseline-scale} of
 * the full load whose peak live heap the largest scale's is compared with (a tenth of the
 * largest scale by default; 0 for none); {@code --latency-scales} at which the incremental
 * latency is measured (1 and the largest scale by default); {@code --seed},
 * {@code --latency-seconds}, {@code --rate} of changes per second, {@code --poll-interval},
 * {@code --stage-poll-interval}, {@code --idle-scales} at which what an unchanged ToteSys costs its
 * server is measured (1, 20 and 100 among the run's scales and latency scales by default) and {@code --idle-seconds}
 * of each window (0: none), {@code --idle-reconcile-interval} of its last variant (10s),
 * {@code --warm-up-seconds} the service runs before the latency's and each idle window (15),
 * {@code --live-heap-seconds} between measurements of the live heap, {@code --report}.
 */
public final class RunBenchmark {

    private RunBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        Map<String, String> options = options(arguments);
        List<Double> scales = scales(options.get("scale"));
        double largest = scales.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        String baseline = options.get("baseline-scale");
        String latencyScales = options.get("latency-scales");
        String idleScales = options.get("idle-scales");
        List<Double> latency = latencyScales.isEmpty() ? scales("1," + largest) : scales(latencyScales);
        BenchmarkSettings settings = new BenchmarkSettings(scales,
                baseline.isEmpty() ? largest / 10 : Double.parseDouble(baseline), latency,
                Long.parseLong(options.get("seed")),
                Duration.ofSeconds(Long.parseLong(options.get("latency-seconds"))),
                Double.parseDouble(options.get("rate")), options.get("poll-interval"),
                options.get("stage-poll-interval"),
                idleScales.isEmpty()
                        ? Stream.concat(scales.stream(), latency.stream())
                                .filter(scale -> scale == 1 || scale == 20 || scale == 100).distinct().sorted().toList()
                        : scales(idleScales),
                Duration.ofSeconds(Long.parseLong(options.get("idle-seconds"))), true,
                options.get("idle-reconcile-interval"),
                Duration.ofSeconds(Long.parseLong(options.get("warm-up-seconds"))),
                Duration.ofSeconds(Long.parseLong(options.get("live-heap-seconds"))),
                Path.of("target", "benchmark"), Path.of(options.get("report")));
        BenchmarkResult result = new Benchmark(settings, List.of(new StatusPageRender())).run();
        BenchmarkReport report = new BenchmarkReport(result);
        System.out.println(report.render());
        report.writeTo(settings.report());
        Benchmark.say("Report written to " + settings.report());
    }

    private static List<Double> scales(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(scale -> !scale.isEmpty())
                .map(Double::parseDouble).distinct().toList();
    }

    private static Map<String, String> options(String[] arguments) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("scale", "20");
        defaults.put("baseline-scale", "");
        defaults.put("latency-scales", "");
        defaults.put("seed", "42");
        defaults.put("latency-seconds", "60");
        defaults.put("rate", "10");
        defaults.put("poll-interval", "2s");
        defaults.put("stage-poll-interval", "2s");
        defaults.put("idle-scales", "");
        defaults.put("idle-seconds", "60");
        defaults.put("idle-reconcile-interval", "10s");
        defaults.put("warm-up-seconds", "15");
        defaults.put("live-heap-seconds", "2");
        defaults.put("report", "docs/benchmarks.md");
        return CommandLineOptions.parse(arguments, defaults);
    }
}
