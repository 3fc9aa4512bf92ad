package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a Java Flight Recording of the service says: its heap at its fullest and after each
 * collection, and where its threads spent their time (execution samples).
 *
 * @param peakHeapUsedBytes the most heap in use at any time, garbage included
 * @param peakHeapAfterCollectionBytes the most heap still in use right after a collection; after a young
 *        collection that includes old garbage G1 has not reached yet
 * @param samples how many execution samples the recording holds
 * @param hotMethods the methods most often on top of a sampled stack, with their sample counts
 * @param hotProjectMethods the pipeline's own methods most often anywhere on a sampled stack (run-once mode's
 *        driver, lambdas and client proxies left out)
 */
public record FlightRecording(long peakHeapUsedBytes, long peakHeapAfterCollectionBytes, long samples,
        Map<String, Long> hotMethods, Map<String, Long> hotProjectMethods) {

    private static final String PROJECT_PACKAGE = "io.totesys.";
    /**
     * Frames on nearly every stack that say nothing of where the time goes: run-once mode's
     * driver, lambdas, and the CDI client proxies in front of the beans they call.
     */
    private static final List<String> DRIVER_FRAMES = List.of(".operations.RunOnce", "$$Lambda", "_ClientProxy.");

    public static FlightRecording read(Path file, int topMethods) {
        long peakUsed = 0;
        long peakAfterCollection = 0;
        long samples = 0;
        Map<String, Long> topFrames = new HashMap<>();
        Map<String, Long> projectFrames = new HashMap<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                if (type.equals("jdk.GCHeapSummary")) {
                    long used = event.getLong("heapUsed");
                    peakUsed = Math.max(peakUsed, used);
                    if ("After GC".equals(event.getString("when"))) {
                        peakAfterCollection = Math.max(peakAfterCollection, used);
                    }
                } else if (type.equals("jdk.ExecutionSample") && event.getStackTrace() != null) {
                    samples++;
                    count(event.getStackTrace(), topFrames, projectFrames);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the flight recording " + file + " failed", e);
        }
        return new FlightRecording(peakUsed, peakAfterCollection, samples, top(topFrames, topMethods),
                top(projectFrames, topMethods));
    }

    private static void count(RecordedStackTrace stack, Map<String, Long> topFrames, Map<String, Long> projectFrames) {
        List<RecordedFrame> frames = stack.getFrames();
        if (frames.isEmpty()) {
            return;
        }
        topFrames.merge(name(frames.get(0)), 1L, Long::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
            String name = name(frame);
            if (name.startsWith(PROJECT_PACKAGE) && DRIVER_FRAMES.stream().noneMatch(name::contains)
                    && seen.add(name)) {
                projectFrames.merge(name, 1L, Long::sum);
            }
        }
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static Map<String, Long> top(Map<String, Long> counts, int limit) {
        Map<String, Long> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(limit)
                .forEach(entry -> top.put(entry.getKey(), entry.getValue()));
        return top;
    }
}
