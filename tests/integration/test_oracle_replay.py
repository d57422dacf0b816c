"""dbct-oracle on documented formats: --replay of V$LOGMNR_CONTENTS rows through the same
transaction buffer and emitter as live mining, and the failures a user meets first.

data/oracle_logminer.jsonl holds: the create example of Debezium's Oracle documentation;
interleaved transactions (one rolled back, one with SQL_REDO continued over two rows with
CSF = 1, one with a statement undone by a rollback to savepoint, one left open); an update, a
key-changing update and a delete; every Oracle type of the mapping (NUMBER with and without
scale, BINARY_FLOAT, DATE, TIMESTAMP, WITH [LOCAL] TIME ZONE, INTERVALs, RAW, NVARCHAR2 from
unistr, CLOB/BLOB placeholders).
"""

import json
import os
import re
import socket
import subprocess

import pytest

from nats_client import NatsClient

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
ROWS = os.path.join(DATA, "oracle_logminer.jsonl")


@pytest.fixture
def sidecar(build_dir):
    path = os.path.join(build_dir, "dbct-oracle")
    if not os.path.exists(path):
        pytest.skip("dbct-oracle is not built")
    return path


def normalized(line):
    return re.sub(r'"version":"[^"]*"', '"version":"X"', line)


def run(sidecar, *args, env=None):
    return subprocess.run([sidecar, *args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def test_replay_prints_committed_transactions_in_commit_order_line_for_line(sidecar):
    result = run(sidecar, "--replay", ROWS, "--name", "server1", "--database", "ORCLPDB1",
                 "--event-time", "1532592105975")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(DATA, "oracle_logminer.expected.jsonl")) as f:
        expected = [normalized(l.rstrip("\n")) for l in f if l.strip()]
    actual = [normalized(l) for l in result.stdout.splitlines()]
    assert len(actual) == len(expected) == 7
    for n, (a, e) in enumerate(zip(actual, expected), start=1):
        assert json.loads(a) == json.loads(e), f"event {n}"
        assert a == e, f"event {n}: field order"
    events = [json.loads(l) for l in actual]
    # The documented create event.
    assert events[0]["after"] == {"ID": 1004, "FIRST_NAME": "Anne", "LAST_NAME": "Kretchmar",
                                  "EMAIL": "annek@noanswer.org"}
    assert events[0]["source"]["scn"] == "2122185" and events[0]["source"]["commit_scn"] == "2122185"
    assert events[0]["source"]["rs_id"] == "0x001234.00012345.0124"
    # Rolled back (1005), undone by savepoint (1007) and uncommitted (1008) rows never appear.
    ids = {json.dumps(e["before"]) + json.dumps(e["after"]) for e in events}
    assert not any(str(i) in s for s in ids for i in (1005, 1007, 1008))
    assert [e["op"] for e in events] == ["c", "c", "u", "u", "d", "c", "d"]
    # The uncommitted transaction is reported.
    assert "1 transaction(s)" in result.stderr and "no COMMIT or ROLLBACK" in result.stderr


def test_replay_with_manifest_modes(sidecar, tmp_path):
    manifest = tmp_path / "ora.yaml"
    manifest.write_text("""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {name: oracle-shop}
spec:
  type: oracle
  parameters:
    databaseHostname: 127.0.0.1
    databaseUser: weikio
    databaseDbname: ORCL
    databasePdbName: SHOPPDB
    decimalHandlingMode: string
    intervalHandlingMode: string
    binaryHandlingMode: hex
""")
    result = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1")
    assert result.returncode == 0, result.stderr
    product = [json.loads(l) for l in result.stdout.splitlines()][1]
    assert product["source"]["name"] == "oracle-shop"
    assert product["source"]["db"] == "SHOPPDB"
    assert product["after"]["PRICE"] == "19.99"
    assert product["after"]["RATING"] == "4.25"
    assert product["after"]["ID"] == "1"  # NUMBER(9,0) follows the decimal mode when not precise
    assert product["after"]["CODE"] == "deadbeef"
    assert product["after"]["LEAD_TIME"].startswith("P")


def test_replay_publish_and_positions(sidecar, nats_server, tmp_path):
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {{name: ora-replay}}
spec:
  type: oracle
  parameters:
    databaseHostname: 127.0.0.1
    databaseUser: weikio
    databaseDbname: ORCLPDB1
  nats:
    url: {nats_server.url}
""")
    result = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--publish", "--event-time", "1")
    assert result.returncode == 0, result.stderr
    printed = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1").stdout.splitlines()
    with NatsClient(nats_server.url) as js:
        stored = js.stream_messages("dbchangetracking-ora-replay-stream")
    assert [m.data.decode() for m in stored] == printed
    positions = [m.headers["Dbct-Position"] for m in stored]
    assert positions == [
        "2122185/06001c0027030000/1@2122185",
        # T2 committed while the open transaction T6 had not started yet: restart at its commit.
        "2122210/0a000b0011020000/1@2122210",
        "2122210/0a000b0011020000/2@2122210",
        "2122304/0c000d0013040000/1@2122304",
        "2122304/0c000d0013040000/2@2122304",
        "2122304/0c000d0013040000/2.1@2122304",
        # T6 (started at 2122401) is still open when T5 commits: mining restarts there.
        "2122402/0d000e0014050000/1@2122401",
    ]
    assert stored[0].headers["Dbct-Key"] == '{"ID":1004}'
    assert stored[0].headers["Dbct-Table"] == "ORCLPDB1.DEBEZIUM.CUSTOMERS"
    # The stored position is where mining got to (the file's last SCN), restarting at the start
    # of T6, still open: what a live window stores while the tracked tables are idle.
    with NatsClient(nats_server.url) as js:
        offset = js.kv_get("dbchangetracking-offsets", "ora-replay").decode()
    assert offset == "2122402/idle/0@2122401"


@pytest.mark.parametrize("line, message", [
    ('{"SCN":1,"XID":"aa","OPERATION_CODE":1}', "rows.jsonl:2: SQL_REDO is missing for OPERATION_CODE 1"),
    ('{"XID":"aa","OPERATION_CODE":7}', "rows.jsonl:2: SCN is missing"),
    ('{"SCN":"x","XID":"aa","OPERATION_CODE":7}', "rows.jsonl:2: SCN must be a number (an SCN)"),
    ('not json', "rows.jsonl:2: not valid JSON"),
])
def test_bad_replay_rows_name_the_line(sidecar, tmp_path, line, message):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"table":"S.T","columns":[{"name":"ID","type":"NUMBER(9)","key":true}]}\n' + line + "\n")
    result = run(sidecar, "--replay", str(rows))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: ") and message in lines[0], result.stderr


@pytest.mark.parametrize("redo, message", [
    ('insert into "S"."T"("ID") values (\'1\'', 'SQL_REDO: expected ")"'),
    ('insert into "S"."T"("ID") values (\'x1\');', 'column "ID" (NUMBER(9)) of S.T: invalid NUMBER value "x1"'),
    ('insert into "S"."T"("NOPE") values (\'1\');', 'SQL_REDO names column "NOPE", which table S.T does not have'),
])
def test_bad_sql_redo_is_named(sidecar, tmp_path, redo, message):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join([
        '{"table":"S.T","columns":[{"name":"ID","type":"NUMBER(9)","key":true}]}',
        json.dumps({"SCN": 1, "XID": "aa", "OPERATION_CODE": 1, "SEG_OWNER": "S", "TABLE_NAME": "T",
                    "SQL_REDO": redo}),
        '{"SCN":2,"XID":"aa","OPERATION_CODE":7,"COMMIT_SCN":2}']) + "\n")
    result = run(sidecar, "--replay", str(rows))
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_example_manifest_names_the_missing_oracle_driver(sidecar, repo_root):
    # Oracle's ODBC driver cannot be installed here; the user installs it. Started on the example
    # the sidecar says which driver it looked for and what to do.
    manifest = os.path.join(repo_root, "manifests", "examples", "oracle-crm.yaml")
    result = run(sidecar, "-f", manifest, env={"ORACLE_PASSWORD": "bogus"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith('ERROR: Oracle at oracle.example.com:1521 (service "ORCL", driver '
                               '"Oracle 21 ODBC driver"): could not connect:'), result.stderr
    assert "not registered with unixODBC" in lines[0]
    assert "bogus" not in result.stderr


def test_unreachable_server_through_a_registered_driver(sidecar, tmp_path):
    # With a driver unixODBC can load (FreeTDS stands in for Oracle's here) an unused port is
    # reported as unreachable: the message path is the same one Oracle's driver takes.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {{name: ora-down}}
spec:
  type: oracle
  parameters:
    databaseHostname: 127.0.0.1
    databasePort: "{port}"
    databaseUser: weikio
    databasePassword: pw-secret
    databaseDbname: ORCL
    odbcDriver: "Driver={{FreeTDS}};Server=127.0.0.1;Port={port};TDS_Version=7.4"
""")
    result = run(sidecar, "-f", str(manifest))
    assert result.returncode == 1
    assert result.stderr.startswith(f"ERROR: Oracle at 127.0.0.1:{port}"), result.stderr
    assert "check that the server runs and accepts connections" in result.stderr
    assert "pw-secret" not in result.stderr


def manifest_text(name, nats_url=None, **parameters):
    params = {"databaseHostname": "127.0.0.1", "databaseUser": "weikio", "databaseDbname": "ORCLPDB1", **parameters}
    text = ("apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\n"
            f"metadata: {{name: {name}}}\nspec:\n  type: oracle\n  parameters:\n")
    text += "".join(f"    {k}: \"{v}\"\n" for k, v in params.items())
    if nats_url:
        text += f"  nats:\n    url: {nats_url}\n"
    return text


def test_replay_with_transaction_metadata_line_for_line(sidecar, tmp_path):
    # Each committed transaction: BEGIN, its events with {"id": XID, total_order,
    # data_collection_order}, END with per-table counts; rolled back and open ones get nothing.
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(manifest_text("server1", provideTransactionMetadata="true"))
    result = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1532592105975")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(DATA, "oracle_logminer.tx.expected.jsonl")) as f:
        expected = [normalized(l.rstrip("\n")) for l in f if l.strip()]
    actual = [normalized(l) for l in result.stdout.splitlines()]
    assert actual == expected
    events = [json.loads(l) for l in actual]
    assert [e["status"] for e in events if "status" in e] == ["BEGIN", "END"] * 4
    # Without the metadata the change events are the same, with "transaction": null.
    plain = run(sidecar, "--replay", ROWS, "--name", "server1", "--database", "ORCLPDB1",
                "--event-time", "1532592105975").stdout.splitlines()
    changes = [dict(e, transaction=None) for e in events if "op" in e]
    assert changes == [json.loads(normalized(l)) for l in plain]


def test_small_transaction_buffer_gives_the_same_events(sidecar, tmp_path):
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(manifest_text("server1", logMiningBufferMemoryMb="1"))
    small = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1")
    manifest.write_text(manifest_text("server1"))
    default = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1")
    assert small.returncode == 0 and default.returncode == 0
    assert small.stdout == default.stdout


def test_lob_placeholder_is_configurable_and_lob_mining_is_refused(sidecar, tmp_path):
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(manifest_text("server1", unavailableValuePlaceholder="<not mined>"))
    result = run(sidecar, "-f", str(manifest), "--replay", ROWS, "--event-time", "1")
    assert result.returncode == 0, result.stderr
    assert "<not mined>" in result.stdout and "__debezium_unavailable_value" not in result.stdout
    manifest.write_text(manifest_text("server1", lobEnabled="true"))
    result = run(sidecar, "-f", str(manifest), "--replay", ROWS)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'lobEnabled "true" is not supported' in lines[0], result.stderr


def test_bad_dsn_is_one_line(sidecar, tmp_path):
    manifest = tmp_path / "ora.yaml"
    manifest.write_text(manifest_text("ora-dsn", odbcDriver="DSN=nowhere", databasePassword="pw-secret"))
    result = run(sidecar, "-f", str(manifest), env={"ODBCSYSINI": str(tmp_path), "ODBCINI": str(tmp_path / "none")})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('ERROR: Oracle at 127.0.0.1:1521'), result.stderr
    assert "Data source name not found" in lines[0]
    assert "pw-secret" not in result.stderr
