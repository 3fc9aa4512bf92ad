package io.totesys.pipeline.world;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/** Seeded rows streamed into ToteSys's tables with {@code COPY}, as fast as PostgreSQL takes them. */
final class ToteSysCopy {

    private ToteSysCopy() {
    }

    static String[] row(Object... values) {
        String[] row = new String[values.length];
        for (int index = 0; index < values.length; index++) {
            row[index] = values[index] == null ? null : String.valueOf(values[index]);
        }
        return row;
    }

    /** Where seeded rows go, one at a time; a null value is NULL. */
    interface Rows {
        void add(String[] row) throws IOException;
    }

    interface RowSource {
        void fill(Rows rows) throws SQLException, IOException;
    }

    /** Streams rows into a table with COPY, in the table's column order, as they are made. */
    static void copy(Connection connection, String table, RowSource source) throws SQLException, IOException {
        PGConnection postgres = connection.unwrap(PGConnection.class);
        try (CsvRows rows = new CsvRows(new PGCopyOutputStream(postgres, copyCommand(table), 1 << 16))) {
            source.fill(rows);
        }
    }

    private static String copyCommand(String table) {
        return "COPY " + table + " FROM STDIN (FORMAT csv)";
    }

    /** Rows written as the CSV that {@code COPY ... (FORMAT csv)} reads: every non-NULL value quoted. */
    static class CsvRows implements Rows, AutoCloseable {

        private final Writer out;

        CsvRows(OutputStream target) {
            this.out = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8), 1 << 16);
        }

        @Override
        public void add(String[] row) throws IOException {
            for (int index = 0; index < row.length; index++) {
                if (index > 0) {
                    out.write(',');
                }
                if (row[index] != null) {
                    out.write('"');
                    out.write(row[index].replace("\"", "\"\""));
                    out.write('"');
                }
            }
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /**
     * The rows of one table spooled to a temporary file, for tables that fill together but
     * must be copied one after the other (a COPY holds its connection until it ends).
     */
    static final class SpooledRows extends CsvRows {

        private final String table;
        private final Path file;

        SpooledRows(String table) throws IOException {
            this(table, Files.createTempFile("totesys-" + table + "-", ".csv"));
        }

        private SpooledRows(String table, Path file) throws IOException {
            super(Files.newOutputStream(file));
            this.table = table;
            this.file = file;
        }

        void copyInto(Connection connection) throws SQLException, IOException {
            super.close();
            try (InputStream in = Files.newInputStream(file)) {
                connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copyCommand(table), in, 1 << 16);
            }
        }

        @Override
        public void close() throws IOException {
            super.close();
            Files.deleteIfExists(file);
        }
    }
}
