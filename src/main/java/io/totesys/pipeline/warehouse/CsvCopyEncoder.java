package io.totesys.pipeline.warehouse;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

import org.apache.avro.generic.IndexedRecord;

import io.totesys.pipeline.starschema.WarehouseColumn;

/**
 * Rows as {@code COPY}'s CSV format reads them: every non-NULL value quoted, a quote inside
 * it doubled, NULL an empty unquoted field, so that NULL and an empty string never look
 * alike; line breaks and any Unicode text travel inside the quotes as they are. A row written
 * before an operator added columns to its table ends early: the columns it lacks are NULL.
 */
final class CsvCopyEncoder implements CopyEncoder {

    private final List<WarehouseColumn> columns;

    CsvCopyEncoder(List<WarehouseColumn> columns) {
        this.columns = List.copyOf(columns);
    }

    @Override
    public String copyOptions() {
        return "(FORMAT csv)";
    }

    @Override
    public void write(IndexedRecord row, Writer out) throws IOException {
        for (int index = 0; index < columns.size(); index++) {
            if (index > 0) {
                out.write(',');
            }
            Object value = index < row.getSchema().getFields().size() ? row.get(index) : null;
            if (value != null) {
                out.write('"');
                out.write(columns.get(index).type().toText(value).replace("\"", "\"\""));
                out.write('"');
            }
        }
        out.write('\n');
    }
}
