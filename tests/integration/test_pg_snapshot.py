"""Snapshots of the PostgreSQL extension: the initial snapshot and snapshot() re-reads, read in
chunks between watermarks while changes keep streaming (docs/snapshot.md).

Each test rebuilds the table from the stream (op r/c/u set a key's row, d removes it) and
compares it with the table itself, and checks that positions increase and Nats-Msg-Ids are
unique. Needs the extension installed into the system PostgreSQL 15.
"""

import json
import random
import threading
import time

import psycopg2
import pytest

from nats_client import NatsClient, stream_name
from servers import pg_extension_installed

pytestmark = pytest.mark.skipif(not pg_extension_installed(),
                                reason="the dbchangetracking extension is not installed")

ROWS = 200_000


def connect(pg, db="postgres"):
    conn = psycopg2.connect(pg.dsn(db))
    conn.autocommit = True
    return conn


def sql(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args or None)
        if cur.description:
            return cur.fetchall()
        return None


def track(conn, name, tables, nats, **options):
    opts = {"nats": {"url": nats.url, "stream": {"maxMessages": -1}}}
    opts.update(options)
    sql(conn, "SELECT dbchangetracking.track(%s, %s, %s)", name, tables, json.dumps(opts))


def wait_for(predicate, timeout=60, what="condition", interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def catalog_state(conn, name):
    return sql(conn, "SELECT state FROM dbchangetracking.trackings WHERE name = %s", name)[0][0]


def wait_snapshot_done(conn, name, timeout=90, pg=None):
    def done():
        if catalog_state(conn, name) == "streaming" and not sql(
                conn, "SELECT 1 FROM dbchangetracking.snapshot_request WHERE tracking = %s", name):
            return True
        status = sql(conn, "SELECT state, last_error, snapshot_table, snapshot_rows "
                           "FROM dbchangetracking.status WHERE name = %s", name)
        done.last = status
        return False
    done.last = None
    try:
        wait_for(done, timeout, f"the snapshot of {name} to finish")
    except AssertionError as e:
        log = ""
        if pg is not None:
            log = "\n".join(line for line in pg.log_text().splitlines()
                            if "dbchangetracking" in line or "ERROR" in line)[-4000:]
        raise AssertionError(f"{e}; status: {done.last}\n{log}") from None


def wait_caught_up(conn, name, timeout=60):
    """Everything written so far is published and acknowledged (the slot confirmed past it)."""
    lsn = sql(conn, "SELECT pg_current_wal_lsn()")[0][0]
    wait_for(lambda: sql(conn, "SELECT confirmed_lsn >= %s::pg_lsn FROM dbchangetracking.status "
                               "WHERE name = %s", lsn, name)[0][0],
             timeout, f"{name} to confirm {lsn}")


def read_stream(nats, name):
    with NatsClient(nats.url) as client:
        return client.stream_messages(stream_name(name), timeout=120)


def changes(messages, name):
    return [m for m in messages if m.subject == f"dbchangetracking.{name}"]


def parse_position(text):
    commit, lsn, index = text.split(":")

    def lsn_value(t):
        hi, lo = t.split("/")
        return (int(hi, 16) << 32) | int(lo, 16)
    return (lsn_value(commit), lsn_value(lsn), int(index))


def check_positions(events):
    ids = [e.headers["Nats-Msg-Id"] for e in events]
    assert len(set(ids)) == len(ids), "a Nats-Msg-Id is repeated"
    positions = [parse_position(e.headers["Dbct-Position"]) for e in events]
    for a, b in zip(positions, positions[1:]):
        assert a < b, f"positions do not increase: {a} then {b}"


def rebuild(events):
    """The table as the stream tells it: id -> row."""
    state = {}
    for e in events:
        body = e.json()
        if body["op"] in ("r", "c", "u"):
            state[body["after"]["id"]] = body["after"]
        elif body["op"] == "d":
            state.pop(body["before"]["id"], None)
    return state


def table_rows(conn, table):
    return {r[0]: {"id": r[0], "v": r[1], "pad": r[2]}
            for r in sql(conn, f"SELECT id, v, pad FROM {table}")}


def reads_per_id(events):
    counts = {}
    for e in events:
        body = e.json()
        if body["op"] == "r":
            counts[body["after"]["id"]] = counts.get(body["after"]["id"], 0) + 1
    return counts


class Writers:
    """Two sessions inserting, updating and deleting rows of a table until stopped."""

    def __init__(self, pg, table, key_range, sessions=2):
        self.pg = pg
        self.table = table
        self.key_range = key_range
        self.stop = threading.Event()
        self.errors = []
        self.ops = 0
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True)
                        for n in range(sessions)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def run(self, n):
        rnd = random.Random(n)
        try:
            conn = psycopg2.connect(self.pg.dsn("postgres"))
            next_new = 10_000_000 * (n + 1)
            while not self.stop.is_set():
                with conn.cursor() as cur:
                    for _ in range(rnd.randint(1, 5)):
                        op = rnd.random()
                        key = rnd.randint(1, self.key_range)
                        if op < 0.5:
                            cur.execute(f"UPDATE {self.table} SET v = v + 1 WHERE id = %s", (key,))
                        elif op < 0.7:
                            cur.execute(f"DELETE FROM {self.table} WHERE id = %s", (key,))
                        elif op < 0.85:
                            # back into the key range the snapshot reads
                            cur.execute(f"INSERT INTO {self.table} VALUES (%s, -1, 'again') "
                                        "ON CONFLICT (id) DO UPDATE SET v = excluded.v", (key,))
                        else:
                            next_new += 1
                            cur.execute(f"INSERT INTO {self.table} VALUES (%s, 0, 'new')", (next_new,))
                if rnd.random() < 0.1:
                    conn.rollback()
                else:
                    conn.commit()
                self.ops += 1
            conn.close()
        except Exception as e:  # reported by the test
            self.errors.append(e)


def make_table(conn, table, rows):
    sql(conn, f"CREATE TABLE {table} (id int PRIMARY KEY, v int NOT NULL, pad text)")
    sql(conn, f"INSERT INTO {table} SELECT g, 0, 'row ' || g FROM generate_series(1, {rows}) g")


def create_extension(pg):
    conn = connect(pg)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    return conn


# ---- tests -----------------------------------------------------------------------------------


def test_initial_snapshot_reads_existing_rows(postgres_server, nats_server):
    conn = create_extension(postgres_server)
    make_table(conn, "public.small", 3)
    sql(conn, "CREATE TABLE public.other (id int PRIMARY KEY, v int NOT NULL, pad text)")
    sql(conn, "INSERT INTO public.other VALUES (7, 1, 'x'), (8, 2, repeat('toast', 100000))")
    track(conn, "small", "public.small,public.other", nats_server)
    wait_snapshot_done(conn, "small", pg=postgres_server)
    sql(conn, "INSERT INTO public.small VALUES (4, 0, 'after')")
    wait_caught_up(conn, "small")

    events = changes(read_stream(nats_server, "small"), "small")
    check_positions(events)
    bodies = [e.json() for e in events]
    assert [(b["op"], b["source"]["table"], b["after"]["id"]) for b in bodies] == [
        ("r", "small", 1), ("r", "small", 2), ("r", "small", 3),
        ("r", "other", 7), ("r", "other", 8), ("c", "small", 4)]
    assert [b["source"]["snapshot"] for b in bodies] == [
        "first", "true", "last_in_data_collection", "first_in_data_collection", "last", "false"]
    # rendered as the decoder renders a tuple; TOASTed values read in full
    assert bodies[0]["after"] == {"id": 1, "v": 0, "pad": "row 1"}
    assert bodies[4]["after"]["pad"] == "toast" * 100000
    assert bodies[0]["before"] is None
    first = events[0]
    assert first.headers["Dbct-Op"] == "r"
    assert first.headers["Dbct-Table"] == "public.small"
    assert json.loads(first.headers["Dbct-Key"]) == {"id": 1}
    assert first.headers["Nats-Msg-Id"] == "small:" + first.headers["Dbct-Position"]
    # watermarks are never published, on any subject
    assert not [m for m in read_stream(nats_server, "small") if "watermark" in m.data.decode()]

    st = sql(conn, "SELECT state, snapshot_table, snapshot_tables_done, snapshot_tables_total, "
                   "snapshot_tables_pending FROM dbchangetracking.status WHERE name = 'small'")[0]
    assert st == ("streaming", None, 2, 2, 0)

    # the notable snapshot lines also reach the tracking's NATS log stream, with their fields
    lines = log_lines(nats_server, "small")
    assert {"message": 'initial snapshot of table "public.small" starts',
            "fields": {"table": "public.small"}} in lines
    assert {"message": 'snapshot of table "public.other" is done (2 rows)',
            "fields": {"table": "public.other", "rows": 2}} in lines
    assert any(line["message"] == "snapshot done (2 tables)" for line in lines)


def log_lines(nats, name):
    """The tracking's lines in stream dbchangetracking-logs, as {message, fields}."""
    with NatsClient(nats.url) as client:
        msgs = client.stream_messages("dbchangetracking-logs")
    return [{"message": m.json()["message"], "fields": m.json()["fields"]}
            for m in msgs if m.subject == f"dbchangetracking.logs.{name}"]


def test_initial_snapshot_under_concurrent_writes(postgres_server, nats_server):
    """200,000 rows read while two sessions insert, update and delete: every row arrives once
    in its final state (as r or a later change), nothing is missing."""
    conn = create_extension(postgres_server)
    make_table(conn, "public.big", ROWS)
    with Writers(postgres_server, "public.big", ROWS) as writers:
        track(conn, "big", "public.big", nats_server)
        # progress shows in the status view while the snapshot runs
        progress = wait_for(lambda: sql(
            conn, "SELECT state, snapshot_table, snapshot_rows, snapshot_rows_total "
                  "FROM dbchangetracking.status WHERE name = 'big' AND snapshot_rows > 0"),
            30, "snapshot progress in the status view", interval=0.02)
        wait_snapshot_done(conn, "big", pg=postgres_server)
    assert not writers.errors, writers.errors
    assert writers.ops > 50
    state, table, rows, total = progress[0]
    assert state == "snapshotting" and table == "public.big"
    assert 0 < rows <= ROWS and total >= ROWS * 0.9
    wait_caught_up(conn, "big")

    events = changes(read_stream(nats_server, "big"), "big")
    check_positions(events)
    assert rebuild(events) == table_rows(conn, "public.big")
    reads = reads_per_id(events)
    assert max(reads.values()) == 1
    assert len(reads) > ROWS * 0.9
    assert sql(conn, "SELECT events_published FROM dbchangetracking.status WHERE name = 'big'")[0][0] == len(events)


def test_snapshot_function_rereads_a_streaming_table(postgres_server, nats_server):
    conn = create_extension(postgres_server)
    make_table(conn, "public.live", ROWS)
    track(conn, "live", "public.live", nats_server, snapshotMode="never",
          incrementalSnapshotChunkSize="5000")
    wait_for(lambda: catalog_state(conn, "live") == "streaming", 10, "state streaming")
    sql(conn, "UPDATE public.live SET v = 1 WHERE id <= 10")
    with Writers(postgres_server, "public.live", ROWS):
        time.sleep(0.5)
        sql(conn, "SELECT dbchangetracking.snapshot('live')")
        wait_snapshot_done(conn, "live", pg=postgres_server)
    wait_caught_up(conn, "live")

    events = changes(read_stream(nats_server, "live"), "live")
    check_positions(events)
    assert events[0].json()["op"] == "u"      # streaming went on before the re-read
    assert rebuild(events) == table_rows(conn, "public.live")
    reads = reads_per_id(events)
    assert max(reads.values()) == 1 and len(reads) > ROWS * 0.9
    assert {e.json()["source"]["snapshot"] for e in events if e.json()["op"] == "r"} == {"incremental"}

    # bad input
    with pytest.raises(psycopg2.Error, match='table "public.nope" does not exist|table .public.nope. does not exist'):
        sql(conn, "SELECT dbchangetracking.snapshot('live', 'public.nope')")
    sql(conn, "CREATE TABLE public.untracked (id int PRIMARY KEY)")
    with pytest.raises(psycopg2.Error, match='is not tracked by "live"'):
        sql(conn, "SELECT dbchangetracking.snapshot('live', 'public.untracked')")


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_mid_snapshot_is_exactly_once(postgres_server, nats_server, mode):
    conn = create_extension(postgres_server)
    make_table(conn, "public.resumed", ROWS)
    track(conn, "resumed", "public.resumed", nats_server, incrementalSnapshotChunkSize="2000")
    wait_for(lambda: sql(conn, "SELECT snapshot_rows > 40000 FROM dbchangetracking.status "
                               "WHERE name = 'resumed'")[0][0], 60, "snapshot progress", interval=0.02)
    conn.close()
    postgres_server.restart(mode=mode)
    conn = connect(postgres_server)
    sql(conn, "INSERT INTO public.resumed VALUES (%s, 5, 'during')", ROWS + 1)
    wait_snapshot_done(conn, "resumed", pg=postgres_server)
    wait_caught_up(conn, "resumed")

    events = changes(read_stream(nats_server, "resumed"), "resumed")
    check_positions(events)
    reads = reads_per_id(events)
    assert len(reads) >= ROWS and max(reads.values()) == 1
    assert rebuild(events) == table_rows(conn, "public.resumed")
    assert sum(1 for e in events if e.json()["op"] == "r") == len(reads)
    # it carried on from its progress rather than starting over
    assert 'initial snapshot of table "public.resumed" continues' in postgres_server.log_text()


@pytest.mark.parametrize("mode", ["never", "no_data"])
def test_snapshot_modes_that_skip_existing_rows(postgres_server, nats_server, mode):
    conn = create_extension(postgres_server)
    make_table(conn, "public.skipped", 100)
    track(conn, "skipped", "public.skipped", nats_server, snapshotMode=mode)
    assert catalog_state(conn, "skipped") == "streaming"
    sql(conn, "UPDATE public.skipped SET v = 2 WHERE id = 5")
    wait_caught_up(conn, "skipped")
    events = changes(read_stream(nats_server, "skipped"), "skipped")
    assert [(e.json()["op"], e.json()["after"]["id"]) for e in events] == [("u", 5)]


def test_table_without_primary_key_is_read_in_one_pass(postgres_server, nats_server):
    conn = create_extension(postgres_server)
    sql(conn, "CREATE TABLE public.nokey (id int, v int NOT NULL, pad text)")
    sql(conn, "INSERT INTO public.nokey SELECT g, 0, 'x' FROM generate_series(1, 5000) g")
    track(conn, "nokey", "public.nokey", nats_server)
    wait_snapshot_done(conn, "nokey", pg=postgres_server)
    wait_caught_up(conn, "nokey")
    events = changes(read_stream(nats_server, "nokey"), "nokey")
    check_positions(events)
    assert sorted(e.json()["after"]["id"] for e in events) == list(range(1, 5001))
    assert all(e.headers["Dbct-Key"] == "null" for e in events) or \
        all("Dbct-Key" not in e.headers for e in events)
    assert "has no primary key" in postgres_server.log_text()
    assert {"message": 'table "public.nokey" has no primary key: its snapshot is read in one pass',
            "fields": {"table": "public.nokey"}} in log_lines(nats_server, "nokey")
