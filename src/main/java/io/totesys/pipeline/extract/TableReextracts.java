package io.totesys.pipeline.extract;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.stage.ReplayRequests;

/**
 * The operators' requests to extract a table again whole ({@code pipeline.replay_request}
 * rows with a {@code table_name}): the next batch reads those tables whole, as a first run
 * does, and closes the requests once it is published.
 */
@ApplicationScoped
public class TableReextracts {

    private static final Logger LOG = Logger.getLogger(TableReextracts.class);

    private final ReplayRequests replayRequests;

    TableReextracts(ReplayRequests replayRequests) {
        this.replayRequests = replayRequests;
    }

    /**
     * The open requests the next batch honours. A request naming a table the catalogue does
     * not have is closed with the reason.
     */
    List<ReplayRequests.Request> open() {
        List<ReplayRequests.Request> honoured = new ArrayList<>();
        for (ReplayRequests.Request request : replayRequests.openReextracts()) {
            if (SourceTable.byTableName(request.subject()).isPresent()) {
                honoured.add(request);
                LOG.infof("Re-extract request %d: this batch reads %s whole", request.id(), request.subject());
            } else {
                String problem = "'" + request.subject() + "' is not a table of the ToteSys catalogue "
                        + SourceTable.tableNames();
                replayRequests.done(request, "not re-extracted: " + problem);
                LOG.warnf("Re-extract request %d not honoured: %s", request.id(), problem);
            }
        }
        return honoured;
    }

    /** The table a request names. */
    static SourceTable table(ReplayRequests.Request request) {
        return SourceTable.byTableName(request.subject()).orElseThrow();
    }

    /** Closes the requests a published batch honoured. */
    void done(List<ReplayRequests.Request> requests, ExtractBatch batch) {
        for (ReplayRequests.Request request : requests == null ? List.<ReplayRequests.Request>of() : requests) {
            replayRequests.done(request, batch.isEmpty() ? "extracted whole: the table has no rows"
                    : "extracted whole in batch " + batch.getId());
        }
    }
}
