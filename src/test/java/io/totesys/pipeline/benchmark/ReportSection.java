package io.totesys.pipeline.benchmark;

import java.util.List;

/**
 * A part of the report that a measurement of its own adds after the pipeline's (for example
 * a page the service serves, timed while it runs): its Markdown, and the targets it judges,
 * which join the report's table of targets.
 */
public interface ReportSection {

    /** The section's Markdown, from its {@code ## } heading on, ending with a blank line. */
    String markdown();

    /** The targets the section judges. */
    default List<Target> targets() {
        return List.of();
    }
}
