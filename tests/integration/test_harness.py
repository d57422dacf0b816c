"""The fixtures themselves: every server starts, answers, keeps its data across stops,
kills and restarts, runs next to another of its kind, and crash detection works."""

import json
import os
import signal
import socket
import time

import pytest

import servers
from nats_client import NatsClient


def _pid_alive(pid):
    return servers._pid_alive(pid)


# -- NATS -----------------------------------------------------------------------------------


def test_nats_starts_with_jetstream(nats_server):
    assert nats_server.running and _pid_alive(nats_server.pid)
    assert nats_server.url == f"nats://127.0.0.1:{nats_server.port}"
    info = _request(nats_server, "$JS.API.INFO")
    assert info["type"] == "io.nats.jetstream.api.v1.account_info_response", info
    assert "error" not in info, info
    jsz = nats_server.jsz()
    assert jsz["config"]["store_dir"].startswith(nats_server.store_dir)


def _request(nats, subject, payload=b""):
    """One request to the server, the reply as JSON."""
    with NatsClient(nats.url) as client:
        return client.request(subject, payload).json()


def _create_stream(nats, name):
    config = {"name": name, "subjects": [name + ".>"], "storage": "file"}
    reply = _request(nats, f"$JS.API.STREAM.CREATE.{name}", json.dumps(config))
    assert "error" not in reply, reply


def _publish(nats, subject, payload):
    ack = _request(nats, subject, payload)
    assert "error" not in ack, ack
    return ack["seq"]


def _stream_messages(nats, name):
    reply = _request(nats, f"$JS.API.STREAM.INFO.{name}")
    assert "error" not in reply, reply
    return reply["state"]["messages"]


def test_nats_keeps_stream_across_stop_kill_restart(nats_server):
    _create_stream(nats_server, "HARNESS")
    _publish(nats_server, "HARNESS.a", "one")
    port = nats_server.port

    nats_server.stop()
    assert not nats_server.running
    nats_server.start()
    assert nats_server.port == port
    assert _stream_messages(nats_server, "HARNESS") == 1

    old_pid = nats_server.pid
    nats_server.kill()
    assert not _pid_alive(old_pid)
    nats_server.start()
    _publish(nats_server, "HARNESS.b", "two")

    nats_server.restart()
    assert _stream_messages(nats_server, "HARNESS") == 2


def test_nats_config_text_is_used(make_nats_server):
    nats = make_nats_server(config="jetstream { max_memory_store: 64MB }\nmax_payload: 2MB\n")
    info = _server_info(nats.port)
    assert info["max_payload"] == 2 * 1024 * 1024


def _server_info(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        line = s.recv(65536).split(b"\r\n", 1)[0]
    return json.loads(line[len(b"INFO "):])


def test_two_nats_servers_at_once(nats_server, make_nats_server):
    other = make_nats_server()
    assert other.port != nats_server.port
    assert other.store_dir != nats_server.store_dir
    _create_stream(nats_server, "ONLYHERE")
    reply = _request(other, "$JS.API.STREAM.INFO.ONLYHERE")
    assert reply["error"]["code"] == 404


# -- PostgreSQL -----------------------------------------------------------------------------


def test_postgres_starts_and_answers(postgres_server):
    pg = postgres_server
    assert _pid_alive(pg.pid)
    assert pg.execute("SELECT 1") == [(1,)]
    assert pg.execute("SHOW wal_level") == [("logical",)]
    assert pg.execute("SHOW listen_addresses") == [("127.0.0.1",)]
    assert int(pg.execute("SHOW port")[0][0]) == pg.port
    assert pg.execute("SHOW unix_socket_directories")[0][0].startswith(pg.base_dir)
    preload = pg.execute("SHOW shared_preload_libraries")[0][0]
    assert ("dbchangetracking" in preload) == servers.pg_extension_installed()
    # The server runs as its own user, never as root.
    with open(f"/proc/{pg.pid}/status") as f:
        uid = next(l for l in f if l.startswith("Uid:")).split()[1]
    assert int(uid) != 0


def test_postgres_keeps_rows_across_stop_kill_restart(postgres_server):
    pg = postgres_server
    pg.create_database("shop")
    pg.execute("CREATE TABLE t (id int PRIMARY KEY, v text)", dbname="shop")
    pg.execute("INSERT INTO t VALUES (1, 'one')", dbname="shop")

    pg.stop()
    assert not pg.running
    pg.start()
    pg.execute("INSERT INTO t VALUES (2, 'two')", dbname="shop")

    pg.restart(mode="immediate")
    pg.execute("INSERT INTO t VALUES (3, 'three')", dbname="shop")

    old_pid = pg.pid
    conn = pg.connect("shop")  # a backend that must die with the postmaster
    pg.kill()
    assert not _pid_alive(old_pid)
    conn.close()
    pg.start()
    assert pg.execute("SELECT id FROM t ORDER BY id", dbname="shop") == [(1,), (2,), (3,)]
    assert pg.crash_lines() == []


def test_postgres_conf_lines_and_connect(make_postgres_server):
    pg = make_postgres_server(conf_lines=["max_replication_slots = 7", "work_mem = '7MB'"])
    assert pg.execute("SHOW max_replication_slots") == [("7",)]
    conn = pg.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW work_mem")
            assert cur.fetchone() == ("7MB",)
    finally:
        conn.close()
    pg.set_conf("work_mem = '9MB'")
    pg.restart()
    assert pg.execute("SHOW work_mem") == [("9MB",)]


def test_postgres_own_initdb_and_log_waiting(make_postgres_server):
    pg = make_postgres_server(initdb_args=["--data-checksums"])
    assert pg.execute("SHOW data_checksums") == [("on",)]
    since = pg.log_offset()
    pg.execute("DO $$ BEGIN RAISE LOG 'harness marker %', 42; END $$")
    assert "harness marker 42" in pg.wait_for_log(r"harness marker \d+", since=since)
    with pytest.raises(servers.ServerError, match="no line matching"):
        pg.wait_for_log("never written", timeout=0.2)


def test_postgres_logical_slot_works(postgres_server):
    pg = postgres_server
    pg.execute("CREATE TABLE t (id int PRIMARY KEY)")
    pg.execute("SELECT pg_create_logical_replication_slot('harness', 'test_decoding')")
    pg.execute("INSERT INTO t VALUES (42)")
    changes = [r[0] for r in pg.execute(
        "SELECT data FROM pg_logical_slot_get_changes('harness', NULL, NULL)")]
    assert any("id[integer]:42" in c for c in changes), changes


def test_two_postgres_servers_at_once(postgres_server, make_postgres_server):
    other = make_postgres_server()
    assert other.port != postgres_server.port
    postgres_server.execute("CREATE TABLE only_here (a int)")
    assert other.execute("SELECT to_regclass('only_here') IS NULL") == [(True,)]


def test_postgres_backend_crash_is_reported(postgres_server):
    pg = postgres_server
    conn = pg.connect()
    backend = conn.get_backend_pid()
    os.kill(backend, signal.SIGKILL)
    _wait_for(lambda: any("terminated by signal" in l for l in pg.crash_lines()))
    # This test wants the crash; say so, or the fixture would fail it.
    pg.ignore_crashes()


def test_postgres_deliberate_kill_is_not_a_crash(postgres_server):
    pg = postgres_server
    conn = pg.connect()
    pg.expect_crash()
    os.kill(conn.get_backend_pid(), signal.SIGKILL)
    _wait_for(lambda: "terminated by signal" in pg.log_text())
    pg.kill()
    pg.start()
    assert pg.crash_lines() == []
    # A crash after the next start is reported again.
    conn = pg.connect()
    os.kill(conn.get_backend_pid(), signal.SIGKILL)
    _wait_for(lambda: pg.crash_lines() != [])
    pg.ignore_crashes()


def _wait_for(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


# -- MariaDB --------------------------------------------------------------------------------


def test_mariadb_starts_with_full_row_binlog(mariadb_server):
    db = mariadb_server
    assert _pid_alive(db.pid)
    assert db.execute("SELECT 1") == ((1,),)
    assert db.variable("log_bin") == 1
    assert db.variable("binlog_format") == "ROW"
    assert db.variable("binlog_row_image") == "FULL"
    assert db.variable("binlog_row_metadata") == "FULL"
    assert db.variable("bind_address") == "127.0.0.1"
    assert db.variable("port") == db.port

    db.create_database("shop")
    db.execute("CREATE TABLE t (id INT PRIMARY KEY, price_column INT)", database="shop")
    db.execute("INSERT INTO t VALUES (1, 10)", database="shop")
    log_file = db.execute("SHOW MASTER STATUS")[0][0]
    events = db.execute(f"SHOW BINLOG EVENTS IN '{log_file}'")
    # The harness's own setup is not in the binlog: the first transaction is the test's.
    assert [e for e in events if e[2] == "Query"][0][5] == "CREATE DATABASE `shop`"
    assert "Write_rows_v1" in {e[2] for e in events}, events
    # binlog_row_metadata=FULL puts column names into the Table_map event.
    table_map = next(e for e in events if e[2] == "Table_map")
    with open(os.path.join(db.data_dir, log_file), "rb") as f:
        f.seek(table_map[1])
        raw = f.read(table_map[4] - table_map[1])
    assert b"price_column" in raw


def test_mariadb_user_can_replicate(mariadb_server):
    grants = " ".join(r[0] for r in mariadb_server.execute("SHOW GRANTS"))
    assert "ALL PRIVILEGES" in grants
    # A replica's first questions: the binlog position and the GTID state.
    assert mariadb_server.execute("SHOW MASTER STATUS")
    assert mariadb_server.execute("SELECT @@gtid_binlog_pos") is not None


def test_mariadb_keeps_rows_across_stop_kill_restart(mariadb_server):
    db = mariadb_server
    db.create_database("shop")
    db.execute("CREATE TABLE t (id INT PRIMARY KEY)", database="shop")
    db.execute("INSERT INTO t VALUES (1)", database="shop")

    db.stop()
    assert not db.running
    db.start()
    db.execute("INSERT INTO t VALUES (2)", database="shop")

    old_pid = db.pid
    db.kill()
    assert not _pid_alive(old_pid)
    db.start()
    db.execute("INSERT INTO t VALUES (3)", database="shop")

    db.restart()
    assert db.execute("SELECT id FROM t ORDER BY id", database="shop") == ((1,), (2,), (3,))
    assert db.crash_lines() == []


def test_mariadb_options_can_be_overridden(make_mariadb_server):
    db = make_mariadb_server(binlog_format="STATEMENT")
    assert db.variable("binlog_format") == "STATEMENT"
    minimal = make_mariadb_server(binlog_row_metadata="MINIMAL")
    assert minimal.variable("binlog_row_metadata") == "MINIMAL"
    minimal.create_database("shop")
    minimal.execute("CREATE TABLE t (id INT PRIMARY KEY, price_column INT)", database="shop")
    minimal.execute("INSERT INTO t VALUES (1, 10)", database="shop")
    log_file = minimal.execute("SHOW MASTER STATUS")[0][0]
    with open(os.path.join(minimal.data_dir, log_file), "rb") as f:
        raw = f.read()
    # Only in the CREATE TABLE statement's text, not in a Table_map event.
    assert raw.count(b"price_column") == 1
    no_binlog = make_mariadb_server(log_bin=None)
    assert no_binlog.variable("log_bin") == 0


def test_two_mariadb_servers_at_once(mariadb_server, make_mariadb_server):
    other = make_mariadb_server()
    assert other.port != mariadb_server.port
    mariadb_server.create_database("only_here")
    names = {r[0] for r in other.execute("SHOW DATABASES")}
    assert "only_here" not in names


# -- the fixtures' own guarantees, checked from a separate pytest run -------------------------

_INNER_CONFTEST = """
import importlib.util, sys
sys.path.insert(0, {here!r})
spec = importlib.util.spec_from_file_location("dbct_harness_conftest", {conftest!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
globals().update({{k: v for k, v in vars(module).items() if not k.startswith("__")}})
"""

_INNER_TESTS = """
import os, signal, time

def _wait_log(pg, text):
    deadline = time.monotonic() + 20
    while text not in pg.log_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)

def test_backend_crash(postgres_server):
    conn = postgres_server.connect()
    os.kill(conn.get_backend_pid(), signal.SIGKILL)
    _wait_log(postgres_server, "terminated by signal 9")

def test_deliberate_kill(postgres_server, nats_server):
    postgres_server.kill()
    nats_server.kill()
    postgres_server.start()
    nats_server.start()

def test_failing_test_stops_servers(postgres_server, mariadb_server, nats_server):
    with open(os.path.join({record!r}), "w") as f:
        for s in (postgres_server, mariadb_server, nats_server):
            f.write(f"{{s.pid}} {{s.base_dir}}\\n")
    assert False, "this test fails on purpose"
"""


def test_fixtures_report_crashes_and_always_stop_servers(tmp_path):
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    record = tmp_path / "servers.txt"
    (tmp_path / "conftest.py").write_text(
        _INNER_CONFTEST.format(here=here, conftest=os.path.join(here, "conftest.py")))
    (tmp_path / "test_inner.py").write_text(_INNER_TESTS.format(record=str(record)))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    # The crash shows as an error of the test that caused it, naming the log line.
    assert "ERROR at teardown of test_backend_crash" in out, out
    assert "shows a crash" in out and "terminated by signal 9" in out, out
    assert "test_inner.py::test_deliberate_kill PASSED" in out, out
    assert "test_inner.py::test_backend_crash ERROR" in out, out
    assert "1 failed, 2 passed, 1 error" in out, out
    # The failing test's servers are gone, and so are their directories.
    for line in record.read_text().splitlines():
        pid, base_dir = line.split()
        assert not _pid_alive(int(pid)), line
        assert not os.path.exists(base_dir), line


# -- scripts/run-regress ----------------------------------------------------------------------


def _run_regress(repo_root, regress_dir):
    import subprocess

    env = dict(os.environ, DBCT_REGRESS_DIR=str(regress_dir))
    return subprocess.run([os.path.join(repo_root, "scripts", "run-regress")], env=env,
                          capture_output=True, text=True, timeout=300)


def _regress_suite(path, expected):
    (path / "sql").mkdir(parents=True)
    (path / "expected").mkdir()
    (path / "logical.conf").write_text("wal_level = logical\nmax_replication_slots = 4\n")
    (path / "sql" / "slot.sql").write_text(
        "SELECT 'init' FROM pg_create_logical_replication_slot('s', 'test_decoding');\n"
        "SHOW wal_level;\n"
        "SELECT pg_drop_replication_slot('s');\n")
    (path / "expected" / "slot.out").write_text(expected)


_SLOT_OUT = """\
SELECT 'init' FROM pg_create_logical_replication_slot('s', 'test_decoding');
 ?column? 
----------
 init
(1 row)

SHOW wal_level;
 wal_level 
-----------
 logical
(1 row)

SELECT pg_drop_replication_slot('s');
 pg_drop_replication_slot 
--------------------------
 
(1 row)

"""


def test_run_regress_passes_and_fails(repo_root, tmp_path):
    good = tmp_path / "good"
    _regress_suite(good, _SLOT_OUT)
    result = _run_regress(repo_root, good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 1 test(s) passed" in result.stdout
    assert not (good / "regression.diffs").exists()

    bad = tmp_path / "bad"
    _regress_suite(bad, _SLOT_OUT.replace(" logical", " replica"))
    result = _run_regress(repo_root, bad)
    assert result.returncode == 1, result.stdout + result.stderr
    diffs = (bad / "regression.diffs").read_text()
    assert "- replica" in diffs and "+ logical" in diffs
    assert "- replica" in result.stdout
    assert (bad / "results" / "slot.out").exists()


def test_run_regress_without_tests_says_so(repo_root, tmp_path):
    (tmp_path / "sql").mkdir()
    result = _run_regress(repo_root, tmp_path)
    assert result.returncode == 0
    assert "no pg_regress tests" in result.stdout


def test_start_failure_names_the_cause(make_postgres_server, make_mariadb_server):
    with pytest.raises(servers.ServerError) as failure:
        make_postgres_server(conf_lines=["shared_preload_libraries = 'no_such_library'"])
    assert "exited during start" in str(failure.value)
    assert "no_such_library" in str(failure.value)  # the log tail says why
    with pytest.raises(servers.ServerError) as failure:
        make_mariadb_server(binlog_format="NO_SUCH_FORMAT")
    assert "NO_SUCH_FORMAT" in str(failure.value)
