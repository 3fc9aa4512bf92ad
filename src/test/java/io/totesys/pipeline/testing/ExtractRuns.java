package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;

/**
 * Runs extract batches in a {@code @QuarkusTest} application, as the stage's timer would,
 * and reads back what each wrote to the ingest bucket: its manifest as published, its size,
 * and the keys of the rows and deletions it carried per table.
 */
public final class ExtractRuns {

    /** A published extract batch: its manifest, and the manifest's size in bytes as the lake holds it. */
    public record Published(BatchManifest manifest, int manifestBytes) {
    }

    private final ProducerTemplate producer;
    private final ObjectMapper json;
    private final LakeContents ingest;

    public ExtractRuns(ProducerTemplate producer, ObjectMapper json, LakeContents ingest) {
        this.producer = producer;
        this.json = json;
        this.ingest = ingest;
    }

    /** Runs one extract batch, which must not fail; the batch it published, if it found changes. */
    public Optional<Published> run() {
        return runThrough(PipelineStage.EXTRACT.endpointUri());
    }

    /**
     * Runs the route at an endpoint that publishes at most one extract batch (the extract's,
     * reconciliation's), which must not fail; the batch it published, if any.
     */
    public Optional<Published> runThrough(String endpoint) {
        List<String> manifestsBefore = ingest.keys("input/_manifests/");
        Exchange result = producer.send(endpoint, exchange -> {
        });
        assertThat(BatchFailure.of(result)).as("extract batch failure").isNull();
        List<String> manifests = new ArrayList<>(ingest.keys("input/_manifests/"));
        manifests.removeAll(manifestsBefore);
        assertThat(manifests).as("at most one new manifest").hasSizeLessThanOrEqualTo(1);
        if (manifests.isEmpty()) {
            return Optional.empty();
        }
        byte[] manifest = ingest.readBytes(manifests.get(0));
        try {
            return Optional.of(new Published(json.readValue(manifest, BatchManifest.class), manifest.length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The keys of a table's rows a batch carried, in the order of its CSV object. */
    public List<Integer> ids(BatchManifest manifest, String table) {
        return keys(manifest.objects(), table);
    }

    /** The keys of a table's rows a batch recorded as deleted. */
    public List<Integer> deletedIds(BatchManifest manifest, String table) {
        return keys(manifest.deletions(), table);
    }

    private List<Integer> keys(List<BatchManifest.Entry> entries, String table) {
        return entries.stream().filter(entry -> entry.table().equals(table))
                .flatMap(entry -> ingest.records("input/" + entry.key()).stream())
                .map(record -> Integer.parseInt(record.get(0))).toList();
    }
}
