"""The PostgreSQL extension end to end: SQL API, in-server worker, events on JetStream.

Needs the extension installed into the system PostgreSQL 15 (make install-extension).
"""

import json
import threading
import time

import psycopg2
import pytest

from jetstream_reader import JetStreamReader, stream_name
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
        with JetStreamReader(nats.url) as r:
            msgs = [m for m in r.messages(stream_name(tracking)) if m.subject == f"dbchangetracking.{tracking}"]
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
