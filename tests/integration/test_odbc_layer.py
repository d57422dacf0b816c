"""The ODBC layer (sidecars/odbc) for real: unixODBC + psqlODBC against a test PostgreSQL.

tests/tools/odbc_probe drives the layer; its connection string comes from
$DBCT_ODBC_CONNECTION. The psqlODBC driver is registered in an odbcinst.ini inside a temp dir
(ODBCSYSINI), so nothing system-wide is read or changed.
"""

import json
import os
import subprocess
import threading
import time

import pytest

PSQLODBC = "/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"

pytestmark = pytest.mark.skipif(not os.path.exists(PSQLODBC),
                                reason="psqlODBC (odbc-postgresql) is not installed")


@pytest.fixture
def odbc_env(tmp_path):
    (tmp_path / "odbcinst.ini").write_text(
        f"[PostgreSQL Test]\nDescription=psqlODBC for the tests\nDriver={PSQLODBC}\n")
    (tmp_path / "odbc.ini").write_text("")
    env = dict(os.environ)
    env["ODBCSYSINI"] = str(tmp_path)
    env["ODBCINI"] = str(tmp_path / "odbc.ini")
    return env


@pytest.fixture
def probe(build_dir):
    path = os.path.join(build_dir, "odbc_probe")
    if not os.path.exists(path):
        pytest.skip("odbc_probe is not built")
    return path


def conn_string(server, user="postgres", password="", driver="PostgreSQL Test", **extra):
    parts = [f"Driver={{{driver}}}", "Server=127.0.0.1", f"Port={server.port}", "Database=postgres",
             f"UID={user}", f"PWD={password}", "BoolsAsChar=0"]
    parts += [f"{k}={v}" for k, v in extra.items()]
    return ";".join(parts) + ";"


def run_probe(probe, env, conn, *args, timeout=60):
    env = dict(env, DBCT_ODBC_CONNECTION=conn)
    return subprocess.run([probe, *args], env=env, capture_output=True, text=True, timeout=timeout)


def query(probe, env, conn, sql, array_size=None):
    args = ["query", sql] + ([str(array_size)] if array_size else [])
    result = run_probe(probe, env, conn, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    return json.loads(lines[0])["columns"], [json.loads(line) for line in lines[1:]]


TYPES_TABLE = """
CREATE TABLE odbc_types (
  id integer PRIMARY KEY, c_small smallint, c_big bigint, c_real real, c_double double precision,
  c_numeric numeric(20,5), c_bool boolean, c_varchar varchar(20), c_char char(5), c_text text,
  c_bytea bytea, c_date date, c_time time, c_ts timestamp(6), c_uuid uuid)
"""


def test_connect_and_typed_fetch_of_each_type(postgres_server, odbc_env, probe):
    postgres_server.execute(TYPES_TABLE)
    postgres_server.execute(
        "INSERT INTO odbc_types VALUES (1, -32768, 9223372036854775807, 1.5, 2.25, "
        "'-123456789012345.12345', true, 'grüße €', 'ab', 'text 😀', '\\x00ff10', '2024-02-29', "
        "'12:34:56', '2024-01-02 03:04:05.123456', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')")
    conn = conn_string(postgres_server)
    result = run_probe(probe, odbc_env, conn, "connect")
    assert result.stdout.strip() == "connected: PostgreSQL", result.stdout + result.stderr

    columns, rows = query(probe, odbc_env, conn, "SELECT * FROM odbc_types ORDER BY id")
    kinds = {c["name"]: c["kind"] for c in columns}
    assert kinds == {"id": "int64", "c_small": "int64", "c_big": "int64", "c_real": "float",
                     "c_double": "double", "c_numeric": "decimal", "c_bool": "bool",
                     "c_varchar": "text", "c_char": "text", "c_text": "text", "c_bytea": "binary",
                     "c_date": "date", "c_time": "time", "c_ts": "timestamp", "c_uuid": "text"}
    assert rows == [[1, -32768, 9223372036854775807, 1.5, 2.25, "-123456789012345.12345", True,
                     "grüße €", "ab   ", "text 😀", {"hex": "00ff10"}, "2024-02-29", "12:34:56",
                     "2024-01-02T03:04:05.123456000",
                     # GUIDs come as the driver spells them (upper case, as SQL Server does)
                     "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"]]


def test_nulls_in_every_column(postgres_server, odbc_env, probe):
    postgres_server.execute(TYPES_TABLE)
    postgres_server.execute("INSERT INTO odbc_types (id) VALUES (7)")
    _, rows = query(probe, odbc_env, conn_string(postgres_server), "SELECT * FROM odbc_types")
    assert rows == [[7] + [None] * 14]


def test_bulk_fetch_in_row_arrays_keeps_order_and_values(postgres_server, odbc_env, probe):
    sql = ("SELECT g, (g::numeric(10,2) / 3)::numeric(12,4), ('row ' || g)::varchar(12), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 1.5)::float8 END "
           "FROM generate_series(1, 1000) g ORDER BY g")
    columns, rows = query(probe, odbc_env, conn_string(postgres_server), sql, array_size=64)
    assert not any(c["long"] for c in columns)
    assert len(rows) == 1000
    for g, row in enumerate(rows, start=1):
        assert row[0] == g
        assert row[1] == "%.4f" % (g / 3)
        assert row[2] == f"row {g}"
        assert row[3] == (None if g % 7 == 0 else g * 1.5)


def test_long_values_are_read_whole(postgres_server, odbc_env, probe):
    postgres_server.execute("CREATE TABLE odbc_long (id int, t text, b bytea)")
    postgres_server.execute(
        "INSERT INTO odbc_long SELECT 1, repeat('ä€x😀', 25000), decode(repeat('00ff7f', 70000), 'hex'); "
        "INSERT INTO odbc_long VALUES (2, NULL, NULL), (3, '', '')")
    columns, rows = query(probe, odbc_env, conn_string(postgres_server),
                          "SELECT id, t, b FROM odbc_long ORDER BY id")
    assert [c["long"] for c in columns] == [False, True, True]
    assert rows[0][1] == "ä€x😀" * 25000
    assert rows[0][2] == {"hex": "00ff7f" * 70000}
    assert rows[1] == [2, None, None]
    assert rows[2] == [3, "", {"hex": ""}]


def test_lost_connection_reconnects_after_server_restart(postgres_server, odbc_env, probe):
    env = dict(odbc_env, DBCT_ODBC_CONNECTION=conn_string(postgres_server))
    proc = subprocess.Popen([probe, "poll", "SELECT 42", "30", "100"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 20
        while sum(1 for l in lines if l.startswith("ok")) < 3 and time.time() < deadline:
            time.sleep(0.05)
        postgres_server.stop()
        time.sleep(1.0)
        postgres_server.start()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    out = "".join(lines)
    assert proc.returncode == 0, out + proc.stderr.read()
    assert out.count("ok 42") == 30, out
    retries = [l for l in lines if l.startswith("retry")]
    assert retries, out
    # The dead socket and the refused reconnects were judged retriable (else the probe exits 1).
    assert all("could not" in l or "query failed" in l for l in retries), out
    assert lines[-1].startswith("connects ") and int(lines[-1].split()[1]) >= 2, out


def test_bad_credentials_are_a_clear_fatal_error(postgres_server, odbc_env, probe):
    postgres_server.execute("CREATE ROLE odbc_pw LOGIN PASSWORD 'right'")
    hba = os.path.join(postgres_server.data_dir, "pg_hba.conf")
    with open(hba) as f:
        original = f.read()
    with open(hba, "w") as f:
        f.write("host all odbc_pw 127.0.0.1/32 scram-sha-256\n" + original)
    postgres_server.reload()
    time.sleep(0.5)
    ok = run_probe(probe, odbc_env, conn_string(postgres_server, "odbc_pw", "right"), "connect")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_probe(probe, odbc_env, conn_string(postgres_server, "odbc_pw", "wrong"), "connect")
    assert bad.returncode == 1
    line = bad.stdout.strip()
    assert line.startswith("error 08001 retriable=false: could not connect:"), line
    assert 'password authentication failed for user "odbc_pw"' in line, line
    assert "check databaseUser and databasePassword" in line, line
    assert "wrong" not in line


def test_missing_driver_and_unreachable_server(postgres_server, odbc_env, probe):
    missing = run_probe(probe, odbc_env, conn_string(postgres_server, driver="No Such Driver"), "connect")
    assert missing.returncode == 1
    # unixODBC takes an unknown driver name for a library path.
    assert missing.stdout.startswith("error 01000 retriable=false: could not connect: "
                                     "Can't open lib 'No Such Driver'"), missing.stdout
    assert "not registered with unixODBC" in missing.stdout and "odbcinst -q -d" in missing.stdout

    port = postgres_server.port
    postgres_server.stop()
    down = run_probe(probe, odbc_env, conn_string(postgres_server), "connect")
    assert down.returncode == 1
    assert down.stdout.startswith("error 08001 retriable=true: could not connect:"), down.stdout
    assert str(port) in down.stdout or "connect" in down.stdout


def test_connect_through_a_dsn(postgres_server, odbc_env, probe):
    # A data source from odbc.ini (ODBCSYSINI's), as odbcDriver: DSN=name gives it.
    with open(os.path.join(odbc_env["ODBCSYSINI"], "odbc.ini"), "w") as f:
        f.write(f"[pgtest]\nDriver=PostgreSQL Test\nServername=127.0.0.1\nPort={postgres_server.port}\n"
                "Database=postgres\nBoolsAsChar=0\n")
    _, rows = query(probe, odbc_env, "DSN=pgtest;UID=postgres;PWD=;", "SELECT 1 + 1, true")
    assert rows == [[2, True]]
    missing = run_probe(probe, odbc_env, "DSN=nosuch;UID=postgres;", "connect")
    assert missing.returncode == 1
    assert missing.stdout.startswith("error IM002 retriable=false: could not connect:"), missing.stdout
    assert "odbcinst -q -s" in missing.stdout


def test_terminated_backend_is_retried_on_a_new_connection(postgres_server, odbc_env, probe):
    env = dict(odbc_env, DBCT_ODBC_CONNECTION=conn_string(postgres_server))
    proc = subprocess.Popen([probe, "poll", "SELECT 7", "15", "100"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 20
        while sum(1 for l in lines if l.startswith("ok")) < 3 and time.time() < deadline:
            time.sleep(0.05)
        killed = postgres_server.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
        assert killed[0][0] == 1
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    out = "".join(lines)
    assert proc.returncode == 0, out + proc.stderr.read()
    assert out.count("ok 7") == 15, out
    assert any(l.startswith("retry") for l in lines), out
    assert lines[-1].strip() == "connects 2", out
