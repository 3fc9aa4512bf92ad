package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.sql.DataSource;

/**
 * The CPU time a PostgreSQL server's processes have used, from {@code /proc}: the postmaster's
 * own and that of the children it has reaped ({@code cutime}, {@code cstime}: backends that
 * ended), and each live child's; and of the backends connected to one database, as
 * {@code pg_stat_activity} lists them.
 *
 * @param server every process of the server, in seconds
 * @param backends each live backend of the database, by process id, in seconds
 */
public record ServerCpu(double server, Map<Integer, Double> backends) {

    /** Clock ticks per second of {@code /proc/<pid>/stat} ({@code getconf CLK_TCK}: 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    /** Reads it now, for the server a superuser data source connects to and the database named. */
    public static ServerCpu read(DataSource superuser, String database) {
        try (Connection connection = superuser.getConnection()) {
            return read(connection, database);
        } catch (SQLException e) {
            throw new IllegalStateException("reading the server's processes failed: " + e.getMessage(), e);
        }
    }

    /** Reads it through a connection, whose backend names the postmaster (its parent) while it lasts. */
    private static ServerCpu read(Connection connection, String database) throws SQLException {
        int backend;
        Map<Integer, Double> backends = new HashMap<>();
        List<Integer> pids = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet own = statement.executeQuery("SELECT pg_backend_pid()")) {
            own.next();
            backend = own.getInt(1);
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            statement.setString(1, database);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    pids.add(rows.getInt(1));
                }
            }
        }
        int postmaster = Integer.parseInt(stat(backend)[3]);
        String[] own = stat(postmaster);
        double server = ticks(own, 13) + ticks(own, 14) + ticks(own, 15) + ticks(own, 16);
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(path -> path.getFileName().toString().matches("\\d+")).toList()) {
                String[] fields = statOrNull(Integer.parseInt(process.getFileName().toString()));
                if (fields != null && Integer.parseInt(fields[3]) == postmaster) {
                    server += ticks(fields, 13) + ticks(fields, 14);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("listing /proc failed", e);
        }
        for (int pid : pids) {
            String[] fields = statOrNull(pid);
            if (fields != null) {
                backends.put(pid, (ticks(fields, 13) + ticks(fields, 14)) / TICKS_PER_SECOND);
            }
        }
        return new ServerCpu(server / TICKS_PER_SECOND, backends);
    }

    /** The server's CPU seconds since an earlier reading. */
    public double serverSince(ServerCpu earlier) {
        return server - earlier.server;
    }

    /** The database's backends' CPU seconds since an earlier reading: all of a backend that started since. */
    public double backendsSince(ServerCpu earlier) {
        return backends.entrySet().stream()
                .mapToDouble(backend -> backend.getValue() - earlier.backends.getOrDefault(backend.getKey(), 0.0))
                .sum();
    }

    private static double ticks(String[] fields, int index) {
        return Double.parseDouble(fields[index]);
    }

    private static String[] stat(int pid) {
        String[] fields = statOrNull(pid);
        if (fields == null) {
            throw new IllegalStateException("no process " + pid);
        }
        return fields;
    }

    /** The fields of {@code /proc/<pid>/stat} from the state on (index 0 = pid, 1 = name, 2 = state, 3 = ppid). */
    private static String[] statOrNull(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            int nameEnd = stat.lastIndexOf(')');
            String[] rest = stat.substring(nameEnd + 2).split(" ");
            String[] fields = new String[rest.length + 2];
            fields[0] = Integer.toString(pid);
            fields[1] = stat.substring(stat.indexOf('(') + 1, nameEnd);
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException e) {
            return null;
        }
    }
}
