package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.extract.DeletedKeys;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.world.DatabaseServer;

/**
 * Issue 25 point 3: reconciliation finds rows missing whose keys the lake holds but whose rows
 * no batch read (keys taken in by a deletion check or an otherwise empty poll), and compares
 * keys of zero and below like any other; each is repaired by reading it again.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReconciliationOfKeysTest extends ReconciliationScenario {

    /**
     * Rows a batch's deletion check finds in ToteSys but never extracted (the count of a
     * table with a delete is short of what the lake holds, and rows appeared inside the read
     * horizon): their keys are taken in at once, and reconciliation finds them missing.
     */
    @Test
    void keysTakenInWithoutTheirRowsAreFoundMissing() throws Exception {
        int deleted = (int) SqlRows.count(world.totesysOwner(), "SELECT min(payment_id) FROM payment");
        DatabaseServer.execute(world.totesysOwner(), """
                WITH added AS (INSERT INTO transaction (transaction_type) VALUES ('SALE'), ('SALE')
                               RETURNING transaction_id)
                INSERT INTO payment (transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id,
                                     paid, payment_date, company_ac_number, counterparty_ac_number)
                SELECT transaction_id, 1, 10.00, 1, 1, false, '2022-11-10', 1, 2 FROM added""",
                "DELETE FROM payment WHERE payment_id = " + deleted);
        List<Integer> added = SqlRows.of(world.totesysOwner(),
                "SELECT payment_id FROM payment ORDER BY payment_id DESC LIMIT 2").stream()
                .map(id -> Integer.parseInt(id.substring(1, id.length() - 1))).sorted().toList();
        hideCommittedChangesFromTheBatches();
        List<Integer> deletions = new ArrayList<>();
        // polled as the stage's timer would: PostgreSQL's statistics count the delete within a second
        Awaitility.await("the delete reaches the lake").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    extractBatch().ifPresent(manifest -> {
                        assertThat(ids(manifest, "payment")).isEmpty();
                        deletions.addAll(deletedIds(manifest, "payment"));
                    });
                    return !deletions.isEmpty();
                });
        assertThat(deletions).containsExactly(deleted);

        BatchManifest repair = reconcile().orElseThrow();

        assertThat(ids(repair, "payment")).containsExactlyElementsOf(added);
        assertThat(lastRun().get("payment")).extracting(Found::missing, Found::changed, Found::extra, Found::repaired)
                .containsExactly(2L, 0L, 0L, 2L);
        assertThat(lastRun().get("transaction")).extracting(Found::missing, Found::repaired).containsExactly(2L, 2L);
    }

    /**
     * Issue 25 point 3: rows ToteSys has that were never extracted, found by a poll that is
     * otherwise empty (here a {@code DELETE} rolled back moves the deletion counter; a restart
     * or {@code track_counts} off does the same). Their keys go into the key ranges the lake
     * holds, and their checksums into the mirror as never extracted, so that reconciliation
     * finds them missing and reads them again, instead of adopting ToteSys's rows as the lake's.
     */
    @Test
    void keysTakenInByAnOtherwiseEmptyPollAreFoundMissingNotAdopted() {
        DatabaseServer.execute(world.totesysOwner(), """
                INSERT INTO design (design_name, file_location, file_name)
                VALUES ('Granite', '/usr/share', 'granite-20221104.json'),
                       ('Basalt', '/usr/share', 'basalt-20221104.json')""");
        List<Integer> added = SqlRows.of(world.totesysOwner(),
                "SELECT design_id FROM design ORDER BY design_id DESC LIMIT 2").stream()
                .map(id -> Integer.parseInt(id.substring(1, id.length() - 1))).sorted().toList();
        hideCommittedChangesFromTheBatches();
        DatabaseServer.execute(world.totesysOwner(), "BEGIN",
                "DELETE FROM design WHERE design_id = " + added.get(0), "ROLLBACK");
        try (CapturedLog log = CapturedLog.of(DeletedKeys.class)) {
            Awaitility.await("the poll that takes the keys in").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        assertThat(extractBatch()).as("an otherwise empty poll").isEmpty();
                        return log.lines().stream().anyMatch(line -> line.contains("2 keys of design"));
                    });
        }

        Optional<BatchManifest> repair = reconcile();

        assertThat(lastRun().get("design")).extracting(Found::missing, Found::adopted, Found::repaired)
                .containsExactly(2L, 0L, 2L);
        assertThat(ids(repair.orElseThrow(), "design")).containsExactlyElementsOf(added);
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    /**
     * Issue 25 point 3: a key of zero or below is compared like any other. An application
     * that writes its own keys may write them; a row with one that no batch saw is missing, a
     * key the lake holds that ToteSys lacks is extra.
     */
    @Test
    void keysOfZeroAndBelowAreCompared() {
        DatabaseServer.execute(world.totesysOwner(),
                "INSERT INTO currency (currency_id, currency_code) VALUES (-70000, 'CHF'), (0, 'JPY')");
        hideCommittedChangesFromTheBatches();
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.source_row_checksum VALUES ('currency', -7, hashtextextended('gone', 0))");

        Optional<BatchManifest> repair = reconcile();

        assertThat(lastRun().get("currency")).extracting(Found::missing, Found::extra, Found::repaired)
                .containsExactly(2L, 1L, 3L);
        assertThat(ids(repair.orElseThrow(), "currency")).containsExactly(-70000, 0);
        assertThat(deletedIds(repair.orElseThrow(), "currency")).containsExactly(-7);
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }
}
