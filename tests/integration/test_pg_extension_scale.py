"""The PostgreSQL extension at full scale and under faults (issue 5's "done when" items).

- a mixed workload of four sessions on three tables (50,000+ changes) while nats-server is
  killed, PostgreSQL restarts fast and immediate, the worker is SIGKILLed and the tracking is
  paused: the stream holds exactly the committed changes once each in commit order, checked
  against an audit table filled by triggers in the same transactions;
- confirmDelay: the newest messages lost by a crashed nats-server come back from the slot;
- heartbeats, and resuming after many of them;
- one transaction of 1,000,000 rows with the worker's memory bounded.

Needs the extension installed into the system PostgreSQL 15 (make -C pg_extension install).
"""

import json
import os
import random
import signal
import threading
import time

import psycopg2
import pytest

from nats_client import NatsClient, stream_name
from servers import pg_extension_installed
from test_pg_extension import connect, row_id, sql, status, track, wait_for, wait_state

pytestmark = pytest.mark.skipif(not pg_extension_installed(),
                                reason="the dbchangetracking extension is not installed")


def try_connect(pg):
    try:
        return connect(pg)
    except psycopg2.Error:
        return None


def session_dropped(conn):
    try:
        sql(conn, "SELECT 1")
        return False
    except psycopg2.Error:
        return True


def changes(nats, tracking):
    subject = f"dbchangetracking.{tracking}"
    with NatsClient(nats.url) as client:
        return [m for m in client.stream_messages(stream_name(tracking)) if m.subject == subject]


def wait_for_stream(nats, tracking, expected, timeout):
    """The tracking's change events once the stream holds at least `expected` messages."""
    def count():
        try:
            with NatsClient(nats.url) as client:
                info = client.stream_info(stream_name(tracking))
            return info["state"]["messages"] if info else 0
        except (OSError, RuntimeError):
            return 0
    wait_for(lambda: count() >= expected, timeout, f"{expected} messages in the stream",
             interval=0.5)
    return changes(nats, tracking)


def commit_lsn(event):
    hi, lo = event.headers["Dbct-Position"].split(":")[0].split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def worker_pid(conn, name):
    rows = sql(conn, "SELECT pid FROM dbchangetracking.status WHERE name = %s", name)
    return rows[0][0] if rows else None


# ---- mixed workload under faults --------------------------------------------------------------

AUDIT_SQL = """
    CREATE TABLE audit (serial bigserial PRIMARY KEY, xid bigint, tbl text, op text, id int);
    CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        x bigint := txid_current();
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO audit (xid, tbl, op, id) VALUES (x, TG_TABLE_NAME, 'c', NEW.id);
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO audit (xid, tbl, op, id) VALUES (x, TG_TABLE_NAME, 'd', OLD.id);
        ELSIF NEW.id <> OLD.id THEN
            INSERT INTO audit (xid, tbl, op, id) VALUES (x, TG_TABLE_NAME, 'd', OLD.id);
            INSERT INTO audit (xid, tbl, op, id) VALUES (x, TG_TABLE_NAME, 'c', NEW.id);
        ELSE
            INSERT INTO audit (xid, tbl, op, id) VALUES (x, TG_TABLE_NAME, 'u', NEW.id);
        END IF;
        RETURN NULL;
    END $$;
"""

KEY_SHIFT = 5_000_000  # key-changing updates move a row into its session's upper range


class Session(threading.Thread):
    """One client session: multi-statement transactions on t1..t3 (inserts of several rows,
    updates, key-changing updates, deletes; every 9th rolled back). Rides out server restarts:
    ids are never reused, so a transaction whose commit outcome is unknown does no harm (the
    audit table, written in the same transaction, says what committed)."""

    def __init__(self, pg, n, stop):
        super().__init__(daemon=True)
        self.pg = pg
        self.rnd = random.Random(n)
        self.next_id = n * 10_000_000
        self.stop = stop
        self.error = None
        self.commits = 0
        self.rollbacks = 0
        self.reconnects = 0
        self.pace = 0.01  # about 2,500 changes/s from four sessions: faults hit a busy stream

    def transaction(self, cur):
        rnd = self.rnd
        t = rnd.choice(("t1", "t2", "t3"))
        k = rnd.randint(1, 6)
        a = self.next_id + 1
        self.next_id += k
        cur.execute(f"INSERT INTO {t} SELECT g, 0 FROM generate_series(%s, %s) g", (a, a + k - 1))
        cur.execute(f"UPDATE {t} SET v = v + 1 WHERE id BETWEEN %s AND %s", (a, a + k - 1))
        if rnd.random() < 0.3:
            cur.execute(f"UPDATE {t} SET id = id + {KEY_SHIFT} WHERE id = %s", (a,))
        if k > 1 and rnd.random() < 0.3:
            cur.execute(f"DELETE FROM {t} WHERE id = %s", (a + 1,))

    def run(self):
        conn = None
        i = 0
        try:
            while not self.stop.is_set():
                try:
                    if conn is None:
                        conn = psycopg2.connect(self.pg.dsn("postgres", connect_timeout=2))
                    with conn.cursor() as cur:
                        self.transaction(cur)
                    i += 1
                    if i % 9 == 0:
                        conn.rollback()
                        self.rollbacks += 1
                    else:
                        conn.commit()
                        self.commits += 1
                    time.sleep(self.pace)
                except psycopg2.Error:
                    self.reconnects += 1
                    try:
                        if conn is not None:
                            conn.close()
                    except psycopg2.Error:
                        pass
                    conn = None
                    time.sleep(0.2)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def check_stream_against_audit(conn, events):
    """The stream holds exactly the committed changes, once each, in commit order."""
    audit = sql(conn, "SELECT xid, tbl, op, id FROM audit ORDER BY serial")
    got = []
    for e in events:
        body = e.json()
        got.append((body["source"]["txId"], body["source"]["table"], body["op"], row_id(e)))
    assert len(got) == len(audit), f"{len(got)} events for {len(audit)} committed changes"
    assert sorted(got) == sorted(tuple(a) for a in audit), "the events are not the committed changes"

    ids = [e.headers["Nats-Msg-Id"] for e in events]
    assert len(set(ids)) == len(ids), "a change was published twice"

    # Commit order: each transaction's events are contiguous, in statement order, and the
    # transactions follow each other by commit LSN.
    by_xid = {}
    for a in audit:
        by_xid.setdefault(a[0], []).append(tuple(a))
    seen = set()
    i = 0
    last_commit = -1
    while i < len(got):
        xid = got[i][0]
        assert xid not in seen, f"transaction {xid} is not contiguous in the stream"
        seen.add(xid)
        n = len(by_xid[xid])
        assert got[i:i + n] == by_xid[xid], f"transaction {xid} differs from the audit"
        lsns = {commit_lsn(e) for e in events[i:i + n]}
        assert len(lsns) == 1, f"transaction {xid} has several commit LSNs"
        lsn = lsns.pop()
        assert lsn > last_commit, f"transaction {xid} is out of commit order"
        last_commit = lsn
        i += n
    return len(by_xid)


def test_mixed_workload_under_faults_exactly_once(postgres_server, nats_server):
    """Four sessions, three tables, 50,000+ changes; during the workload: nats-server killed
    and restarted, PostgreSQL restarted fast and immediate, the worker SIGKILLed, the tracking
    paused and resumed."""
    pg = postgres_server
    conn = connect(pg)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, AUDIT_SQL)
    for t in ("t1", "t2", "t3"):
        sql(conn, f"CREATE TABLE {t} (id int PRIMARY KEY, v int)")
        sql(conn, f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON {t} "
                  f"FOR EACH ROW EXECUTE FUNCTION audit_row()")
    track(conn, "mixed", "public.t1,public.t2,public.t3", nats_server, snapshotMode="never")
    wait_state(conn, "mixed", "streaming")

    stop = threading.Event()
    sessions = [Session(pg, n, stop) for n in range(1, 5)]
    for s in sessions:
        s.start()
    started = time.monotonic()
    faults = []

    def reconnect():
        return wait_for(lambda: try_connect(pg), 60, "PostgreSQL to accept connections")

    def streaming_again(c):
        wait_state(c, "mixed", "streaming", timeout=60)

    try:
        time.sleep(3)
        # 1. nats-server killed while events are in flight, restarted a little later
        nats_server.kill()
        wait_for(lambda: (status(conn, "mixed") or [None])[0] == "retrying", 30,
                 "state retrying while NATS is down")
        time.sleep(1.5)
        nats_server.start()
        streaming_again(conn)
        faults.append(("nats killed", time.monotonic() - started))
        time.sleep(2)

        # 2. PostgreSQL restarted fast, then immediate
        for mode in ("fast", "immediate"):
            pg.restart(mode=mode)
            conn = reconnect()
            streaming_again(conn)
            faults.append((f"postgres {mode}", time.monotonic() - started))
            time.sleep(2)

        # 3. the worker SIGKILLed (the postmaster reinitializes: every session drops)
        pid = wait_for(lambda: worker_pid(conn, "mixed"), 30, "a worker pid")
        pg.ignore_crashes()
        os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        conn = reconnect()
        streaming_again(conn)
        faults.append(("worker SIGKILL", time.monotonic() - started))
        time.sleep(2)

        # 4. paused and resumed while the sessions write
        sql(conn, "SELECT dbchangetracking.pause('mixed')")
        wait_for(lambda: sql(conn, "SELECT pid IS NULL AND state = 'paused' FROM "
                                   "dbchangetracking.status WHERE name = 'mixed'")[0][0],
                 30, "the worker to stop on pause")
        time.sleep(1.5)
        sql(conn, "SELECT dbchangetracking.resume('mixed')")
        streaming_again(conn)
        faults.append(("pause/resume", time.monotonic() - started))

        # at least 50,000 committed changes
        wait_for(lambda: sql(conn, "SELECT count(*) FROM audit")[0][0] >= 50_000, 240,
                 "50,000 committed changes", interval=1)
    finally:
        stop.set()
        for s in sessions:
            s.join(60)
    workload_s = time.monotonic() - started
    for s in sessions:
        assert s.error is None, f"session failed: {s.error!r}"
    assert all(s.rollbacks > 0 for s in sessions)

    conn = reconnect()
    total = sql(conn, "SELECT count(*) FROM audit")[0][0]
    kinds = dict(sql(conn, "SELECT op, count(*) FROM audit GROUP BY op"))
    events = wait_for_stream(nats_server, "mixed", total, timeout=180)
    transactions = check_stream_against_audit(conn, events)
    print(f"\nmixed workload: {total} changes ({kinds}) in {transactions} transactions, "
          f"{sum(s.rollbacks for s in sessions)} rolled back, "
          f"{sum(s.reconnects for s in sessions)} session reconnects, workload {workload_s:.0f} s; "
          f"faults at {[(f, round(t, 1)) for f, t in faults]}")
    wait_state(conn, "mixed", "streaming")


# ---- confirmDelay -----------------------------------------------------------------------------


def test_confirm_delay_refills_a_lost_tail(postgres_server, nats_server):
    """A nats-server that crashes loses its newest, unsynced messages (here: deleted through
    the JetStream API, then the server restarts, which rebuilds its duplicate window from what
    it still stores). The slot was kept confirmDelay behind, so the tracking
    publishes the lost tail again: the stream ends up complete, each change once."""
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = {"nats": {"url": nats_server.url, "confirmDelay": "5m",
                     "stream": {"maxMessages": -1}},
            "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "items", "streaming")
    for i in range(1, 201):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    events = wait_for_stream(nats_server, "items", 200, timeout=60)
    assert [row_id(e) for e in events] == list(range(1, 201))

    # the crash: the newest 37 messages are gone
    with NatsClient(nats_server.url) as client:
        last_seq = client.stream_info(stream_name("items"))["state"]["last_seq"]
        for seq in range(last_seq - 36, last_seq + 1):
            client.delete_stream_msg(stream_name("items"), seq)
    # (a graceful restart keeps the deletions; SIGKILL would bring deleted messages back)
    nats_server.restart()
    assert [row_id(e) for e in changes(nats_server, "items")][:163] == list(range(1, 164))

    # more changes after the crash
    for i in range(201, 221):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    events = wait_for_stream(nats_server, "items", 220, timeout=60)
    time.sleep(1.0)
    events = changes(nats_server, "items")
    assert [row_id(e) for e in events] == list(range(1, 221))
    ids = [e.headers["Nats-Msg-Id"] for e in events]
    assert len(set(ids)) == len(ids)
    wait_state(conn, "items", "streaming")


def test_confirm_delay_refills_a_lost_tail_after_a_worker_restart(postgres_server, nats_server):
    """The same when the tracking restarts while NATS is still up: with a short duplicate
    window the lost messages are accepted again, and the restart resumes from the stream's
    real last position."""
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    opts = {"nats": {"url": nats_server.url, "confirmDelay": "5m",
                     "stream": {"maxMessages": -1, "duplicateWindow": "1s"}},
            "snapshotMode": "never"}
    sql(conn, "SELECT dbchangetracking.track('items', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "items", "streaming")
    sql(conn, "INSERT INTO items SELECT g, 'v' FROM generate_series(1, 100) g")
    for i in range(101, 121):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    wait_for_stream(nats_server, "items", 120, timeout=60)
    sql(conn, "SELECT dbchangetracking.pause('items')")
    wait_state(conn, "items", "paused")
    with NatsClient(nats_server.url) as client:
        last_seq = client.stream_info(stream_name("items"))["state"]["last_seq"]
        for seq in range(last_seq - 49, last_seq + 1):  # ten single inserts and half the batch
            client.delete_stream_msg(stream_name("items"), seq)
    time.sleep(1.5)  # past the duplicate window
    sql(conn, "SELECT dbchangetracking.resume('items')")
    wait_state(conn, "items", "streaming")
    sql(conn, "INSERT INTO items VALUES (121, 'v')")
    wait_for(lambda: len(changes(nats_server, "items")) >= 121, 60, "the lost tail again")
    time.sleep(1.0)
    events = changes(nats_server, "items")
    assert [row_id(e) for e in events] == list(range(1, 122))


# ---- heartbeats -------------------------------------------------------------------------------


def test_heartbeats_and_resume_after_many_of_them(postgres_server, nats_server):
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    # confirmDelay keeps the slot behind the stream, so the restart below re-decodes the
    # first change and must skip it by the stream's last position (the short duplicate window
    # makes sure JetStream would not drop a re-publish for us).
    opts = {"nats": {"url": nats_server.url, "confirmDelay": "5m",
                     "stream": {"maxMessages": -1, "duplicateWindow": "1s"}},
            "snapshotMode": "never", "heartbeatIntervalMs": 20}
    sql(conn, "SELECT dbchangetracking.track('hb', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "hb", "streaming")
    sql(conn, "INSERT INTO items VALUES (1, 'v')")
    wait_for_stream(nats_server, "hb", 1, timeout=30)
    time.sleep(3)  # about 150 heartbeats after the change

    with NatsClient(nats_server.url) as client:
        msgs = client.stream_messages(stream_name("hb"))
    beats = [m for m in msgs if m.subject == "dbchangetracking.hb.heartbeat"]
    assert 60 <= len(beats) <= 200, f"{len(beats)} heartbeats in about 3 s at 20 ms"
    beat = beats[-1]
    assert json.loads(beat.headers["Dbct-Key"]) == {"serverName": "hb"}
    body = beat.json()
    assert list(body) == ["ts_ms"] and abs(body["ts_ms"] - time.time() * 1000) < 10_000
    # the position of the newest acknowledged change: the one to resume after
    assert beat.headers["Dbct-Position"] == changes(nats_server, "hb")[0].headers["Dbct-Position"]
    assert len({m.headers["Nats-Msg-Id"] for m in beats}) == len(beats)
    assert msgs[-1].subject == "dbchangetracking.hb.heartbeat"

    sql(conn, "SELECT dbchangetracking.pause('hb')")
    wait_state(conn, "hb", "paused")
    sql(conn, "SELECT dbchangetracking.resume('hb')")
    wait_state(conn, "hb", "streaming")
    sql(conn, "INSERT INTO items VALUES (2, 'v')")
    wait_for(lambda: len(changes(nats_server, "hb")) >= 2, 30, "the second change")
    time.sleep(1.0)
    assert [row_id(e) for e in changes(nats_server, "hb")] == [1, 2]


def test_pause_resume_many_times_quickly(postgres_server, nats_server):
    """pause() and resume() back to back, 30 times, with writes before and during each pause:
    the tracking is streaming again after every resume() (whether its worker saw the pause or
    not, exited already or is still reporting it) and every change arrives exactly once."""
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    # heartbeats every 20 ms keep the worker busy publishing, as when this race was first seen
    track(conn, "pr", "public.items", nats_server, snapshotMode="never", heartbeatIntervalMs=20)
    wait_state(conn, "pr", "streaming")
    next_id = 1
    for i in range(30):
        sql(conn, "INSERT INTO items VALUES (%s, 'before pause')", next_id)
        next_id += 1
        sql(conn, "SELECT dbchangetracking.pause('pr')")
        wait_state(conn, "pr", "paused")
        sql(conn, "INSERT INTO items VALUES (%s, 'while paused')", next_id)
        next_id += 1
        if i % 3 == 2:
            # now and then the worker is gone before resume(); otherwise it may still be exiting
            wait_for(lambda: worker_pid(conn, "pr") is None, 30, "the worker to stop on pause")
        sql(conn, "SELECT dbchangetracking.resume('pr')")
        wait_state(conn, "pr", "streaming", timeout=30)
    expected = list(range(1, next_id))
    wait_for(lambda: len(changes(nats_server, "pr")) >= len(expected), 60, "every change")
    time.sleep(1.0)
    assert [row_id(e) for e in changes(nats_server, "pr")] == expected


class Collector(threading.Thread):
    """Every message the stream stores for a tracking's changes, as JetStream republishes it."""

    def __init__(self, nats, tracking):
        super().__init__(daemon=True)
        self.client = NatsClient(nats.url)
        self.sid = self.client.subscribe(f"dbchangetrackingprocessing.{tracking}")
        self.client.request("$JS.API.INFO", b"")  # the subscription is in place
        self.messages = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            msg = self.client.next_msg(self.sid, timeout=0.2)
            if msg is not None:
                self.messages.append(msg)

    def ids(self):
        return [json.loads(m.data)["after"]["id"] for m in list(self.messages)]


def test_heartbeats_pushing_every_change_out_resume_from_the_offsets_entry(postgres_server,
                                                                           nats_server):
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    collector = Collector(nats_server, "hbe")
    collector.start()
    # A stream of 20 messages and a heartbeat every 20 ms: the changes are gone from the stream
    # within half a second. The short duplicate window means JetStream would not drop a
    # re-published change for us.
    opts = {"nats": {"url": nats_server.url,
                     "stream": {"maxMessages": 20, "duplicateWindow": "1s"}},
            "snapshotMode": "never", "heartbeatIntervalMs": 20}
    sql(conn, "SELECT dbchangetracking.track('hbe', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "hbe", "streaming")
    for i in range(1, 11):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    wait_for(lambda: len(collector.ids()) >= 10, 30, "ten changes")
    last_position = collector.messages[-1].headers["Dbct-Position"]

    def stream_changes():
        with NatsClient(nats_server.url) as client:
            return [m for m in client.stream_messages(stream_name("hbe")) if m.subject == "dbchangetracking.hbe"]
    wait_for(lambda: stream_changes() == [], 30, "heartbeats to push every change out")

    def offset():
        with NatsClient(nats_server.url) as client:
            return client.kv_get("dbchangetracking-offsets", "hbe")
    wait_for(lambda: offset() == last_position.encode(), 10,
             "the offsets entry to hold the last acknowledged position")

    # SIGKILL: the slot's confirmed position on disk may be older than what was acknowledged
    postgres_server.ignore_crashes()
    os.kill(worker_pid(conn, "hbe"), signal.SIGKILL)
    # a session opened before the postmaster reinitializes would be dropped too: wait for the
    # old one to go first
    wait_for(lambda: session_dropped(conn), 30, "the crash to drop the old session")
    conn = wait_for(lambda: try_connect(postgres_server), 60, "server back after the crash")
    wait_state(conn, "hbe", "streaming", timeout=60)
    for i in range(11, 16):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    wait_for(lambda: len(collector.ids()) >= 15, 30, "fifteen changes")
    time.sleep(2.0)
    collector.stop.set()
    collector.join(5)
    collector.client.close()
    assert collector.ids() == list(range(1, 16)), "each change stored once, in order"
    # the heartbeats in the stream keep the position too (they carry it), as does the entry
    assert f"resuming after position {last_position}" in postgres_server.log_text()


def test_heartbeats_with_confirm_delay_resume_exactly_once(postgres_server, nats_server):
    """confirmDelay keeps the slot and the offsets entry minutes behind JetStream's
    acknowledgements while heartbeats push every change out of a bounded stream. A restart must
    still resume after the last change, not re-publish what the slot kept: every heartbeat
    carries the position of the newest acknowledged change (and is stored after it)."""
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    collector = Collector(nats_server, "hbd")
    collector.start()
    opts = {"nats": {"url": nats_server.url, "confirmDelay": "5m",
                     "stream": {"maxMessages": 20, "duplicateWindow": "1s"}},
            "snapshotMode": "never", "heartbeatIntervalMs": 20}
    sql(conn, "SELECT dbchangetracking.track('hbd', 'public.items', %s)", json.dumps(opts))
    wait_state(conn, "hbd", "streaming")
    for i in range(1, 11):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    wait_for(lambda: len(collector.ids()) >= 10, 30, "ten changes")
    last_position = collector.messages[-1].headers["Dbct-Position"]

    def stream_messages():
        with NatsClient(nats_server.url) as client:
            return client.stream_messages(stream_name("hbd"))
    wait_for(lambda: all(m.subject == "dbchangetracking.hbd.heartbeat" for m in stream_messages()),
             30, "heartbeats to push every change out")
    assert stream_messages()[-1].headers["Dbct-Position"] == last_position
    time.sleep(1.5)  # past the duplicate window: JetStream would not drop a re-publish for us

    postgres_server.restart()
    conn = connect(postgres_server)
    wait_state(conn, "hbd", "streaming", timeout=60)
    for i in range(11, 16):
        sql(conn, "INSERT INTO items VALUES (%s, 'v')", i)
    wait_for(lambda: len(collector.ids()) >= 15, 30, "fifteen changes")
    time.sleep(2.0)
    collector.stop.set()
    collector.join(5)
    collector.client.close()
    assert collector.ids() == list(range(1, 16)), "each change stored once, in order"


def test_no_heartbeats_by_default(postgres_server, nats_server):
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    track(conn, "quiet", "public.items", nats_server, snapshotMode="never")
    wait_state(conn, "quiet", "streaming")
    time.sleep(2)
    with NatsClient(nats_server.url) as client:
        assert client.stream_messages(stream_name("quiet")) == []


# ---- one large transaction --------------------------------------------------------------------

MEMORY_BOUND_KB = 256 * 1024


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


def test_million_row_transaction_with_bounded_memory(postgres_server, nats_server):
    conn = connect(postgres_server)
    sql(conn, "CREATE EXTENSION dbchangetracking")
    sql(conn, "CREATE TABLE public.items (id int PRIMARY KEY, val text)")
    track(conn, "big", "public.items", nats_server, snapshotMode="never")
    wait_state(conn, "big", "streaming")
    pid = worker_pid(conn, "big")
    assert sql(conn, "SELECT backend_type FROM pg_stat_activity WHERE pid = %s", pid)[0][0] \
        == "dbchangetracking worker"
    baseline = vm_hwm_kb(pid)

    n = 1_000_000
    started = time.monotonic()
    sql(conn, "INSERT INTO items SELECT g, 'value ' || g FROM generate_series(1, %s) g", n)
    committed = time.monotonic()
    peak = baseline

    def done():
        nonlocal peak
        peak = max(peak, vm_hwm_kb(pid))
        with NatsClient(nats_server.url) as client:
            return client.stream_info(stream_name("big"))["state"]["messages"] >= n
    wait_for(done, 600, f"{n} events in the stream", interval=1)
    streamed = time.monotonic()
    assert worker_pid(conn, "big") == pid, "the worker restarted during the transaction"
    peak = max(peak, vm_hwm_kb(pid))

    with NatsClient(nats_server.url) as client:
        state = client.stream_info(stream_name("big"))["state"]
        assert state["messages"] == n and state["first_seq"] == 1 and state["last_seq"] == n
        samples = sorted(set([1, 2, n - 1, n] + random.Random(5).sample(range(1, n + 1), 300)))
        for seq in samples:
            m = client.stream_msg(stream_name("big"), seq)
            assert m.subject == "dbchangetracking.big" and row_id(m) == seq
    print(f"\n1,000,000-row transaction: insert {committed - started:.1f} s, streamed "
          f"{streamed - committed:.1f} s after commit ({n / (streamed - committed):.0f} events/s); "
          f"worker VmHWM {baseline / 1024:.1f} MB before, {peak / 1024:.1f} MB peak")
    assert peak < MEMORY_BOUND_KB, f"worker peak RSS {peak / 1024:.0f} MB"
