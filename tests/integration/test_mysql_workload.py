"""Mixed workload through dbct-mysql while everything around it fails.

Three tables, four concurrent sessions, more than 50,000 committed row changes in
multi-statement transactions (some rolled back, some contending on one hot row). Meanwhile the
sidecar is killed with SIGKILL and restarted, nats-server is restarted, and MariaDB is
restarted after a binlog rotation. Ground truth: triggers write every row change into an
audit table (another database, not tracked) inside the same transaction, tagged with the
transaction's name, so the audit holds exactly the committed changes, per key in commit order.
"""

import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from nats_client import NatsClient  # noqa: E402
from test_mysql_sidecar import STREAM, make, sidecars  # noqa: E402,F401

TABLES = ("a", "b", "c")
SESSIONS = 4
TARGET_CHANGES = 55000
HOT_ID = 0


def setup_schema(server):
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE DATABASE truth")
    server.execute("CREATE TABLE truth.audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY, "
                   "tx VARCHAR(40), tbl CHAR(1), op CHAR(1), k INT, v INT)")
    for t in TABLES:
        server.execute(f"CREATE TABLE inventory.{t} (id INT PRIMARY KEY, v INT, note VARCHAR(20))")
    server.execute(f"INSERT INTO inventory.a VALUES ({HOT_ID}, 0, 'hot')")  # before the triggers
    for t in TABLES:
        for event, op, row in (("INSERT", "c", "NEW"), ("UPDATE", "u", "NEW"), ("DELETE", "d", "OLD")):
            value = "NULL" if op == "d" else "NEW.v"
            server.execute(
                f"CREATE TRIGGER inventory.{t}_{op} AFTER {event} ON inventory.{t} FOR EACH ROW "
                f"INSERT INTO truth.audit (tx, tbl, op, k, v) VALUES (@tx, '{t}', '{op}', {row}.id, {value})")


class Worker(threading.Thread):
    def __init__(self, server, index, counter, stop):
        super().__init__(daemon=True)
        self.server, self.index, self.counter, self.stop = server, index, counter, stop
        self.rnd = random.Random(index)
        self.next_id = (index + 1) * 1_000_000
        self.live = {t: [] for t in TABLES}  # ids this session inserted (and believes exist)
        self.tx = 0
        self.errors = 0

    def connect(self):
        while not self.stop.is_set():
            try:
                return self.server.connect("inventory", autocommit=False)
            except Exception:
                time.sleep(0.2)
        return None

    def statement(self, cur):
        t = self.rnd.choice(TABLES)
        ids = self.live[t]
        r = self.rnd.random()
        if r < 0.4 or len(ids) < 20:
            n = self.rnd.randint(1, 8)
            rows = list(range(self.next_id, self.next_id + n))
            self.next_id += n
            cur.execute(f"INSERT INTO {t} VALUES " + ",".join(f"({i}, {i % 97}, 'new')" for i in rows))
            return [("ins", t, rows)]
        if r < 0.8:
            chosen = self.rnd.sample(ids, min(len(ids), self.rnd.randint(1, 8)))
            cur.execute(f"UPDATE {t} SET v = v + 1, note = 'upd' WHERE id IN ("
                        + ",".join(map(str, chosen)) + ")")
            return []
        if r < 0.9:
            cur.execute("UPDATE a SET v = v + 1 WHERE id = %s", (HOT_ID,))  # contended row
            return []
        chosen = self.rnd.sample(ids, min(len(ids), self.rnd.randint(1, 3)))
        cur.execute(f"DELETE FROM {t} WHERE id IN (" + ",".join(map(str, chosen)) + ")")
        return [("del", t, chosen)]

    def run(self):
        conn = self.connect()
        while not self.stop.is_set() and conn is not None:
            self.tx += 1
            try:
                with conn.cursor() as cur:
                    cur.execute("SET @tx = %s", (f"s{self.index}-{self.tx}",))
                    effects = []
                    for _ in range(self.rnd.randint(1, 4)):
                        effects += self.statement(cur)
                    if self.rnd.random() < 0.1:
                        conn.rollback()
                        continue
                    conn.commit()
                for kind, t, ids in effects:
                    if kind == "ins":
                        self.live[t] += ids
                    else:
                        self.live[t] = [i for i in self.live[t] if i not in ids]
                with self.counter[1]:
                    self.counter[0] += 1
            except Exception:
                # Connection lost (MariaDB restart) or deadlock: the audit knows what committed.
                self.errors += 1
                try:
                    conn.close()
                except Exception:
                    pass
                conn = self.connect()
                # What we believe may be off after a lost COMMIT: relearn our own rows.
                if conn is not None:
                    try:
                        with conn.cursor() as cur:
                            for t in TABLES:
                                cur.execute(f"SELECT id FROM {t} WHERE id >= %s AND id < %s",
                                            ((self.index + 1) * 1_000_000, (self.index + 2) * 1_000_000))
                                self.live[t] = [r[0] for r in cur.fetchall()]
                            cur.execute("SELECT COALESCE(MAX(id), 0) FROM (SELECT id FROM a UNION ALL "
                                        "SELECT id FROM b UNION ALL SELECT id FROM c) x WHERE id < %s",
                                        ((self.index + 2) * 1_000_000,))
                            self.next_id = max(self.next_id, cur.fetchone()[0] + 1)
                        conn.commit()
                    except Exception:
                        pass
        if conn is not None:
            conn.close()


def audit_count(server):
    return server.execute("SELECT COUNT(*) FROM truth.audit")[0][0]


def test_mixed_workload_with_sidecar_nats_and_mariadb_restarts(mariadb_server, nats_server,
                                                                 build_dir, tmp_path, sidecars):
    setup_schema(mariadb_server)
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                   snapshotMode="initial").start(wait_for="streaming from the snapshot")
    stop = threading.Event()
    counter = [0, threading.Lock()]
    workers = [Worker(mariadb_server, i, counter, stop) for i in range(SESSIONS)]
    started = time.monotonic()
    for w in workers:
        w.start()

    def wait_changes(n, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if audit_count(mariadb_server) >= n:
                    return
            except Exception:
                pass
            time.sleep(0.3)
        raise AssertionError(f"workload did not reach {n} changes")

    try:
        wait_changes(8000)
        sidecar.kill()  # SIGKILL mid-stream, in-flight publishes lost
        time.sleep(0.5)
        sidecar.start()
        wait_changes(20000)
        nats_server.restart()
        wait_changes(32000)
        mariadb_server.execute("FLUSH BINARY LOGS")
        mariadb_server.restart()
        wait_changes(44000)
        sidecar.kill()
        sidecar.start()
        wait_changes(TARGET_CHANGES)
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    workload_seconds = time.monotonic() - started

    conn = mariadb_server.connect("inventory")
    with conn.cursor() as cur:
        cur.execute("SET @tx = 'sentinel'")
        cur.execute("INSERT INTO c VALUES (-1, -1, 'sentinel')")
        cur.execute("SELECT tx, tbl, op, k, v FROM truth.audit ORDER BY seq")
        audit = cur.fetchall()
    conn.close()

    with NatsClient(nats_server.url) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            last = client.stream_msg(STREAM, last_by_subject="dbchangetracking.mysql-test")
            if last is not None and last.headers.get("Dbct-Key") == '{"id":-1}':
                break
            time.sleep(0.3)
        msgs = client.stream_messages(STREAM, timeout=120)
    assert sidecar.stop() == 0, sidecar.log()

    # The stream's changes, grouped into transactions by GTID.
    stream_groups = []
    gtids = []
    for m in msgs:
        body = m.json()
        if body["op"] == "r":
            assert m.headers["Dbct-Key"] == '{"id":0}'  # the snapshot saw the hot row only
            continue
        row = body["after"] if body["op"] != "d" else body["before"]
        change = (body["source"]["table"], body["op"], row["id"],
                  body["after"]["v"] if body["after"] else None)
        gtid = body["source"]["gtid"]
        if not gtids or gtids[-1] != gtid:
            gtids.append(gtid)
            stream_groups.append([])
        stream_groups[-1].append(change)
    assert len(gtids) == len(set(gtids)), "a transaction is split or repeated"
    seqs = [int(g.split("-")[2]) for g in gtids]
    assert seqs == sorted(seqs), "transactions out of commit order"

    truth_groups = {}
    for tx, tbl, op, k, v in audit:
        truth_groups.setdefault(tx, []).append((tbl, op, k, v))
    from collections import Counter
    got = Counter(tuple(g) for g in stream_groups)
    want = Counter(tuple(g) for g in truth_groups.values())
    missing = [(tx, g) for tx, g in truth_groups.items() if got[tuple(g)] == 0]
    assert not missing, f"{len(missing)} committed transactions missing, e.g. {missing[:3]}\n" + sidecar.log()[-3000:]
    assert got == want

    # Per key, the same changes in the same (commit) order.
    def per_key(changes):
        out = {}
        for tbl, op, k, v in changes:
            out.setdefault((tbl, k), []).append((op, v))
        return out
    assert per_key(c for g in stream_groups for c in g) == per_key((t, o, k, v) for _, t, o, k, v in audit)

    changes = sum(len(g) for g in stream_groups)
    assert changes == len(audit) >= 50000
    assert sum(w.errors for w in workers) > 0  # the MariaDB restart did interrupt sessions
    print(f"{changes} changes in {len(gtids)} transactions from {SESSIONS} sessions in "
          f"{workload_seconds:.0f} s of workload", file=sys.stderr)
