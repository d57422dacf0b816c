"""dbct-mysql's durable schema history (binlog_row_metadata not FULL).

Without FULL metadata, TABLE_MAP events carry column types but no names, signedness, charsets
or key. The sidecar keeps a schema history (catalog read at the start, then the DDL it reads)
and stores every entry in stream dbchangetracking-schemahistory before using it, so a restart
with DDL in the unread backlog decodes each event with the columns it was written with, even
though the catalog already shows the final table.
"""

import json
import os
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from nats_client import NatsClient  # noqa: E402
from test_mysql_sidecar import NAME, STREAM, events, make, sidecars  # noqa: E402,F401

HISTORY_STREAM = "dbchangetracking-schemahistory"
HISTORY_SUBJECT = f"dbchangetrackingschemahistory.{NAME}"


def history_entries(nats):
    with NatsClient(nats.url) as client:
        return [m.json() for m in client.stream_messages(HISTORY_STREAM)
                if m.subject == HISTORY_SUBJECT]


def stream_count(nats):
    with NatsClient(nats.url) as client:
        info = client.stream_info(STREAM)
        return 0 if info is None else info["state"]["messages"]


# Run while the sidecar is stopped: the backlog it reads after its restart.
BACKLOG = [
    "INSERT INTO p VALUES (3, 'c3', 'ü', 2, 9)",
    "ALTER TABLE p DROP COLUMN b",
    "INSERT INTO p VALUES (4, 'c4', 'ö', 10)",
    "ALTER TABLE p MODIFY COLUMN d VARCHAR(10)",  # same column count, INT -> VARCHAR
    "INSERT INTO p VALUES (5, 'c5', 'ø', 'ten')",
    "ALTER TABLE p RENAME COLUMN a TO name",
    "INSERT INTO p VALUES (6, 'c6', 'ç', 'x')",
    "ALTER TABLE p CHANGE COLUMN c code CHAR(3) CHARACTER SET latin1 FIRST",
    "INSERT INTO p (id, code, name, d) VALUES (7, 'é7', 'y', 'z')",
    "UPDATE p SET d = 'upd' WHERE id = 3",
    "ALTER TABLE p ADD COLUMN n BIGINT UNSIGNED NOT NULL DEFAULT 18000000000000000000",
    "INSERT INTO p (id, code, name, d) VALUES (8, 'c8', 'w', 'v')",
]

EXPECTED = [
    ("r", None, {"id": 1, "a": "é", "b": 4000000000, "d": 7}),
    ("c", None, {"id": 2, "c": "c2", "a": "à", "b": 1, "d": 8}),
    ("c", None, {"id": 3, "c": "c3", "a": "ü", "b": 2, "d": 9}),
    ("c", None, {"id": 4, "c": "c4", "a": "ö", "d": 10}),
    ("c", None, {"id": 5, "c": "c5", "a": "ø", "d": "ten"}),
    ("c", None, {"id": 6, "c": "c6", "name": "ç", "d": "x"}),
    ("c", None, {"code": "é7", "id": 7, "name": "y", "d": "z"}),
    ("u", {"code": "c3", "id": 3, "name": "ü", "d": "9"},
     {"code": "c3", "id": 3, "name": "ü", "d": "upd"}),
    ("c", None, {"code": "c8", "id": 8, "name": "w", "d": "v", "n": -446744073709551616}),
]


def test_restart_with_ddl_in_the_backlog(make_mariadb_server, nats_server, build_dir, tmp_path,
                                         sidecars):
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET "
                   "latin1, b INT UNSIGNED, d INT)")
    server.execute("INSERT INTO inventory.p VALUES (1, 'é', 4000000000, 7)")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server, snapshotMode="initial")
    sidecar.start()
    # Followed live: the stored history knows it when the restart resumes after it.
    server.execute("ALTER TABLE inventory.p ADD COLUMN c VARCHAR(5) AFTER id")
    server.execute("INSERT INTO inventory.p VALUES (2, 'c2', 'à', 1, 8)")
    assert len(events(nats_server, 2)) == 2
    assert sidecar.stop() == 0, sidecar.log()

    conn = server.connect("inventory")
    with conn.cursor() as cur:
        for sql in BACKLOG:
            cur.execute(sql)
    conn.close()
    # The catalog now shows only the final table; the events must not be decoded with it.
    restarted = make(sidecars, build_dir, tmp_path, server, nats_server, snapshotMode="initial")
    restarted.start()
    msgs = events(nats_server, len(EXPECTED))
    assert restarted.stop() == 0, restarted.log()
    got = [(m.json()["op"], m.json()["before"], m.json()["after"]) for m in msgs]
    assert got == EXPECTED, restarted.log()
    assert [json.loads(m.headers["Dbct-Key"]) for m in msgs][-3:] == [{"id": 7}, {"id": 3},
                                                                      {"id": 8}]
    assert "missed a DDL statement" not in restarted.log()
    assert "knows nothing at or before" not in restarted.log()

    # The stored history: the snapshot's catalog read first (at the snapshot's position), then
    # one entry per DDL statement, each with the table as it was after it.
    entries = history_entries(nats_server)
    assert entries[0]["kind"] == "catalog"
    snapshot_source = msgs[0].json()["source"]
    assert (entries[0]["file"], entries[0]["pos"]) == (snapshot_source["file"],
                                                       snapshot_source["pos"])
    assert [c["name"] for c in entries[0]["tables"]["inventory.p"]["columns"]] == ["id", "a", "b",
                                                                                  "d"]
    ddl = [e for e in entries if e["kind"] == "ddl"]
    assert [e["statement"] for e in ddl] == [
        "ALTER TABLE inventory.p ADD COLUMN c VARCHAR(5) AFTER id"] + [
        s for s in BACKLOG if s.startswith("ALTER")]
    assert [c["name"] for c in ddl[-1]["tables"]["inventory.p"]["columns"]] == [
        "code", "id", "name", "d", "n"]
    assert [c["kind"] for c in ddl[-1]["tables"]["inventory.p"]["columns"]] == [
        "character", "numeric", "character", "character", "numeric"]
    assert len(entries) == 1 + len(ddl), entries  # nothing read from the catalog again


def test_killed_while_reading_a_ddl_backlog(make_mariadb_server, nats_server, build_dir,
                                            tmp_path, sidecars):
    """SIGKILL at whatever point of a backlog of DDL and rows, restarts: every row once, with
    the columns it was written with (some restarts resume before DDL stored on an earlier pass)."""
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.t (id INT PRIMARY KEY, v INT)")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    server.execute("INSERT INTO inventory.t VALUES (0, 0)")
    assert len(events(nats_server, 1)) == 1
    assert sidecar.stop() == 0, sidecar.log()

    columns = []  # [name, "int" | "text"] after id, v
    expected = [{"id": 0, "v": 0}]
    next_id = 1
    conn = server.connect("inventory")
    rounds, rows = 5, 400
    with conn.cursor() as cur:
        def insert_rows():
            nonlocal next_id
            for _ in range(rows // 50):
                values = []
                for _ in range(50):
                    row = {"id": next_id, "v": next_id}
                    for name, kind in columns:
                        row[name] = next_id * 10 if kind == "int" else f"s{next_id}"
                    values.append(row)
                    expected.append(row)
                    next_id += 1
                names = list(values[0])
                cur.execute(f"INSERT INTO t ({', '.join(names)}) VALUES " + ", ".join(
                    "(" + ", ".join(repr(r[n]) for n in names) + ")" for r in values))
        for k in range(rounds):
            cur.execute(f"ALTER TABLE t ADD COLUMN c{k} INT")
            columns.append([f"c{k}", "int"])
            insert_rows()
            cur.execute(f"ALTER TABLE t MODIFY c{k} VARCHAR(12)")
            columns[-1][1] = "text"
            insert_rows()
            cur.execute(f"ALTER TABLE t RENAME COLUMN c{k} TO r{k}")
            columns[-1][0] = f"r{k}"
            insert_rows()
            if k % 2 == 1:
                cur.execute(f"ALTER TABLE t DROP COLUMN r{k - 1}")
                columns = [c for c in columns if c[0] != f"r{k - 1}"]
                insert_rows()
    conn.close()

    for threshold in (len(expected) // 5, len(expected) // 2):
        s = make(sidecars, build_dir, tmp_path, server, nats_server).start()
        deadline = time.monotonic() + 60
        while stream_count(nats_server) < threshold and time.monotonic() < deadline:
            time.sleep(0.005)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(10)
    last = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    msgs = events(nats_server, len(expected), timeout=60)
    time.sleep(0.5)
    msgs = events(nats_server, len(expected))
    assert last.stop() == 0, last.log()
    got = [m.json()["after"] for m in msgs]
    assert len(got) == len(expected), last.log()
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"event {i}: {g} != {e}\n{last.log()}"


@pytest.mark.parametrize("metadata", ["FULL", "NO_LOG"])
def test_same_column_count_changes_mid_stream(make_mariadb_server, nats_server, build_dir,
                                              tmp_path, sidecars, metadata):
    server = make_mariadb_server(binlog_row_metadata=metadata)
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT PRIMARY KEY, d INT, a VARCHAR(10), e INT)")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    sidecar.proc.send_signal(signal.SIGSTOP)  # fall behind: the catalog will be ahead
    try:
        conn = server.connect("inventory")
        with conn.cursor() as cur:
            cur.execute("INSERT INTO p VALUES (1, 5, 'x', 1)")
            cur.execute("ALTER TABLE p MODIFY d VARCHAR(10)")
            cur.execute("INSERT INTO p VALUES (2, 'five', 'y', 2)")
            cur.execute("ALTER TABLE p RENAME COLUMN a TO b")
            cur.execute("INSERT INTO p VALUES (3, 'six', 'z', 3)")
            cur.execute("UPDATE p SET b = 'zz' WHERE id = 1")
            # A change the binlog never shows: only the column types of TABLE_MAP reveal it.
            cur.execute("SET SESSION sql_log_bin = 0")
            cur.execute("ALTER TABLE p MODIFY e VARCHAR(5)")
            cur.execute("SET SESSION sql_log_bin = 1")
            cur.execute("INSERT INTO p VALUES (4, 'seven', 'w', 'e4')")
        conn.close()
    finally:
        sidecar.proc.send_signal(signal.SIGCONT)
    msgs = events(nats_server, 5)
    assert sidecar.stop() == 0, sidecar.log()
    got = [(m.json()["before"], m.json()["after"]) for m in msgs]
    assert got == [
        (None, {"id": 1, "d": 5, "a": "x", "e": 1}),
        (None, {"id": 2, "d": "five", "a": "y", "e": 2}),
        (None, {"id": 3, "d": "six", "b": "z", "e": 3}),
        ({"id": 1, "d": "5", "b": "x", "e": 1}, {"id": 1, "d": "5", "b": "zz", "e": 1}),
        (None, {"id": 4, "d": "seven", "b": "w", "e": "e4"}),
    ], sidecar.log()
    missed = ('table \\"inventory.p\\" column 4 (\\"e\\") is numeric in the schema history '
              'but character (VARCHAR) in the binlog at mariadb-bin.000001:')  # in a JSON log line
    assert (missed in sidecar.log()) == (metadata == "NO_LOG"), sidecar.log()


def test_view_in_the_include_list(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.products (id INT PRIMARY KEY, price INT)")
    mariadb_server.execute("CREATE VIEW inventory.cheap AS SELECT id FROM inventory.products "
                           "WHERE price < 10", database="inventory")
    code, log = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                     tableIncludeList="inventory\\.products,inventory\\.cheap").run_to_exit()
    assert code == 2, log
    errors = [line for line in log.splitlines() if line.startswith("ERROR:")]
    assert errors == [
        'ERROR: table include list entry "inventory\\.cheap" names only views (inventory.cheap): '
        'views have no rows in the binlog; include the tables the view reads instead'], log


def test_ddl_while_nats_is_down(make_mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    """A DDL entry that cannot be stored ends the attempt; the retry replays the stored history
    and reads the DDL again once NATS is back: nothing lost, nothing twice, right columns."""
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT PRIMARY KEY, a INT)")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    server.execute("INSERT INTO inventory.p VALUES (1, 10)")
    assert len(events(nats_server, 1)) == 1
    nats_server.stop()
    server.execute("INSERT INTO inventory.p VALUES (2, 20)")
    server.execute("ALTER TABLE inventory.p MODIFY a VARCHAR(5)")
    server.execute("INSERT INTO inventory.p VALUES (3, 'x')")
    server.execute("ALTER TABLE inventory.p RENAME COLUMN a TO b")
    server.execute("INSERT INTO inventory.p VALUES (4, 'y')")
    time.sleep(7)  # past the JetStream request timeout: the entry could not be stored
    nats_server.start()
    msgs = events(nats_server, 4, timeout=60)
    time.sleep(0.5)
    msgs = events(nats_server, 4)
    assert sidecar.stop() == 0, sidecar.log()
    assert [m.json()["after"] for m in msgs] == [
        {"id": 1, "a": 10}, {"id": 2, "a": 20}, {"id": 3, "a": "x"}, {"id": 4, "b": "y"}], \
        sidecar.log()
    assert [e["kind"] for e in history_entries(nats_server)] == ["catalog", "ddl", "ddl"]
    assert "could not store the schema history entry" in sidecar.log()


def test_restart_replays_stored_catalog_reads(make_mariadb_server, nats_server, build_dir,
                                              tmp_path, sidecars):
    """A table read from the catalog after a statement the history does not understand is
    stored too: a restart that resumes before that read uses the stored definition, not the
    catalog of now (which has changed again)."""
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT PRIMARY KEY, a INT)")
    # Inserts are read but not published: the restart resumes before them.
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server, skippedOperations="c")
    sidecar.start()
    server.execute("INSERT INTO inventory.p VALUES (1, 1)")
    server.execute("UPDATE inventory.p SET a = 2 WHERE id = 1")
    assert len(events(nats_server, 1)) == 1
    server.execute("ALTER TABLE inventory.p ADD COLUMN (x INT)")  # not followed: forgotten
    server.execute("INSERT INTO inventory.p VALUES (2, 2, 5)")  # read from the catalog: stored
    deadline = time.monotonic() + 20
    while "table" not in [e["kind"] for e in history_entries(nats_server)]:
        assert time.monotonic() < deadline, sidecar.log()
        time.sleep(0.05)
    assert sidecar.stop() == 0, sidecar.log()

    server.execute("ALTER TABLE inventory.p DROP COLUMN x")
    server.execute("UPDATE inventory.p SET a = 3 WHERE id = 2")
    restarted = make(sidecars, build_dir, tmp_path, server, nats_server, skippedOperations="c")
    restarted.start()
    msgs = events(nats_server, 2)
    assert restarted.stop() == 0, restarted.log()
    assert [(m.json()["before"], m.json()["after"]) for m in msgs] == [
        ({"id": 1, "a": 1}, {"id": 1, "a": 2}),
        ({"id": 2, "a": 2}, {"id": 2, "a": 3}),
    ], restarted.log()
    entries = history_entries(nats_server)
    assert [e["kind"] for e in entries] == ["catalog", "ddl", "table", "ddl"], entries
    assert entries[1]["tables"] == {"inventory.p": None}
    assert [c["name"] for c in entries[2]["tables"]["inventory.p"]["columns"]] == ["id", "a", "x"]
    assert "warning" not in restarted.log().split("\n", 1)[1], restarted.log()


def test_large_catalog_read_is_stored_in_parts(make_mariadb_server, nats_server, build_dir,
                                               tmp_path, sidecars):
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    columns = ", ".join(f"a_rather_long_column_name_number_{i} INT" for i in range(100))
    for t in range(60):
        server.execute(f"CREATE TABLE inventory.t{t} (id INT PRIMARY KEY, {columns})")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    server.execute("INSERT INTO inventory.t59 (id) VALUES (1)")
    assert len(events(nats_server, 1)) == 1
    assert sidecar.stop() == 0, sidecar.log()
    server.execute("ALTER TABLE inventory.t59 DROP COLUMN a_rather_long_column_name_number_0")
    server.execute("INSERT INTO inventory.t59 (id) VALUES (2)")
    server.execute("ALTER TABLE inventory.t59 ADD COLUMN z INT FIRST")
    restarted = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    msgs = events(nats_server, 2)
    assert restarted.stop() == 0, restarted.log()
    after = msgs[1].json()["after"]
    assert list(after)[:2] == ["id", "a_rather_long_column_name_number_1"], restarted.log()
    assert len(after) == 100
    catalog = [e for e in history_entries(nats_server) if e["kind"] == "catalog"]
    assert len(catalog) >= 2 and [e["part"] for e in catalog] == list(range(len(catalog)))
    assert sum(len(e["tables"]) for e in catalog) == 60
