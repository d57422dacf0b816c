"""dbct-mysql: DDL mid-stream, with and without binlog_row_metadata=FULL.

The sidecar is paused (SIGSTOP) while the table is changed several times, so when it reads the
binlog the catalog already shows the final table: without FULL metadata, only the schema
history it keeps by following the DDL can decode the older events with their own columns.
"""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from test_mysql_sidecar import events, make, sidecars  # noqa: E402,F401

STEPS = [
    "INSERT INTO p VALUES (1, 'é', 4000000000, 'y')",
    "ALTER TABLE p ADD COLUMN c VARCHAR(5) AFTER id",
    "INSERT INTO p VALUES (2, 'cc', 'à', 1, 'x')",
    "ALTER TABLE inventory.p DROP COLUMN b, ALGORITHM=COPY",
    "INSERT INTO p VALUES (3, 'c3', 'ü', 'y')",
    "ALTER TABLE p MODIFY COLUMN e ENUM('z','x','y') /* members reordered */",
    "INSERT INTO p VALUES (4, 'c4', 'ö', 'x')",
    "ALTER TABLE `p` CHANGE COLUMN `c` `cc` VARCHAR(5) CHARACTER SET latin1 FIRST",
    "INSERT INTO p (id, cc, a, e) VALUES (5, 'ç', 'ø', 'z')",
    "UPDATE p SET a = 'new' WHERE id = 1",
    "ALTER TABLE p ADD COLUMN n BIGINT UNSIGNED NOT NULL DEFAULT 18000000000000000000",
    "INSERT INTO p (id, cc, a, e) VALUES (6, 'x', 'y', 'y')",
]

EXPECTED = [
    (None, {"id": 1, "a": "é", "b": 4000000000, "e": "y"}),
    (None, {"id": 2, "c": "cc", "a": "à", "b": 1, "e": "x"}),
    (None, {"id": 3, "c": "c3", "a": "ü", "e": "y"}),
    (None, {"id": 4, "c": "c4", "a": "ö", "e": "x"}),
    (None, {"cc": "ç", "id": 5, "a": "ø", "e": "z"}),
    ({"cc": None, "id": 1, "a": "é", "e": "y"}, {"cc": None, "id": 1, "a": "new", "e": "y"}),
    (None, {"cc": "x", "id": 6, "a": "y", "e": "y", "n": -446744073709551616}),
]


@pytest.mark.parametrize("metadata", ["FULL", "NO_LOG"])
def test_ddl_mid_stream(make_mariadb_server, nats_server, build_dir, tmp_path, sidecars, metadata):
    server = make_mariadb_server(binlog_row_metadata=metadata)
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET latin1, "
                   "b INT UNSIGNED, e ENUM('x','y'))")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    sidecar.proc.send_signal(signal.SIGSTOP)  # fall behind: the catalog will be ahead of the binlog
    try:
        conn = server.connect("inventory")
        with conn.cursor() as cur:
            for sql in STEPS:
                cur.execute(sql)
        conn.close()
    finally:
        sidecar.proc.send_signal(signal.SIGCONT)
    msgs = events(server_nats := nats_server, len(EXPECTED))
    assert sidecar.stop() == 0, sidecar.log()
    got = [(m.json()["before"], m.json()["after"]) for m in msgs]
    assert got == EXPECTED, sidecar.log()
    assert [m.headers["Dbct-Key"] for m in msgs] == [
        '{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}', '{"id":5}', '{"id":1}', '{"id":6}']
    assert server_nats
