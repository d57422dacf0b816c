"""A transaction of DBCT_BIG_TX_ROWS rows (default 1,000,000) decodes through
`pg_recvlogical -P dbchangetracking` with bounded memory.

The plugin does not stream transactions: PostgreSQL spills the reorder buffer to disk beyond
logical_decoding_work_mem (64MB by default) and the plugin decodes at commit, one change at a
time in a memory context reset after each. So the walsender's peak resident size (VmHWM) must
stay near the work_mem limit, whatever the transaction's size.
"""

import os
import signal
import subprocess
import time

import pytest

import servers

ROWS = int(os.environ.get("DBCT_BIG_TX_ROWS", "1000000"))
PEAK_LIMIT_KB = int(os.environ.get("DBCT_BIG_TX_PEAK_MB", "256")) * 1024


def _vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def test_million_row_transaction_decodes_with_bounded_memory(decoding_server):
    server = decoding_server
    started = time.monotonic()
    server.execute("CREATE TABLE big (id int8 PRIMARY KEY, payload text, amount numeric(12,2), "
                   "at timestamptz)")
    server.execute("SELECT pg_create_logical_replication_slot('big_slot', 'dbchangetracking')")
    # one transaction
    server.execute("INSERT INTO big SELECT g, repeat('x', 100) || g, g / 100.0, "
                   "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' "
                   "FROM generate_series(1, %s) g", (ROWS,))
    inserted = time.monotonic()

    cmd = [os.path.join(servers.PG_BIN, "pg_recvlogical"), "-d", server.dsn("postgres"),
           "--slot", "big_slot", "--start", "-f", "-", "-F", "0", "-s", "1",
           "-o", "tables=public.big"]
    recv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    walsender = None
    peak_kb = 0
    lines = 0
    try:
        deadline = time.monotonic() + 600
        next_sample = 0.0
        while lines < ROWS:
            chunk = recv.stdout.read1(1 << 20)
            if not chunk:
                pytest.fail(f"pg_recvlogical ended after {lines} events: "
                            f"{recv.stderr.read().decode(errors='replace')}")
            lines += chunk.count(b"\n")
            if walsender is None:
                row = server.execute("SELECT active_pid FROM pg_replication_slots "
                                     "WHERE slot_name = 'big_slot'")
                walsender = row[0][0] if row and row[0][0] else None
            if walsender is not None and time.monotonic() >= next_sample:
                peak_kb = max(peak_kb, _vm_hwm_kb(walsender))
                next_sample = time.monotonic() + 0.25
            assert time.monotonic() < deadline, f"only {lines} of {ROWS} events within 600 s"
        # the walsender is still alive (pg_recvlogical keeps streaming): its lifetime peak
        peak_kb = max(peak_kb, _vm_hwm_kb(walsender))
    finally:
        recv.send_signal(signal.SIGINT)
        try:
            recv.wait(timeout=20)
        except subprocess.TimeoutExpired:
            recv.kill()
            recv.wait()
    assert lines == ROWS, f"{lines} events for {ROWS} rows"
    decoded = time.monotonic()
    print(f"\n{ROWS} rows: insert {inserted - started:.1f} s, decode {decoded - inserted:.1f} s, "
          f"walsender peak RSS {peak_kb / 1024:.0f} MB")
    assert peak_kb < PEAK_LIMIT_KB, (
        f"walsender peak RSS {peak_kb / 1024:.0f} MB exceeds {PEAK_LIMIT_KB / 1024:.0f} MB")
