"""dbct-mysql: provideTransactionMetadata (BEGIN/END, per-event block) and heartbeats."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from test_mysql_sidecar import NAME, events, make, sidecars  # noqa: E402,F401

SUBJECT = f"dbchangetracking.{NAME}"


def blocks(msgs):
    """[(begin, [changes], end)] from the stream, asserting the structure."""
    out = []
    current = None
    for m in msgs:
        if m.subject == SUBJECT + ".heartbeat":
            continue
        if m.subject == SUBJECT + ".transaction":
            body = m.json()
            if body["status"] == "BEGIN":
                assert current is None, "BEGIN inside a transaction"
                current = (body, [])
            else:
                assert current is not None and body["id"] == current[0]["id"], "END without BEGIN"
                out.append((current[0], current[1], body))
                current = None
        else:
            assert m.subject == SUBJECT
            assert current is not None, "change outside a transaction"
            current[1].append(m.json())
    assert current is None
    return out


def test_transaction_metadata_and_heartbeats(mariadb_server, nats_server, build_dir, tmp_path,
                                             sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE DATABASE other")
    mariadb_server.execute("CREATE TABLE inventory.products (id INT PRIMARY KEY, v INT)")
    mariadb_server.execute("CREATE TABLE inventory.stock (id INT PRIMARY KEY, v INT)")
    mariadb_server.execute("CREATE TABLE other.noise (id INT PRIMARY KEY)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                   provideTransactionMetadata="true", heartbeatIntervalMs="300").start()
    conn = mariadb_server.connect("inventory", autocommit=False)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO products VALUES (1, 1), (2, 2)")
        cur.execute("INSERT INTO stock VALUES (1, 1)")
        conn.commit()
        cur.execute("INSERT INTO other.noise VALUES (1)")  # not tracked: no BEGIN/END
        conn.commit()
        cur.execute("UPDATE products SET v = 5 WHERE id = 2")
        conn.commit()
    time.sleep(1.5)
    msgs = events(nats_server, 7)
    result = blocks(msgs)
    assert len(result) == 2
    begin, changes, end = result[0]
    gtid = changes[0]["source"]["gtid"]
    assert begin == {"status": "BEGIN", "id": gtid, "event_count": None, "data_collections": None,
                     "ts_ms": begin["ts_ms"]}
    assert [c["transaction"] for c in changes] == [
        {"id": gtid, "total_order": 1, "data_collection_order": 1},
        {"id": gtid, "total_order": 2, "data_collection_order": 2},
        {"id": gtid, "total_order": 3, "data_collection_order": 1}]
    assert end["status"] == "END" and end["event_count"] == 3
    assert end["data_collections"] == [{"data_collection": "inventory.products", "event_count": 2},
                                       {"data_collection": "inventory.stock", "event_count": 1}]
    assert end["ts_ms"] == begin["ts_ms"]
    assert result[1][2]["event_count"] == 1

    heartbeats = [m for m in msgs if m.subject == SUBJECT + ".heartbeat"]
    assert heartbeats, "no heartbeat while idle"
    assert set(heartbeats[-1].json()) == {"ts_ms"}
    last_change = [m for m in msgs if m.subject == SUBJECT][-1].json()["source"]
    hb_file, hb_pos, hb_n = heartbeats[-1].headers["Dbct-Position"].rsplit(":", 2)
    assert hb_file == last_change["file"] and int(hb_pos) > last_change["pos"] and hb_n == "0"

    # Changes of other databases only: heartbeats move the position past them.
    with conn.cursor() as cur:
        for i in range(2, 50):
            cur.execute("INSERT INTO other.noise VALUES (%s)", (i,))
            conn.commit()
    noise_end = int(mariadb_server.execute("SHOW MASTER STATUS")[0][1])
    time.sleep(1.5)
    assert sidecar.stop() == 0, sidecar.log()
    assert f"stopped after {hb_file}:{noise_end}:0" in sidecar.log()
    conn.close()


def test_transaction_metadata_exactly_once_across_sigkill(mariadb_server, nats_server, build_dir,
                                                          tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.k (id INT PRIMARY KEY, v INT)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                   provideTransactionMetadata="true").start()
    conn = mariadb_server.connect("inventory", autocommit=False)
    with conn.cursor() as cur:
        for t in range(300):
            cur.execute("INSERT INTO k VALUES " + ",".join(f"({t * 10 + i}, {t})" for i in range(1 + t % 5)))
            conn.commit()
            if t in (100, 200):
                sidecar.kill()
                sidecar.start()
    conn.close()
    expected_changes = sum(1 + t % 5 for t in range(300))
    msgs = events(nats_server, expected_changes + 600, timeout=60)
    assert sidecar.stop() == 0, sidecar.log()
    result = blocks(msgs)
    assert len(result) == 300
    assert [len(c) for _, c, _ in result] == [1 + t % 5 for t in range(300)]
    assert all(e["event_count"] == len(c) for _, c, e in result)
    ids = [b["id"] for b, _, _ in result]
    assert len(set(ids)) == 300
