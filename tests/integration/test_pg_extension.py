"""The PostgreSQL extension end to end: SQL API, in-server worker, events on JetStream.

Needs the extension installed into the system PostgreSQL 15 (make install-extension).
"""

import json
import os
import re
import threading
import time

import psycopg2
import pytest

from nats_client import NatsClient, stream_name
from servers import pg_extension_installed

pytestmark = pytest.mark.skipif(not pg_extension_installed(),
                                reason="the dbchangetracking extension is not installed")

UNLIMITED = {"maxMessages": -1}


def connect(pg, db="postgres", user=None):
    kwargs = {}
    if user:
        kwargs["user"] = user
    conn = psycopg2.connect(pg.dsn(db, **kwargs))
    conn.autocommit = True
    return conn


def sql(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args or None)
        if cur.description:
            return cur.fetchall()
        return None


def setup_extension(pg):
    conn = connect(pg)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    return conn


def track(conn, name, tables, nats, **options):
    opts = {"nats": {"url": nats.url, "stream": dict(UNLIMITED)}}
    opts.update(options)
    sql(conn, "SELECT dbchangetracking.track(%s, %s, %s)", name, tables, json.dumps(opts))


def status(conn, name):
    rows = sql(conn, "SELECT state, last_error, events_published, confirmed_lsn, retained_wal_bytes "
                     "FROM dbchangetracking.status WHERE name = %s", name)
    return rows[0] if rows else None


def wait_for(predicate, timeout=30, what="condition", interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def wait_state(conn, name, state, timeout=30):
    return wait_for(lambda: (status(conn, name) or [None])[0] == state and status(conn, name),
                    timeout, f"tracking {name} to be {state} (status {status(conn, name)})")


def change_events(nats, tracking, expected=None, timeout=60):
    """Messages on dbchangetracking.N once the stream holds `expected` of them."""
    def read():
        with NatsClient(nats.url) as client:
            msgs = [m for m in client.stream_messages(stream_name(tracking))
                    if m.subject == f"dbchangetracking.{tracking}"]
        return msgs

    if expected is None:
        return read()
    last = []

    def enough():
        nonlocal last
        try:
            last = read()
        except (OSError, RuntimeError):
            return False
        return len(last) >= expected

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not enough():
        time.sleep(0.2)
    return last


def row_id(event):
    body = event.json()
    row = body["after"] if body["op"] != "d" else body["before"]
    return row["id"]


# ---- the basics -------------------------------------------------------------------------------


def test_changes_arrive_in_order_exactly_once(postgres_server, nats_server):
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY, item text, qty int)")
    track(conn, "orders", "public.orders", nats_server, snapshotMode="never")
    wait_state(conn, "orders", "streaming")

    sql(conn, "INSERT INTO orders VALUES (1, 'apple', 3), (2, 'pear', 1)")
    sql(conn, "UPDATE orders SET qty = 5 WHERE id = 1")
    sql(conn, "DELETE FROM orders WHERE id = 2")
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("INSERT INTO orders VALUES (3, 'plum', 7)")
        cur.execute("ROLLBACK")

    events = change_events(nats_server, "orders", expected=4)
    assert [(e.json()["op"], row_id(e)) for e in events] == [("c", 1), ("c", 2), ("u", 1), ("d", 2)]
    assert events[2].json()["after"] == {"id": 1, "item": "apple", "qty": 5}
    first = events[0]
    assert first.headers["Dbct-Op"] == "c"
    assert first.headers["Dbct-Table"] == "public.orders"
    assert json.loads(first.headers["Dbct-Key"]) == {"id": 1}
    assert first.headers["Nats-Msg-Id"] == "orders:" + first.headers["Dbct-Position"]
    positions = [e.headers["Dbct-Position"] for e in events]
    assert len(set(positions)) == len(positions)

    # the slot follows what JetStream acknowledged
    lsn_after = sql(conn, "SELECT pg_current_wal_lsn()")[0][0]
    wait_for(lambda: sql(conn, "SELECT confirmed_lsn >= %s::pg_lsn FROM dbchangetracking.status "
                               "WHERE name = 'orders'", lsn_after)[0][0],
             what="confirmed LSN to pass the last change")
    time.sleep(1.0)
    assert len(change_events(nats_server, "orders")) == 4
    st = status(conn, "orders")
    assert st[0] == "streaming" and st[2] == 4

    # the control plane: status key and log lines
    kv = wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("events_total") == 4
                  and kv_status(nats_server, "orders"), 15, "the status key to count the events")
    assert kv["name"] == "orders" and kv["type"] == "postgres" and kv["state"] == "streaming"
    # the one status form every writer produces (shared/src/nats/control.cpp StatusToJson)
    assert ISO_UTC.match(kv["updated_at"]), kv["updated_at"]
    assert ISO_UTC.match(kv["last_event_at"]), kv["last_event_at"]
    assert kv["snapshot"] is None and kv["last_error"] is None
    assert kv["slot"] and kv["confirmed_lsn"] and kv["retained_wal_bytes"] >= 0
    last_position = change_events(nats_server, "orders")[-1].headers["Dbct-Position"]
    wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("position") == last_position, 15,
             "the status position to be the last acknowledged Dbct-Position")
    with NatsClient(nats_server.url) as client:
        logs = [m for m in client.stream_messages("dbchangetracking-logs")
                if m.subject == "dbchangetracking.logs.orders"]
    started = [m.json() for m in logs if "started" in m.json()["message"]]
    assert started, logs
    # the one log line form (LogPublisher): ts as ISO-8601 UTC
    line = started[0]
    assert set(line) == {"ts", "level", "name", "message", "fields"}, line
    assert ISO_UTC.match(line["ts"]) and line["level"] == "info" and line["name"] == "orders"


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def kv_status(nats, name):
    try:
        with NatsClient(nats.url) as client:
            value = client.kv_get("dbchangetracking-status", name)
        return json.loads(value) if value else None
    except (OSError, RuntimeError):
        return None


def test_untrack_and_pause_report_their_state_to_the_control_plane(postgres_server, nats_server):
    import subprocess
    from pathlib import Path

    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY, item text, qty int)")
    track(conn, "orders", "public.orders", nats_server, snapshotMode="never")
    wait_state(conn, "orders", "streaming")
    sql(conn, "INSERT INTO orders VALUES (1, 'a', 1)")
    wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("events_total") == 1, 15,
             "the status key to count the event")

    sql(conn, "SELECT dbchangetracking.pause('orders')")
    kv = wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("state") == "paused"
                  and kv_status(nats_server, "orders"), 15, "the status key to say paused")
    assert kv["events_total"] == 1 and ISO_UTC.match(kv["updated_at"])
    sql(conn, "SELECT dbchangetracking.resume('orders')")
    wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("state") == "streaming", 15,
             "the status key to say streaming again")

    # a server shutdown stops the worker with SIGTERM: it says 'stopped' before it goes
    postgres_server.stop()
    wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("state") == "stopped", 15,
             "the status key to say stopped after the shutdown")
    postgres_server.start()
    conn = connect(postgres_server)
    wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("state") == "streaming", 15,
             "the status key to say streaming after the start")

    sql(conn, "SELECT dbchangetracking.untrack('orders')")
    kv = wait_for(lambda: (kv_status(nats_server, "orders") or {}).get("state") == "stopped"
                  and kv_status(nats_server, "orders"), 15, "the status key to say stopped")
    assert ISO_UTC.match(kv["updated_at"])
    # dbct flows ls shows it stopped, not unknown, however old the status gets
    dbct = Path(os.environ.get("DBCT_BUILD_DIR", Path(__file__).resolve().parents[2] / "build")) / "dbct"
    if dbct.exists():
        out = subprocess.run([str(dbct), "--nats-url", nats_server.url, "flows", "ls", "-o", "json"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        flow = next(f for f in json.loads(out.stdout) if f["name"] == "orders")
        assert flow["state"] == "stopped" and flow["stale"] is False
    # the worker is gone: nothing refreshes the key any more
    updated = kv["updated_at"]
    time.sleep(6)
    assert kv_status(nats_server, "orders")["updated_at"] == updated


def test_concurrent_sessions_mixed_workload(postgres_server, nats_server):
    """Four sessions on three tables with multi-statement, key-changing and rolled-back
    transactions: the stream holds exactly the committed changes, per key in commit order,
    compared with an audit table filled by triggers in the same transactions."""
    conn = setup_extension(postgres_server)
    sql(conn, """
        CREATE TABLE audit (serial bigserial PRIMARY KEY, tbl text, op text, id int);
        CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO audit (tbl, op, id) VALUES (TG_TABLE_NAME, 'c', NEW.id);
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO audit (tbl, op, id) VALUES (TG_TABLE_NAME, 'd', OLD.id);
            ELSIF NEW.id <> OLD.id THEN
                INSERT INTO audit (tbl, op, id) VALUES (TG_TABLE_NAME, 'd', OLD.id);
                INSERT INTO audit (tbl, op, id) VALUES (TG_TABLE_NAME, 'c', NEW.id);
            ELSE
                INSERT INTO audit (tbl, op, id) VALUES (TG_TABLE_NAME, 'u', NEW.id);
            END IF;
            RETURN NULL;
        END $$;
    """)
    for t in ("t1", "t2", "t3"):
        sql(conn, f"CREATE TABLE {t} (id int PRIMARY KEY, v int)")
        sql(conn, f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON {t} "
                  f"FOR EACH ROW EXECUTE FUNCTION audit_row()")
    track(conn, "mixed", "public.t1,public.t2,public.t3", nats_server, snapshotMode="never")
    wait_state(conn, "mixed", "streaming")

    def session(n):
        import random
        rnd = random.Random(n)
        c = psycopg2.connect(postgres_server.dsn("postgres"))
        base = n * 1_000_000
        next_id = base
        for i in range(400):
            t = rnd.choice(["t1", "t2", "t3"])
            with c.cursor() as cur:
                for _ in range(rnd.randint(1, 4)):
                    next_id += 1
                    cur.execute(f"INSERT INTO {t} VALUES (%s, 0)", (next_id,))
                cur.execute(f"UPDATE {t} SET v = v + 1 WHERE id = %s", (next_id,))
                if i % 7 == 0:
                    cur.execute(f"UPDATE {t} SET id = id + 500000 WHERE id = %s", (next_id,))
                if i % 11 == 0:
                    cur.execute(f"DELETE FROM {t} WHERE id = %s", (next_id - 1,))
            if i % 13 == 0:
                c.rollback()
            else:
                c.commit()
        c.close()

    threads = [threading.Thread(target=session, args=(n,)) for n in range(1, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    audit = sql(conn, "SELECT tbl, op, id FROM audit ORDER BY serial")
    events = change_events(nats_server, "mixed", expected=len(audit), timeout=120)
    got = [(e.json()["source"]["table"], e.json()["op"], row_id(e)) for e in events]
    assert len(got) == len(audit)
    assert sorted(got) == sorted(tuple(a) for a in audit)

    def per_key(seq):
        keys = {}
        for tbl, op, i in seq:
            keys.setdefault((tbl, i), []).append(op)
        return keys
    assert per_key(got) == per_key(audit)
    ids = [e.headers["Nats-Msg-Id"] for e in events]
    assert len(set(ids)) == len(ids)


# ---- faults during a workload -----------------------------------------------------------------


class Writer(threading.Thread):
    """Inserts ids 1..count one transaction each (every 5th also updates the row before), and
    rides out server restarts: an id whose commit outcome is unknown is retried idempotently."""

    def __init__(self, pg, count, pause=0.002):
        super().__init__(daemon=True)
        self.pg = pg
        self.count = count
        self.pause = pause
        self.error = None
        self.done = threading.Event()

    def run(self):
        conn = None
        i = 1
        try:
            while i <= self.count:
                try:
                    if conn is None:
                        conn = psycopg2.connect(self.pg.dsn("postgres", connect_timeout=2))
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO items VALUES (%s, 'v1') ON CONFLICT DO NOTHING", (i,))
                        if i % 5 == 0:
                            cur.execute("UPDATE items SET val = 'v2' WHERE id = %s", (i,))
                    conn.commit()
                    i += 1
                    time.sleep(self.pause)
                except psycopg2.Error:
                    conn = None
                    time.sleep(0.2)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            self.done.set()


def expected_events(conn):
    """(op, id) in commit order for the Writer's work, from the table itself."""
    result = []
    for (i, val) in sql(conn, "SELECT id, val FROM items ORDER BY id"):
        result.append(("c", i))
        if val == "v2":
            result.append(("u", i))
    return result


def check_exactly_once(conn, nats, tracking, timeout=120):
    expected = expected_events(conn)
    events = change_events(nats, tracking, expected=len(expected), timeout=timeout)
    got = [(e.json()["op"], row_id(e)) for e in events]
    assert len(got) == len(expected), f"{len(got)} events for {len(expected)} changes"
    assert got == expected
    ids = [e.headers["Nats-Msg-Id"] for e in events]
    assert len(set(ids)) == len(ids)


def start_items_tracking(pg, nats, name="items"):
    conn = setup_extension(pg)
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    track(conn, name, "public.items", nats, snapshotMode="never")
    wait_state(conn, name, "streaming")
    return conn


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restart_loses_nothing_and_duplicates_nothing(postgres_server, nats_server, mode):
    start_items_tracking(postgres_server, nats_server)
    writer = Writer(postgres_server, 1500)
    writer.start()
    time.sleep(1.5)
    postgres_server.restart(mode=mode)
    time.sleep(1.0)
    postgres_server.restart(mode=mode)
    writer.done.wait(120)
    assert writer.error is None
    conn = connect(postgres_server)
    check_exactly_once(conn, nats_server, "items")
    wait_state(conn, "items", "streaming")


def test_nats_restart_loses_nothing_and_duplicates_nothing(postgres_server, nats_server):
    conn = start_items_tracking(postgres_server, nats_server)
    writer = Writer(postgres_server, 1500)
    writer.start()
    time.sleep(1.5)
    nats_server.kill()
    # while NATS is away the tracking says so, and the slot does not move past what was acked
    wait_for(lambda: (status(conn, "items") or [None])[0] == "retrying", 30,
             "state retrying while NATS is down")
    assert status(conn, "items")[1], "a retrying tracking shows its reason"
    time.sleep(1.0)
    nats_server.start()
    writer.done.wait(120)
    assert writer.error is None
    check_exactly_once(conn, nats_server, "items")
    wait_state(conn, "items", "streaming")


def test_worker_killed_resumes_exactly_once(postgres_server, nats_server):
    import os
    import signal

    conn = start_items_tracking(postgres_server, nats_server)
    writer = Writer(postgres_server, 1000)
    writer.start()
    time.sleep(1.0)
    pid = sql(conn, "SELECT pid FROM dbchangetracking.status WHERE name = 'items'")[0][0]
    postgres_server.ignore_crashes()  # a SIGKILLed backend makes the postmaster reinitialize
    os.kill(pid, signal.SIGKILL)
    writer.done.wait(120)
    assert writer.error is None
    conn = wait_for(lambda: _try_connect(postgres_server), 30, "server back after the crash")
    check_exactly_once(conn, nats_server, "items")


def _try_connect(pg):
    try:
        return connect(pg)
    except psycopg2.Error:
        return None


def test_pause_and_resume(postgres_server, nats_server):
    conn = start_items_tracking(postgres_server, nats_server)
    writer = Writer(postgres_server, 600)
    writer.start()
    time.sleep(0.5)
    sql(conn, "SELECT dbchangetracking.pause('items')")
    wait_for(lambda: sql(conn, "SELECT pid IS NULL AND state = 'paused' FROM dbchangetracking.status "
                               "WHERE name = 'items'")[0][0], 30, "worker to stop on pause")
    published = len(change_events(nats_server, "items"))
    time.sleep(1.0)
    assert len(change_events(nats_server, "items")) == published, "nothing is published while paused"
    sql(conn, "SELECT dbchangetracking.resume('items')")
    writer.done.wait(120)
    assert writer.error is None
    check_exactly_once(conn, nats_server, "items")


def test_untrack_drops_slot_and_stream(postgres_server, nats_server):
    conn = start_items_tracking(postgres_server, nats_server)
    sql(conn, "INSERT INTO items VALUES (1, 'x')")
    change_events(nats_server, "items", expected=1)
    # an idle tracking notices too that NATS went away
    nats_server.kill()
    st = wait_state(conn, "items", "retrying")
    assert "NATS" in st[1]
    nats_server.start()
    wait_state(conn, "items", "streaming")
    sql(conn, "SELECT dbchangetracking.untrack('items', drop_stream => true)")
    assert sql(conn, "SELECT count(*) FROM pg_replication_slots")[0][0] == 0
    assert sql(conn, "SELECT count(*) FROM dbchangetracking.trackings")[0][0] == 0
    with NatsClient(nats_server.url) as client:
        assert client.stream_info(stream_name("items")) is None
    # the name can be used again
    track(conn, "items", "public.items", nats_server, snapshotMode="never")
    wait_state(conn, "items", "streaming")


def test_slots_follow_the_transactions_of_track_and_untrack(postgres_server, nats_server):
    """A track() whose transaction never commits (here: the server crashes under it) leaves no
    slot; an untrack() rolled back leaves the tracking streaming, with its slot."""
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = json.dumps({"nats": {"url": nats_server.url, "stream": dict(UNLIMITED)},
                       "snapshotMode": "never"})
    open_tx = psycopg2.connect(postgres_server.dsn("postgres"))
    with open_tx.cursor() as cur:
        cur.execute("SELECT dbchangetracking.track('items', 'public.items', %s)", (opts,))
    assert sql(conn, "SELECT slot_name, temporary FROM pg_replication_slots") == \
        [("dbct_items", True)]
    postgres_server.restart(mode="immediate")
    conn = connect(postgres_server)
    assert sql(conn, "SELECT count(*) FROM pg_replication_slots")[0][0] == 0
    assert sql(conn, "SELECT count(*) FROM dbchangetracking.trackings")[0][0] == 0

    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", opts)
    wait_state(conn, "items", "streaming")
    undone = psycopg2.connect(postgres_server.dsn("postgres"))
    with undone.cursor() as cur:
        cur.execute("SELECT dbchangetracking.untrack('items')")
    undone.rollback()
    undone.close()
    wait_state(conn, "items", "streaming")
    assert sql(conn, "SELECT slot_name, temporary FROM pg_replication_slots") == \
        [("dbct_items", False)]
    sql(conn, "INSERT INTO items VALUES (1, 'x')")
    assert [row_id(e) for e in change_events(nats_server, "items", expected=1)] == [1]
    assert sql(conn, "SELECT count(*) FROM dbchangetracking.orphan_slots")[0][0] == 0

    # a slot of the plugin that no tracking uses is listed, and named in the log at start
    sql(conn, "SELECT pg_create_logical_replication_slot('dbct_by_hand', 'dbchangetracking')")
    assert sql(conn, "SELECT slot_name FROM dbchangetracking.orphan_slots") == [("dbct_by_hand",)]
    postgres_server.restart()
    wait_for(lambda: 'replication slot "dbct_by_hand" of the dbchangetracking plugin is used by '
                     'no tracking' in postgres_server.log_text(), 30, "the orphan slot named in the log")


def test_idle_tracked_table_lets_the_slot_advance(postgres_server, nats_server):
    """Issue 5: the tracked table is idle while another table writes 100 MB of WAL; the slot
    must follow (confirmed LSN) and must not keep that WAL (restart LSN)."""
    mb = 1024 * 1024
    conn = start_items_tracking(postgres_server, nats_server)
    sql(conn, "CREATE TABLE busy (id bigserial PRIMARY KEY, pad text)")
    start = sql(conn, "SELECT pg_current_wal_lsn()")[0][0]
    # 1900 random-looking bytes a row: under the TOAST threshold, so stored and logged as is
    while sql(conn, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", start)[0][0] < 100 * mb:
        sql(conn, "INSERT INTO busy (pad) SELECT string_agg(md5(random()::text), '') "
                  "FROM generate_series(1, 5000) r, generate_series(1, 59) c GROUP BY r")
    lsn = sql(conn, "SELECT pg_current_wal_lsn()")[0][0]
    wait_for(lambda: sql(conn, "SELECT confirmed_lsn >= %s::pg_lsn FROM dbchangetracking.status "
                               "WHERE name = 'items'", lsn)[0][0],
             60, "the confirmed LSN to follow the busy table")

    # The restart LSN moves only at a record of running transactions (xl_running_xacts) the
    # worker has read and confirmed past; the bgwriter logs one every 15 s, a checkpoint at
    # once. Measured: ~107 MB retained before the checkpoint, ~0 a second after it.
    sql(conn, "CHECKPOINT")

    def retained():
        return sql(conn, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) "
                         "FROM pg_replication_slots WHERE slot_name = (SELECT slot_name "
                         "FROM dbchangetracking.trackings WHERE name = 'items')")[0][0]

    wait_for(lambda: retained() < 32 * mb, 20,
             f"the slot to release the busy table's WAL (retained {retained() / mb:.0f} MB)")
    assert change_events(nats_server, "items") == []


def test_large_transaction_streams_with_bounded_in_flight(make_postgres_server, nats_server):
    pg = make_postgres_server(conf_lines=["dbchangetracking.max_in_flight = 64"])
    start_items_tracking(pg, nats_server)
    conn = connect(pg)
    sql(conn, "INSERT INTO items SELECT g, 'v1' FROM generate_series(1, 50000) g")
    events = change_events(nats_server, "items", expected=50000, timeout=180)
    assert [row_id(e) for e in events] == list(range(1, 50001))


def test_confirm_delay_keeps_the_slot_behind_acks(postgres_server, nats_server):
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = {"nats": {"url": nats_server.url, "confirmDelay": "3s", "stream": dict(UNLIMITED)},
            "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "items", "streaming")
    before = sql(conn, "SELECT confirmed_lsn FROM dbchangetracking.status")[0][0]
    sql(conn, "INSERT INTO items VALUES (1, 'x')")
    lsn = sql(conn, "SELECT pg_current_wal_lsn()")[0][0]
    change_events(nats_server, "items", expected=1)
    time.sleep(1.0)
    assert sql(conn, "SELECT confirmed_lsn < %s::pg_lsn FROM dbchangetracking.status", lsn)[0][0], \
        f"confirmed before confirmDelay passed (was {before})"
    wait_for(lambda: sql(conn, "SELECT confirmed_lsn >= %s::pg_lsn FROM dbchangetracking.status",
                         lsn)[0][0], 15, "confirmation after the delay")


# ---- bad input --------------------------------------------------------------------------------


def sql_error(conn, query, *args):
    with pytest.raises(psycopg2.Error) as info:
        sql(conn, query, *args)
    return info.value


def test_bad_input_gives_clear_errors(postgres_server, nats_server):
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    track_sql = "SELECT dbchangetracking.track(%s, %s, %s)"
    nats = json.dumps({"nats": {"url": nats_server.url}})

    e = sql_error(conn, track_sql, "orders", "public.nope", nats)
    assert 'table \'public.nope\' does not exist' in str(e)
    e = sql_error(conn, track_sql, "Orders!", "public.orders", nats)
    assert 'invalid tracking name "Orders!"' in str(e)
    e = sql_error(conn, track_sql, "orders", "public.orders", json.dumps({"tableIncludelist": "x"}))
    assert 'unknown option "tableIncludelist"' in str(e) and "Did you mean tableIncludeList?" in str(e)
    e = sql_error(conn, track_sql, "orders", "public.orders", json.dumps({"snapshotMode": "sometimes"}))
    assert 'invalid value "sometimes" for option "snapshotMode"' in str(e)
    e = sql_error(conn, track_sql, "orders", "public.orders; DROP TABLE orders", nats)
    assert "invalid table name" in str(e) or "does not exist" in str(e)
    assert sql(conn, "SELECT to_regclass('public.orders') IS NOT NULL")[0][0]
    e = sql_error(conn, "SELECT dbchangetracking.track('orders', 'public.orders', %s)",
                  json.dumps({"nats": {"bogus": 1}}))
    assert 'unknown option "nats.bogus"' in str(e)
    e = sql_error(conn, "SELECT dbchangetracking.pause('nope')")
    assert 'tracking "nope" does not exist' in str(e)
    # nothing was left behind by the failed calls
    assert sql(conn, "SELECT count(*) FROM pg_replication_slots")[0][0] == 0

    track(conn, "orders", "public.orders", nats_server, snapshotMode="never")
    e = sql_error(conn, track_sql, "orders", "public.orders", nats)
    assert 'tracking "orders" already exists' in str(e)


def test_nats_unreachable_shows_retrying_with_reason(postgres_server, nats_server):
    from servers import free_port

    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    sql(conn, "SELECT dbchangetracking.track('orders', 'public.orders', %s)",
        json.dumps({"nats": {"url": f"nats://127.0.0.1:{free_port()}"}, "snapshotMode": "never"}))
    st = wait_state(conn, "orders", "retrying")
    assert "could not connect to NATS" in st[1]


def test_without_preload_track_says_what_to_do(make_postgres_server):
    pg = make_postgres_server(preload=False)
    conn = connect(pg)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    e = sql_error(conn, "SELECT dbchangetracking.track('orders', 'public.orders')")
    assert "dbchangetracking must be loaded via shared_preload_libraries" in str(e)


def test_wal_level_not_logical(make_postgres_server):
    pg = make_postgres_server(conf_lines=["wal_level = replica"])
    conn = connect(pg)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    e = sql_error(conn, "SELECT dbchangetracking.track('orders', 'public.orders')")
    assert "wal_level must be logical (is replica)" in str(e)


# ---- security ---------------------------------------------------------------------------------


def test_only_admins_track_and_only_tables_they_may_read(postgres_server, nats_server):
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    sql(conn, "CREATE TABLE public.secret (id int PRIMARY KEY)")
    sql(conn, "CREATE ROLE alice LOGIN")
    sql(conn, "GRANT SELECT ON public.orders TO alice")
    alice = connect(postgres_server, user="alice")
    opts = json.dumps({"nats": {"url": nats_server.url}, "snapshotMode": "never"})

    e = sql_error(alice, "SELECT dbchangetracking.track('orders', 'public.orders', %s)", opts)
    assert "permission denied" in str(e)

    sql(conn, "GRANT dbchangetracking_admin TO alice")
    e = sql_error(alice, "SELECT dbchangetracking.track('secret', 'public.secret', %s)", opts)
    assert "permission denied for table 'public.secret'" in str(e)
    sql(alice, "SELECT dbchangetracking.track('orders', 'public.orders', %s)", opts)
    wait_state(alice, "orders", "streaming")


def test_secrets_are_masked_in_views(postgres_server, nats_server):
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    opts = {"nats": {"url": nats_server.url, "password": "hunter2", "user": "u",
                     "token": "s3cr3t-token", "credentials": "/etc/x.creds"},
            "databasePassword": "pw-value", "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('orders', 'public.orders', %s)", json.dumps(opts))
    text = json.dumps(sql(conn, "SELECT options FROM dbchangetracking.trackings")[0][0])
    for secret in ("hunter2", "s3cr3t-token", "/etc/x.creds", "pw-value"):
        assert secret not in text
    assert '"******"' in text
    status_text = str(sql(conn, "SELECT * FROM dbchangetracking.status"))
    for secret in ("hunter2", "s3cr3t-token"):
        assert secret not in status_text


def test_nats_user_and_password_from_options(postgres_server, make_nats_server):
    from nats_client import NatsClient

    nats = make_nats_server(config='authorization { user: "dbct", password: "s3cret-pw" }')
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.orders (id int PRIMARY KEY)")
    sql(conn, "CREATE TABLE public.other (id int PRIMARY KEY)")
    opts = {"nats": {"url": nats.url, "user": "dbct", "password": "s3cret-pw",
                     "stream": dict(UNLIMITED)}, "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('orders', 'public.orders', %s)", json.dumps(opts))
    wait_state(conn, "orders", "streaming")
    sql(conn, "INSERT INTO orders VALUES (1), (2)")
    with NatsClient(nats.url, user="dbct", password="s3cret-pw") as nc:
        wait_for(lambda: nc.stream_info(stream_name("orders"))["state"]["messages"] >= 2, 30,
                 "two events on the stream")
        events = [m for m in nc.stream_messages(stream_name("orders"))
                  if m.subject == "dbchangetracking.orders"]
    assert [json.loads(m.data)["after"]["id"] for m in events] == [1, 2]
    options = sql(conn, "SELECT options FROM dbchangetracking.trackings WHERE name = 'orders'")[0][0]
    assert options["nats"]["password"] == "******" and options["nats"]["user"] == "dbct"

    # a wrong password: the tracking says why, and never shows the password
    opts["nats"]["password"] = "wrong-pw"
    sql(conn, "SELECT dbchangetracking.track('other', 'public.other', %s)", json.dumps(opts))
    # 'retrying', not 'failed': NATS may be fixed (docs/deployment.md)
    reason = wait_refused(conn, "other")[1]
    assert "could not connect to NATS at " + nats.url in reason, reason
    everything = str(sql(conn, "SELECT * FROM dbchangetracking.status")) + \
        str(sql(conn, "SELECT * FROM dbchangetracking.trackings"))
    assert "wrong-pw" not in everything and "s3cret-pw" not in everything
    assert status(conn, "orders")[0] == "streaming"


# ---- NATS refusing the credentials ------------------------------------------------------------
#
# A credentials problem is one an operator fixes on the NATS side: the tracking shows
# 'retrying' with NATS's reason and comes back by itself once NATS accepts again, without a
# restart of PostgreSQL (docs/deployment.md, "NATS refusing the credentials").

NATS_USER = 'authorization { user: "dbct", password: "s3cret-pw" }'
NATS_USER_ROTATED = 'authorization { user: "dbct", password: "rotated-pw" }'


def restart_nats_with(nats, config):
    """The operator changes the server's configuration and restarts it (same port, same store)."""
    nats.stop()
    with open(nats.config_path, "w") as f:
        f.write(config + "\n")
    nats.start()


def authorized_changes(nats, tracking):
    with NatsClient(nats.url, user="dbct", password="s3cret-pw") as nc:
        return [m for m in nc.stream_messages(stream_name(tracking))
                if m.subject == f"dbchangetracking.{tracking}"]


def wait_refused(conn, name):
    return wait_for(lambda: (lambda st: st and st[0] == "retrying" and st[1]
                             and "Authorization Violation" in st[1] and st)(status(conn, name)),
                    60, f"{name} to be retrying with NATS's reason (status {status(conn, name)})")


def test_credentials_refused_mid_stream_retry_and_recover(postgres_server, make_nats_server):
    """cnats gives up a connection whose credentials are refused twice on reconnect: the
    tracking must not sit on it forever but start over, and resume exactly once."""
    nats = make_nats_server(config=NATS_USER)
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = {"nats": {"url": nats.url, "user": "dbct", "password": "s3cret-pw",
                     "stream": dict(UNLIMITED)}, "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "items", "streaming")
    sql(conn, "INSERT INTO items SELECT g, 'v' FROM generate_series(1, 5) g")
    wait_for(lambda: len(authorized_changes(nats, "items")) >= 5, 30, "five changes")

    restart_nats_with(nats, NATS_USER_ROTATED)
    reason = wait_refused(conn, "items")[1]
    assert "s3cret-pw" not in reason and "rotated-pw" not in reason, reason
    sql(conn, "INSERT INTO items SELECT g, 'v' FROM generate_series(6, 10) g")
    time.sleep(2)
    assert status(conn, "items")[0] == "retrying"

    restart_nats_with(nats, NATS_USER)
    wait_state(conn, "items", "streaming", timeout=90)
    sql(conn, "INSERT INTO items SELECT g, 'v' FROM generate_series(11, 12) g")
    wait_for(lambda: len(authorized_changes(nats, "items")) >= 12, 60, "twelve changes")
    time.sleep(1.0)
    events = authorized_changes(nats, "items")
    assert [row_id(e) for e in events] == list(range(1, 13))


def test_credentials_refused_once_nats_is_up_retry_and_recover(postgres_server, make_nats_server):
    """NATS is away when the tracking starts (cnats keeps trying in the background) and, once
    up, refuses the credentials until the operator fixes its configuration."""
    nats = make_nats_server(config=NATS_USER_ROTATED, start=False)
    nats.start()
    nats.stop()
    conn = setup_extension(postgres_server)
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = {"nats": {"url": nats.url, "user": "dbct", "password": "s3cret-pw",
                     "stream": dict(UNLIMITED)}, "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "items", "retrying")
    sql(conn, "INSERT INTO items VALUES (1, 'v')")
    nats.start()
    wait_refused(conn, "items")

    restart_nats_with(nats, NATS_USER)
    wait_state(conn, "items", "streaming", timeout=90)
    sql(conn, "INSERT INTO items VALUES (2, 'v')")
    wait_for(lambda: len(authorized_changes(nats, "items")) >= 2, 60, "two changes")
    assert [row_id(e) for e in authorized_changes(nats, "items")] == [1, 2]
