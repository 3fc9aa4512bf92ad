package io.totesys.pipeline.testing;

import org.apache.camel.ProducerTemplate;

import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * A fact that reaches the warehouse before the dimension row it refers to: a new member of
 * staff ({@value #STAFF_ID}) and an order of theirs, whose batch's staff object never reaches
 * the transform (quarantined as missing), so the load infers the member.
 */
public final class LateDimensionRow {

    /** The member of staff that arrives late. */
    public static final int STAFF_ID = 99;

    private LateDimensionRow() {
    }

    /** Writes the member and the order to ToteSys, and runs the three stages without the member's object. */
    public static void load(EmbeddedWorld world, ProducerTemplate producer) {
        DatabaseServer.execute(world.totesysOwner(), """
                INSERT INTO staff (staff_id, first_name, last_name, department_id, email_address)
                VALUES (%1$d, 'Ana', 'Late', 1, 'ana.late@terrifictotes.com');
                INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
                                         agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
                VALUES (1, %1$d, 1, 10, 2.50, 1, '2026-12-01', '2026-12-02', 1)""".formatted(STAFF_ID));
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        ingest.keys("input/staff/").forEach(ingest::delete);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }
}
