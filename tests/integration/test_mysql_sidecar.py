"""dbct-mysql against a real MariaDB 10.11 and nats-server: events, types, restarts, prerequisites."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from nats_client import NatsClient  # noqa: E402

NAME = "mysql-test"
STREAM = f"dbchangetracking-{NAME}-stream"


class Sidecar:
    """One dbct-mysql process, started and stopped by its PID."""

    def __init__(self, build_dir, tmp_path, mariadb, nats, **parameters):
        self.binary = os.path.join(build_dir, "dbct-mysql")
        if not os.path.exists(self.binary):
            pytest.skip(f"{self.binary} is not built")
        params = {
            "databaseHostname": "127.0.0.1",
            "databasePort": str(mariadb.port),
            "databaseUser": mariadb.user,
            "databasePassword": "{{sys:TEST_MYSQL_PASSWORD}}",
            "databaseServerName": "shop",
            "databaseIncludeList": "inventory",
            "snapshotMode": "no_data",
        }
        params.update(parameters)
        lines = ["apiVersion: weik.io/v1alpha1", "kind: DatabaseChangeTracking",
                 f"metadata:\n  name: {NAME}", "spec:", "  type: mysql", "  parameters:"]
        lines += [f"    {k}: {json.dumps(v)}" for k, v in params.items() if v is not None]
        lines += ["  nats:", f"    url: {nats.url}", "    stream:", "      maxMessages: -1"]
        self.manifest = tmp_path / "mysql.yaml"
        self.manifest.write_text("\n".join(lines) + "\n")
        self.password = mariadb.password
        self.stderr_path = tmp_path / f"sidecar-{time.monotonic_ns()}.log"
        self.proc = None
        self.args = []

    def start(self, wait_for="streaming from|resuming after"):
        env = dict(os.environ, TEST_MYSQL_PASSWORD=self.password)
        self.stderr_path = self.stderr_path.with_name(f"sidecar-{time.monotonic_ns()}.log")
        self.stderr_file = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([self.binary, "-f", str(self.manifest)] + self.args, env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr_file)
        if wait_for:
            import re
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if re.search(wait_for, self.stderr_path.read_text()):
                    return self
                if self.proc.poll() is not None:
                    raise AssertionError(f"dbct-mysql exited {self.proc.returncode}:\n{self.log()}")
                time.sleep(0.05)
            raise AssertionError(f"dbct-mysql did not start streaming:\n{self.log()}")
        return self

    def run_to_exit(self, timeout=30):
        self.start(wait_for=None)
        self.proc.wait(timeout)
        return self.proc.returncode, self.log()

    def log(self):
        return self.stderr_path.read_text()

    def stop(self, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def sidecars():
    started = []
    yield started
    for s in started:
        s.kill()


def make(sidecars, build_dir, tmp_path, mariadb, nats, **params):
    s = Sidecar(build_dir, tmp_path, mariadb, nats, **params)
    sidecars.append(s)
    return s


def events(nats, expected, timeout=20):
    """The stream's messages once it holds `expected` of them."""
    with NatsClient(nats.url) as client:
        deadline = time.monotonic() + timeout
        while True:
            try:
                count = client.stream_info(STREAM)["state"]["messages"]
            except Exception:
                count = 0
            if count >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return client.stream_messages(STREAM)


def test_changes_in_order(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.products (id INT PRIMARY KEY, name VARCHAR(50), "
                           "price DECIMAL(8,2))")
    mariadb_server.execute("CREATE TABLE other_db_t (id INT PRIMARY KEY)", database="mysql") \
        if False else None
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    conn = mariadb_server.connect("inventory", autocommit=False)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO products VALUES (1, 'hammer', 9.99), (2, 'saw', 19.50)")
        conn.commit()
        cur.execute("UPDATE products SET price = 10.49 WHERE id = 1")
        cur.execute("DELETE FROM products WHERE id = 2")
        conn.commit()
        cur.execute("INSERT INTO products VALUES (3, 'rolled back', 1)")
        conn.rollback()
        cur.execute("UPDATE products SET id = 10 WHERE id = 1")  # key change: d + c
        conn.commit()
    conn.close()
    msgs = events(nats_server, 6)
    assert sidecar.stop() == 0, sidecar.log()
    ops = [(m.headers["Dbct-Op"], json.loads(m.headers["Dbct-Key"])) for m in msgs]
    assert ops == [("c", {"id": 1}), ("c", {"id": 2}), ("u", {"id": 1}), ("d", {"id": 2}),
                   ("d", {"id": 1}), ("c", {"id": 10})]
    first = msgs[0].json()
    assert first["before"] is None
    assert first["after"] == {"id": 1, "name": "hammer", "price": "A+c="}  # 9.99 as Decimal
    assert first["op"] == "c"
    src = first["source"]
    assert src["connector"] == "mariadb"
    assert src["name"] == "shop"
    assert src["db"] == "inventory" and src["table"] == "products"
    assert src["snapshot"] == "false"
    assert src["server_id"] == 1
    assert src["file"].startswith("mariadb-bin.")
    assert src["gtid"].startswith("0-1-")
    assert src["row"] == 0 and msgs[1].json()["source"]["row"] == 1
    assert list(first.keys()) == ["before", "after", "source", "op", "ts_ms", "ts_us", "ts_ns",
                                  "transaction"]
    upd = msgs[2].json()
    assert upd["before"]["price"] == "A+c=" and upd["after"]["price"] == "BBk="  # 10.49
    assert msgs[3].json()["after"] is None
    assert msgs[0].headers["Dbct-Table"] == "inventory.products"
    positions = [m.headers["Dbct-Position"] for m in msgs]
    assert len(set(positions)) == len(positions)
    assert all(m.headers["Nats-Msg-Id"] == f"{NAME}:{m.headers['Dbct-Position']}" for m in msgs)


def test_datatypes_from_streaming(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute(
        "CREATE TABLE inventory.t (id INT PRIMARY KEY, tiu TINYINT UNSIGNED, biu BIGINT UNSIGNED, "
        "d DECIMAL(10,3), f FLOAT, dbl DOUBLE, b BIT(1), b12 BIT(12), dt DATE, tm TIME(6), "
        "dtm DATETIME(3), ts TIMESTAMP(6) NULL, yr YEAR, lat VARCHAR(20) CHARACTER SET latin1, "
        "txt TEXT, blb BLOB, e ENUM('x','y'), s SET('p','q','r'), j JSON, pt POINT)")
    make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
         bigintUnsignedHandlingMode="precise", decimalHandlingMode="string",
         binaryHandlingMode="base64").start()
    conn = mariadb_server.connect("inventory")
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
        cur.execute("INSERT INTO t VALUES (1, 200, 18446744073709551615, -12.5, 0.25, 1e-5, b'1', "
                    "b'000000000101', '1999-12-31', '-01:02:03.000004', '2020-02-29 23:59:59.999', "
                    "'2021-06-01 12:00:00.5', 2155, 'Æble', 'ünï', x'00', 'y', 'p,r', "
                    "'[1, {\"a\": null}]', ST_GeomFromText('POINT(3 4)'))")
        cur.execute("INSERT INTO t (id) VALUES (2)")
    conn.close()
    msgs = events(nats_server, 2)
    row = msgs[0].json()["after"]
    assert row == {
        "id": 1, "tiu": 200, "biu": "AP//////////", "d": "-12.500", "f": 0.25, "dbl": 1e-05,
        "b": True, "b12": "BQA=", "dt": 10956, "tm": -3723000004, "dtm": 1583020799999,
        "ts": "2021-06-01T12:00:00.500000Z", "yr": 2155, "lat": "Æble", "txt": "ünï",
        "blb": "AA==", "e": "y", "s": "p,r", "j": "[1, {\"a\": null}]",
        "pt": {"x": 3.0, "y": 4.0, "wkb": "AQEAAAAAAAAAAAAIQAAAAAAAABBA", "srid": None},
    }
    nulls = msgs[1].json()["after"]
    assert nulls["id"] == 2 and all(v is None for k, v in nulls.items() if k != "id")


def test_restart_loses_nothing_and_duplicates_nothing(mariadb_server, nats_server, build_dir,
                                                     tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.k (id INT PRIMARY KEY, v INT)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    conn = mariadb_server.connect("inventory", autocommit=False)
    expected = []
    next_id = 0

    def workload(transactions):
        nonlocal next_id
        with conn.cursor() as cur:
            for _ in range(transactions):
                rows = [(next_id + i, i) for i in range(5)]
                cur.executemany("INSERT INTO k VALUES (%s, %s)", rows)
                cur.execute("UPDATE k SET v = v + 100 WHERE id = %s", (next_id,))
                conn.commit()
                expected.extend([("c", r[0]) for r in rows] + [("u", next_id)])
                next_id += 5

    workload(100)
    time.sleep(0.3)
    sidecar.kill()  # SIGKILL with publishes possibly in flight
    workload(100)   # written while the sidecar is down
    sidecar.start()
    workload(100)
    msgs = events(nats_server, len(expected), timeout=30)
    assert sidecar.stop() == 0, sidecar.log()
    got = [(m.headers["Dbct-Op"], json.loads(m.headers["Dbct-Key"])["id"]) for m in msgs]
    assert len(got) == len(expected)
    assert got == expected
    # Stopping and starting again with nothing new publishes nothing.
    sidecar.start()
    time.sleep(1.5)
    assert sidecar.stop() == 0
    assert len(events(nats_server, len(expected))) == len(expected)


def test_sigterm_stops_cleanly(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    started = time.monotonic()
    assert sidecar.stop() == 0
    assert time.monotonic() - started < 5
    assert "stopped after" in sidecar.log()


@pytest.mark.parametrize("options,lines", [
    ({"binlog_format": "STATEMENT", "binlog_row_image": "MINIMAL"},
     ["binlog_format must be ROW (is STATEMENT)", "binlog_row_image must be FULL (is MINIMAL)"]),
    ({"log_bin": None}, ["log_bin must be ON (is OFF)"]),
])
def test_prerequisite_failures(make_mariadb_server, nats_server, build_dir, tmp_path, sidecars,
                               options, lines):
    server = make_mariadb_server(**options)
    code, log = make(sidecars, build_dir, tmp_path, server, nats_server).run_to_exit()
    assert code == 1, log
    for line in lines:
        assert f"ERROR: {line}" in log.splitlines() or any(l.startswith(f"ERROR: {line}") for l in log.splitlines()), log


def test_user_without_replication_privileges(mariadb_server, nats_server, build_dir, tmp_path,
                                             sidecars):
    mariadb_server.execute("CREATE USER 'weak'@'%' IDENTIFIED BY 'weak'")
    mariadb_server.execute("GRANT SELECT ON *.* TO 'weak'@'%'")

    class Weak:
        port = mariadb_server.port
        user = "weak"
        password = "weak"

    code, log = make(sidecars, build_dir, tmp_path, Weak, nats_server).run_to_exit()
    assert code == 1, log
    errors = [l for l in log.splitlines() if l.startswith("ERROR:")]
    assert len(errors) == 2, log
    assert "lacks the REPLICATION SLAVE privilege" in errors[0]
    assert "lacks the BINLOG MONITOR (REPLICATION CLIENT) privilege" in errors[1]


def test_wrong_password_and_unknown_host(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    class Wrong:
        port = mariadb_server.port
        user = mariadb_server.user
        password = "not-the-password"

    code, log = make(sidecars, build_dir, tmp_path, Wrong, nats_server).run_to_exit()
    assert code == 1
    assert "could not connect to the database at 127.0.0.1" in log
    assert "check databaseUser and databasePassword" in log
    code, log = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                     databaseHostname="no-such-host.invalid").run_to_exit()
    assert code == 1
    assert "could not connect to the database at no-such-host.invalid" in log


def test_bad_resource_exits_2(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    code, log = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                     tableIncludelist="x").run_to_exit()
    assert code == 2, log
    assert "tableIncludeList" in log


def test_include_list_entries_must_name_something(mariadb_server, nats_server, build_dir,
                                                  tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.products (id INT PRIMARY KEY)")
    code, log = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                     databaseIncludeList="inventory,nosuchdb,inv.*",
                     tableIncludeList="inventory\\.products,inventory.nosuch,other\\..*"
                     ).run_to_exit()
    assert code == 2, log
    errors = [l for l in log.splitlines() if l.startswith("ERROR:")]
    assert errors == [
        'ERROR: database include list entry "nosuchdb" matches no database; check the name or '
        'remove it',
        'ERROR: table include list entry "inventory.nosuch" matches no table; check the name or '
        'remove it',
        'ERROR: table include list entry "other\\..*" matches no table; check the name or '
        'remove it',
    ], log
    # A database that exists but has no tables counts; names match case-insensitively as in
    # Debezium; system databases are not there to be named.
    mariadb_server.execute("CREATE DATABASE empty_db")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                   databaseIncludeList="INVENTORY,empty_db",
                   tableIncludeList="inventory\\.PRODUCTS").start()
    assert sidecar.stop() == 0, sidecar.log()
    code, log = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                     databaseIncludeList="mysql").run_to_exit()
    assert code == 2, log
    assert 'database include list entry "mysql" matches no database' in log


def test_mariadb_restart_with_rotation_loses_nothing(mariadb_server, nats_server, build_dir,
                                                     tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.k (id INT PRIMARY KEY)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    for i in range(50):
        mariadb_server.execute("INSERT INTO inventory.k VALUES (%s)", (i,))
    mariadb_server.restart()  # a new binlog file on start
    for i in range(50, 100):
        mariadb_server.execute("INSERT INTO inventory.k VALUES (%s)", (i,))
    mariadb_server.execute("FLUSH BINARY LOGS")
    for i in range(100, 120):
        mariadb_server.execute("INSERT INTO inventory.k VALUES (%s)", (i,))
    msgs = events(nats_server, 120, timeout=60)
    assert sidecar.stop() == 0, sidecar.log()
    assert [json.loads(m.headers["Dbct-Key"])["id"] for m in msgs] == list(range(120)), sidecar.log()
    assert "retrying" in sidecar.log()
    assert len({m.json()["source"]["file"] for m in msgs}) == 3


def test_without_row_metadata_names_come_from_the_catalog(make_mariadb_server, nats_server,
                                                          build_dir, tmp_path, sidecars):
    server = make_mariadb_server(binlog_row_metadata="NO_LOG")
    server.execute("CREATE DATABASE inventory")
    server.execute("CREATE TABLE inventory.p (id INT UNSIGNED PRIMARY KEY, "
                   "e ENUM('a','b'), l VARCHAR(10) CHARACTER SET latin1)")
    sidecar = make(sidecars, build_dir, tmp_path, server, nats_server).start()
    server.execute("INSERT INTO inventory.p VALUES (4000000000, 'b', 'é')")
    msgs = events(nats_server, 1)
    assert sidecar.stop() == 0
    assert msgs[0].json()["after"] == {"id": 4000000000, "e": "b", "l": "é"}
    assert json.loads(msgs[0].headers["Dbct-Key"]) == {"id": 4000000000}
    assert "binlog_row_metadata should be FULL (is NO_LOG)" in sidecar.log()


def test_include_and_exclude_lists(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE DATABASE other")
    for db in ("inventory", "other"):
        mariadb_server.execute(f"CREATE TABLE {db}.a (id INT PRIMARY KEY, secret TEXT, x INT)")
        mariadb_server.execute(f"CREATE TABLE {db}.b (id INT PRIMARY KEY)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server,
                   databaseIncludeList="inventory", tableExcludeList="inventory\\.b",
                   columnExcludeList="inventory\\.a\\.secret").start()
    for db in ("other", "inventory"):
        mariadb_server.execute(f"INSERT INTO {db}.a VALUES (1, 's', 2)")
        mariadb_server.execute(f"INSERT INTO {db}.b VALUES (1)")
    mariadb_server.execute("INSERT INTO inventory.a VALUES (2, 's', 3)")
    msgs = events(nats_server, 2)
    time.sleep(0.5)
    msgs = events(nats_server, 2)
    assert sidecar.stop() == 0
    assert [m.json()["after"] for m in msgs] == [{"id": 1, "x": 2}, {"id": 2, "x": 3}]
    assert {m.headers["Dbct-Table"] for m in msgs} == {"inventory.a"}


def test_nats_restart_loses_nothing(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.k (id INT PRIMARY KEY)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    for i in range(100):
        mariadb_server.execute("INSERT INTO inventory.k VALUES (%s)", (i,))
    nats_server.restart()
    for i in range(100, 200):
        mariadb_server.execute("INSERT INTO inventory.k VALUES (%s)", (i,))
    msgs = events(nats_server, 200, timeout=60)
    assert sidecar.stop() == 0, sidecar.log()
    assert [json.loads(m.headers["Dbct-Key"])["id"] for m in msgs] == list(range(200))
