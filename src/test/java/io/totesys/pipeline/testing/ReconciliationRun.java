package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import io.totesys.pipeline.reconcile.Reconciliations;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/** Runs a reconciliation in a {@code @QuarkusTest} application as if its interval had passed. */
public final class ReconciliationRun {

    private ReconciliationRun() {
    }

    /**
     * Runs one, failing on failure: how many ToteSys tables it compared with the lake, and
     * whether it found each as the lake's mirror holds it and every current view of the
     * warehouse it compared as ToteSys says (nothing missing, extra or changed, no repair batch).
     */
    public static Outcome run(ProducerTemplate producer, EmbeddedWorld world) {
        DataSource warehouse = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        List<String> manifests = ingest.keys("input/_manifests/");
        assertThat(attempt(producer, world)).as("reconciliation failure").isNull();
        String latest = " FROM pipeline.reconcile_run WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)";
        long tables = SqlRows.count(warehouse, "SELECT count(*)" + latest + " AND compared_with = 'lake'");
        long mismatched = SqlRows.count(warehouse, "SELECT coalesce(sum(missing + extra + changed), 0)" + latest);
        return new Outcome(tables, mismatched == 0 && ingest.keys("input/_manifests/").equals(manifests));
    }

    /** Runs one as if its interval had passed; how it failed, or {@code null}. */
    public static Throwable attempt(ProducerTemplate producer, EmbeddedWorld world) {
        DatabaseServer.execute(world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        Exchange result = producer.send(Reconciliations.ENDPOINT, exchange -> {
        });
        return BatchFailure.of(result);
    }

    /**
     * What a run found.
     *
     * @param tablesCompared how many tables it compared
     * @param agreed whether every one was as the lake holds it, with no repair batch
     */
    public record Outcome(long tablesCompared, boolean agreed) {
    }
}
