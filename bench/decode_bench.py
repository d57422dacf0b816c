#!/usr/bin/python3
"""Decode rate of the dbchangetracking output plugin next to wal2json's, on the same WAL.

    /usr/bin/python3 bench/decode_bench.py [--changes N] [--repeat R]

Starts a throwaway PostgreSQL, creates one slot per plugin back to back, makes N row changes
(inserts, then updates of every other row, in transactions of 10,000) on the differential
test's table (13 columns: int8, text, numeric, timestamptz, bool, jsonb, uuid, float8, date,
bytea, arrays), then decodes that WAL with each plugin two ways:

  peek        SELECT count(*) FROM pg_logical_slot_peek_changes(...): decoding in the backend,
              no client transfer (best of R runs)
  recvlogical pg_recvlogical --start --endpos ... -f /dev/null: the walsender path, consuming
              the slot (once)

and prints one markdown table row per way, with events/s and dbchangetracking/wal2json.
wal2json runs with format-version 2, no transaction records, no type names: its leanest form.
Set DBCT_PG_DYNAMIC_LIBRARY_PATH='<worktree>/pg_extension:$libdir' to measure a build that
is not installed.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import servers  # noqa: E402
from test_output_plugin_differential import COLUMNS, ROW_EXPRESSIONS, UPDATE_SET  # noqa: E402

WAL2JSON_OPTIONS = {"format-version": "2", "include-transaction": "0", "include-types": "0"}
PLUGINS = {"dbchangetracking": {}, "wal2json": WAL2JSON_OPTIONS}


def make_workload(server, changes):
    columns = ", ".join(f"{name} {typ}" for name, typ in COLUMNS.items())
    server.execute(f"CREATE TABLE bench ({columns}, PRIMARY KEY (id))")
    for plugin in PLUGINS:
        server.execute("SELECT pg_create_logical_replication_slot(%s, %s)",
                       (f"bench_{plugin}", plugin))
    inserts = (changes * 2 + 2) // 3
    conn = server.connect(autocommit=False)
    made = 0
    with conn.cursor() as cur:
        for start in range(1, inserts + 1, 10000):
            end = min(inserts, start + 9999)
            cur.execute(f"INSERT INTO bench SELECT {ROW_EXPRESSIONS} "
                        "FROM generate_series(%s::int8, %s::int8) g", (start, end))
            made += cur.rowcount
            conn.commit()
        for start in range(1, inserts + 1, 20000):
            if made >= changes:
                break
            end = min(start + 2 * (changes - made) - 1, start + 19999)
            cur.execute(f"UPDATE bench SET {UPDATE_SET} "
                        "WHERE mod(id, 2) = 0 AND id BETWEEN %s AND %s", (start, end))
            made += cur.rowcount
            conn.commit()
        cur.execute("SELECT pg_current_wal_insert_lsn()")
        end_lsn = cur.fetchone()[0]
    conn.close()
    return made, end_lsn


def peek_seconds(server, plugin, repeat):
    args = []
    for key, value in PLUGINS[plugin].items():
        args += [key, value]
    placeholders = "".join(", %s" for _ in args)
    sql = (f"SELECT count(*) FROM pg_logical_slot_peek_changes(%s, NULL, NULL{placeholders})")
    best, events = None, None
    for _ in range(repeat):
        started = time.monotonic()
        events = server.execute(sql, [f"bench_{plugin}", *args])[0][0]
        elapsed = time.monotonic() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, events


def recvlogical_seconds(server, plugin, end_lsn):
    cmd = [os.path.join(servers.PG_BIN, "pg_recvlogical"), "-d", server.dsn("postgres"),
           "--slot", f"bench_{plugin}", "--start", "--endpos", end_lsn, "-f", "/dev/null",
           "-F", "0", "--no-loop"]
    for key, value in PLUGINS[plugin].items():
        cmd += ["-o", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"pg_recvlogical for {plugin} failed: {result.stderr.strip()}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200000, help="row changes to decode")
    parser.add_argument("--repeat", type=int, default=3, help="peek runs per plugin (best)")
    args = parser.parse_args()

    conf_lines, preload = servers.decoding_conf_lines()
    server = servers.PostgresServer(conf_lines=conf_lines, preload=preload)
    server.start()
    try:
        made, end_lsn = make_workload(server, args.changes)
        rates = {}
        for plugin in PLUGINS:
            seconds, events = peek_seconds(server, plugin, args.repeat)
            if events != made:
                raise SystemExit(f"{plugin} decoded {events} events for {made} changes")
            rates[("peek", plugin)] = made / seconds
        for plugin in PLUGINS:
            rates[("recvlogical", plugin)] = made / recvlogical_seconds(server, plugin, end_lsn)
    finally:
        server.stop()
        server.cleanup()

    print(f"\n{made} changes (13-column rows: 2/3 inserts, 1/3 updates), PostgreSQL 15\n")
    print("| path | dbchangetracking events/s | wal2json events/s | ratio |")
    print("|---|---:|---:|---:|")
    for way in ("peek", "recvlogical"):
        ours, theirs = rates[(way, "dbchangetracking")], rates[(way, "wal2json")]
        print(f"| {way} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
