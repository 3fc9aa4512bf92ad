package io.totesys.pipeline.lake.csv;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;
import org.apache.camel.spi.DataFormat;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes {@link DeletedRows} in the lake's CSV dialect (docs/architecture.md#csv-format, {@link ExtractedCsv#FORMAT}):
 * RFC 4180 with CRLF line ends, UTF-8, every non-NULL value quoted and NULL as an empty
 * unquoted field, one record at a time as the cursor hands them out.
 * <p>
 * camel-csv writes the same text, but looks every record up in the type converter registry
 * first (as a {@code Map}), a search over all converters that cost more than half of the
 * extract stage's time; records here are the lists of text the cursor makes, written as they are.
 */
@ApplicationScoped
@Named("lakeCsv")
public class LakeCsvDataFormat extends ServiceSupport implements DataFormat {

    private static final int BUFFER_SIZE = 1 << 16;

    @Override
    public void marshal(Exchange exchange, Object graph, OutputStream stream) throws Exception {
        @SuppressWarnings("unchecked")
        Iterator<List<String>> records = exchange.getContext().getTypeConverter().mandatoryConvertTo(Iterator.class,
                exchange, graph);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), BUFFER_SIZE);
        CSVPrinter printer = new CSVPrinter(out, ExtractedCsv.FORMAT);
        while (records.hasNext()) {
            printer.printRecord(records.next());
        }
        printer.flush();
    }

    /** Reading the lake's CSV back is {@link ExtractedCsv}'s work, which validates every value. */
    @Override
    public Object unmarshal(Exchange exchange, InputStream stream) {
        throw new UnsupportedOperationException("read extract CSV objects with ExtractedCsv");
    }
}
