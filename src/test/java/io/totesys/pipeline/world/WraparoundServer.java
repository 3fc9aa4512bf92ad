package io.totesys.pipeline.world;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

/**
 * ToteSys alone on a PostgreSQL server whose transaction counter a test moves forward by
 * billions, so that it comes round again to the 32-bit {@code xmin} of rows written long
 * before, as it does on a real server once every 2^32 transactions. VACUUM FREEZE keeps a
 * row's {@code xmin} as it was: only a flag says that it no longer counts.
 * <p>
 * The counter is moved with {@code pg_resetwal}, which the embedded binaries
 * ({@link DatabaseServer}) do not ship: this server runs the machine's own PostgreSQL
 * ({@code apt-get install postgresql-15}, which {@code .ci/run} installs). As root, every
 * PostgreSQL program runs in a user namespace of its own ({@code unshare -U}, as the
 * embedded server does), since PostgreSQL refuses to run as root.
 * <p>
 * Each move stays a real server's history: every database is frozen first (as autovacuum
 * would have done over those transactions), the oldest unfrozen id is set to the oldest
 * database's, and the counter lands on the first id of a page of {@code pg_xact}, which the
 * server zeroes as it takes the id. A move is at most {@link #LONGEST_MOVE}, less than the
 * 2^30 transactions a read horizon may fall behind before the extract reads whole tables
 * again: a test polls the extract between moves, as the running service would have.
 */
public final class WraparoundServer implements AutoCloseable {

    /** How many ids a row's 32-bit {@code xmin} tells apart. */
    public static final long XID_SPACE = 1L << 32;

    /** How many transactions' status one 8 KiB page of {@code pg_xact} holds. */
    public static final long STATUS_PAGE = 32_768;

    /** The furthest the counter moves at once: 2^30 less a mebi-transaction. */
    public static final long LONGEST_MOVE = (1L << 30) - (1L << 20);

    /** Where the counter starts: far from the reserved ids 0 to 2 at each turn of the 32 bits. */
    private static final long FIRST_TRANSACTION = 1L << 29;

    private static final String ROOT = "root";

    private final Path binaries;
    private final Path data;
    private final Path log;
    private final int port;

    private WraparoundServer(Path binaries, Path data, Path log, int port) {
        this.binaries = binaries;
        this.data = data;
        this.log = log;
        this.port = port;
    }

    /**
     * Creates a server under the directory, starts it on a free port with ToteSys's roles,
     * database and tables ({@link DatabaseServer#createToteSys}), and moves its counter to
     * 2^29.
     */
    public static WraparoundServer start(Path directory) {
        WraparoundServer server = new WraparoundServer(binaries(), directory.resolve("data"),
                directory.resolve("postgres.log"), FreePort.find());
        server.run("initdb", "-D", server.data.toString(), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                "--locale=C", "--no-sync");
        try {
            Files.writeString(server.data.resolve("pg_hba.conf"), DatabaseServer.PASSWORD_AUTHENTICATION);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.startServer();
        DatabaseServer.createToteSys(server.superuser("postgres"), server.superuser(DatabaseServer.TOTESYS_DATABASE),
                server.owner());
        // No one connects to template0, so no test could freeze it: it would fall 2^31 behind.
        DatabaseServer.execute(server.superuser("postgres"), "ALTER DATABASE template0 IS_TEMPLATE false",
                "DROP DATABASE template0");
        server.moveCounterTo(FIRST_TRANSACTION);
        return server;
    }

    /**
     * The 64-bit id the next transaction that writes will take, while none is open: a
     * snapshot's {@code xmax}, one past the latest transaction that ended.
     */
    public long nextTransaction() {
        return Long.parseLong(DatabaseServer.column(superuser(DatabaseServer.TOTESYS_DATABASE),
                "SELECT pg_snapshot_xmax(pg_current_snapshot())::text").get(0));
    }

    /** Commits {@code count} transactions that each take an id and write nothing, as a busy server's others do. */
    public void commitTransactions(long count) {
        if (count > 0) {
            DatabaseServer.execute(superuser("postgres"), "DO $$ BEGIN FOR i IN 1.." + count
                    + " LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$");
        }
    }

    /** Commits transactions until the next one to write will take the given id. */
    public void commitTransactionsUntil(long next) {
        long now = nextTransaction();
        if (next < now) {
            throw new IllegalArgumentException("the counter is at " + now + ", past " + next);
        }
        commitTransactions(next - now);
        long after = nextTransaction();
        if (after != next) {
            throw new IllegalStateException("the counter is at " + after + " instead of " + next
                    + ": another session took ids meanwhile");
        }
    }

    /**
     * Moves the counter forward to {@code next}, the first id of a {@code pg_xact} page at most
     * {@link #LONGEST_MOVE} ahead: freezes every database, stops the server, resets its counter
     * (epoch and 32 bits) and its oldest unfrozen id, and starts it again on the same port.
     */
    public void moveCounterTo(long next) {
        long now = nextTransaction();
        if (next <= now || next - now > LONGEST_MOVE || next % STATUS_PAGE != 0 || next % XID_SPACE == 0) {
            throw new IllegalArgumentException("the counter at " + now + " moves to the first id of a pg_xact page ("
                    + STATUS_PAGE + " ids) at most " + LONGEST_MOVE + " ahead, not a multiple of 2^32: not " + next);
        }
        freeze();
        String oldest = DatabaseServer.column(superuser("postgres"),
                "SELECT datfrozenxid::text FROM pg_database ORDER BY age(datfrozenxid) DESC LIMIT 1").get(0);
        run("pg_ctl", "-D", data.toString(), "-w", "-m", "fast", "stop");
        run("pg_resetwal", "-D", data.toString(), "-e", Long.toString(next / XID_SPACE), "-x",
                Long.toString(next % XID_SPACE), "-u", oldest);
        startServer();
    }

    /** Freezes every row of every database, as VACUUM (FREEZE) does. */
    public void freeze() {
        for (String database : DatabaseServer.column(superuser("postgres"),
                "SELECT datname FROM pg_database WHERE datallowconn")) {
            DatabaseServer.execute(superuser(database), "VACUUM (FREEZE)");
        }
    }

    /** ToteSys as its owner, the application that writes it. */
    public DataSource owner() {
        return dataSource(DatabaseServer.TOTESYS_DATABASE, DatabaseServer.OWNER, DatabaseServer.OWNER_PASSWORD);
    }

    /** The superuser, connected to a database. */
    public DataSource superuser(String database) {
        return dataSource(database, "postgres", null);
    }

    /** The service's settings that point it at this ToteSys, read by the SELECT-only role. */
    public Map<String, String> sourceEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("TOTESYS_JDBC_URL", jdbcUrl(DatabaseServer.TOTESYS_DATABASE));
        environment.put("TOTESYS_USERNAME", DatabaseServer.READER);
        environment.put("TOTESYS_PASSWORD", DatabaseServer.READER_PASSWORD);
        return environment;
    }

    /** Stops the server and removes its files. */
    @Override
    public void close() {
        try {
            run("pg_ctl", "-D", data.toString(), "-w", "-m", "immediate", "stop");
        } finally {
            try (Stream<Path> paths = Files.walk(data)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // left for mvn clean
            }
        }
    }

    private void startServer() {
        run("pg_ctl", "-D", data.toString(), "-l", log.toString(), "-w", "-t", "60", "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c timezone=UTC"
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40",
                "start");
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private DataSource dataSource(String database, String user, String password) {
        return DatabaseServer.dataSourceAt(jdbcUrl(database), user, password);
    }

    /** Runs one of PostgreSQL's programs, its output appended to the server's log; fails with its last lines. */
    private void run(String program, String... arguments) {
        List<String> command = new ArrayList<>();
        if (ROOT.equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(binaries.resolve(program).toString());
        command.addAll(List.of(arguments));
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(program + " did not finish within 90 s; see " + log);
            }
            if (process.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log);
                throw new IllegalStateException(program + " failed (exit " + process.exitValue() + "): "
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + program, e);
        }
    }

    /**
     * The newest PostgreSQL 13 or later installed the Debian way, with {@code pg_resetwal};
     * {@code -Dwraparound.postgres.bin=DIR} names another.
     */
    private static Path binaries() {
        String named = System.getProperty("wraparound.postgres.bin");
        if (named != null) {
            return Path.of(named);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(version -> version.getFileName().toString().matches("\\d+"))
                    .filter(version -> Integer.parseInt(version.getFileName().toString()) >= 13)
                    .map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("pg_resetwal")))
                    .max(Comparator.comparingInt(bin -> Integer.parseInt(bin.getParent().getFileName().toString())))
                    .orElseThrow(WraparoundServer::noBinaries);
        } catch (IOException e) {
            throw noBinaries();
        }
    }

    /** Whether the machine has the binaries a counter move needs (the test is skipped without them). */
    public static boolean binariesInstalled() {
        try {
            return Files.isExecutable(binaries().resolve("pg_resetwal"));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static IllegalStateException noBinaries() {
        return new IllegalStateException("moving a server's transaction counter needs PostgreSQL's own initdb, pg_ctl "
                + "and pg_resetwal (13 or later), which the embedded server does not ship: apt-get install "
                + "postgresql-15, or name their folder with -Dwraparound.postgres.bin=DIR");
    }
}
