package io.totesys.pipeline.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.io.CloseableIterable;

/** The data files a scan of a table plans, read from the table's manifests. */
final class PlannedFiles {

    private PlannedFiles() {
    }

    /** The files the scan plans, each with what the scan asked of it (its statistics only if asked). */
    static List<FileScanTask> of(TableScan scan) {
        List<FileScanTask> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
            tasks.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("planning " + scan.table().name() + "'s files failed: " + e.getMessage(), e);
        }
        return files;
    }
}
