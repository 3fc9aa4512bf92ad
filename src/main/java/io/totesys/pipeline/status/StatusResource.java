package io.totesys.pipeline.status;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;

import jakarta.inject.Named;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeSettings;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.operations.FailureDiagnosis;

/**
 * The status page on the service's HTTP port: {@code /status} (and {@code /}, which sends
 * there), read only, rendered on the server; {@code /status/batches/<id>/manifests} returns a
 * batch's manifests as the lake holds them.
 */
@Path("/")
public class StatusResource {

    private final RecentPages pages;
    private final LakeBatches ingest;
    private final LakeBatches processed;
    private final LakeSettings lake;
    private final ObjectMapper json;
    private final FailureDiagnosis diagnosis;

    StatusResource(RecentPages pages, @Named("ingestBatches") LakeBatches ingest,
            @Named("processedBatches") LakeBatches processed, LakeSettings lake, ObjectMapper json,
            FailureDiagnosis diagnosis) {
        this.pages = pages;
        this.ingest = ingest;
        this.processed = processed;
        this.lake = lake;
        this.json = json;
        this.diagnosis = diagnosis;
    }

    @GET
    public Response root() {
        return Response.seeOther(URI.create("/status")).build();
    }

    @GET
    @Path("status")
    @Produces(MediaType.TEXT_HTML)
    public String status(@QueryParam("before") String before, @QueryParam("after") String after) {
        return pages.page(batchId(before), batchId(after));
    }

    /** No page read yet and none could be read in time: 503 with the one-line reason, to try again. */
    @ServerExceptionMapper
    public Response busy(StatusPageBusyException e) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.TEXT_PLAIN)
                .header("Retry-After", "1").entity(e.getMessage()).build();
    }

    /** The batch's extract manifest (ingest bucket) and Parquet manifest (processed bucket), wherever they are. */
    @GET
    @Path("status/batches/{batchId}/manifests")
    @Produces(MediaType.APPLICATION_JSON)
    public String manifests(@PathParam("batchId") String batchId) throws IOException {
        if (BatchId.hasTheForm(batchId)) {
            try {
                new BatchId(batchId);
            } catch (IllegalArgumentException e) {
                // of the form, but no day or time that exists: no batch can have it
                throw new NotFoundException("no batch has the id " + batchId + ": it names no time");
            }
        }
        BatchId batch = new BatchId(batchId(batchId));
        ObjectNode manifests = json.createObjectNode().put("batchId", batch.value());
        manifests.set("extract", manifest(ingest, batch));
        manifests.set("transform", manifest(processed, batch));
        if (manifests.get("extract").isNull() && manifests.get("transform").isNull()) {
            throw new NotFoundException("the lake holds no manifest of batch " + batch.value());
        }
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(manifests);
    }

    private ObjectNode manifest(LakeBatches bucket, BatchId batch) throws IOException {
        String relativeKey = LakeLayout.manifestKey(batch);
        for (String key : List.of(LakeLayout.input(relativeKey), LakeLayout.processed(relativeKey),
                LakeLayout.quarantine(relativeKey))) {
            try (InputStream content = bucket.objects().read(key)) {
                byte[] bytes = content.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, lake.maxManifestSize() + 1));
                ObjectNode found = json.createObjectNode().put("location", "s3://" + bucket.bucket() + "/" + key);
                if (bytes.length > lake.maxManifestSize()) {
                    return found.put("problem", "larger than ETL_MAX_MANIFEST_SIZE");
                }
                found.set("manifest", json.readTree(bytes));
                return found;
            } catch (MissingLakeObjectException e) {
                // not at this key: look at the next
            } catch (RuntimeException e) {
                return json.createObjectNode().put("unreachable", diagnosis.explain(e));
            }
        }
        return null;
    }

    private static String batchId(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return new BatchId(value).value();
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("not a batch id");
        }
    }
}
