#!/usr/bin/env python3
"""What one extract poll costs ToteSys: the query each poll runs on every table, timed by psql.

Usage: scripts/extract-poll-cost.py postgresql://user:password@host:port/totesys [runs]

Runs, in a REPEATABLE READ snapshot as the extractor does, for all eleven tables:
  window: the last_updated window the extractor read before read horizons (30 s wide),
  horizon: the read-horizon query (SourceTable.changedRowsQuery, SINCE_HORIZON) with nothing new to find,
  count: the row count a table gets when its deletion counter moved.
and prints the median over the runs of the summed statement times. Needs psql.
"""
import re
import statistics
import subprocess
import sys

TABLES = ["address", "counterparty", "currency", "department", "design", "payment_type", "staff",
          "sales_order", "purchase_order", "transaction", "payment"]
ROW_TRANSACTION = "(:xmax::bigint - mod(:xmax32::bigint - xmin::text::bigint + 4294967296, 4294967296))"


def statements(kind):
    for table in TABLES:
        key = table + "_id"
        if kind == "window":
            yield (f"SELECT * FROM {table} WHERE last_updated < localtimestamp - interval '2 seconds' "
                   f"AND last_updated >= localtimestamp - interval '32 seconds' ORDER BY last_updated, {key};")
        elif kind == "horizon":
            yield (f"SELECT *, {ROW_TRANSACTION} FROM {table} WHERE age(xmin) BETWEEN 0 AND :threshold "
                   f"AND NOT pg_visible_in_snapshot(({ROW_TRANSACTION})::text::xid8, :'snapshot'::pg_snapshot) "
                   f"ORDER BY last_updated, {key};")
        else:
            yield f"SELECT count(*) FROM {table};"


def poll(url, kind):
    script = "\n".join([
        "\\set QUIET on",
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;",
        "SELECT pg_current_snapshot() AS snapshot, pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax, "
        "pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296 AS xmax32, "
        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296 AS xmin32 \\gset",
        "SELECT age(:'xmin32'::xid) AS threshold \\gset",
        "\\timing on", *statements(kind), "\\timing off", "COMMIT;"])
    output = subprocess.run(["psql", "-X", url], input=script, capture_output=True, text=True, check=True).stdout
    return sum(float(ms) for ms in re.findall(r"Time: ([0-9.]+) ms", output))


def main():
    url = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    for kind in ["window", "horizon", "count"]:
        times = [poll(url, kind) for _ in range(runs)]
        print(f"{kind:8} median {statistics.median(times):8.1f} ms per poll over {runs} runs "
              f"(min {min(times):.1f}, max {max(times):.1f})")


if __name__ == "__main__":
    main()
