"""dbct-sqlserver on documented formats: --replay of cdc.fn_cdc_get_all_changes_* rows, and the
failures a user meets first (bad replay file, unreachable server, missing driver).

The expected events (data/sqlserver_changes.expected.jsonl) start with the create, update and
delete examples of Debezium's SQL Server documentation; the rest cover several capture
instances (a schema change switching dbo_customers to dbo_customers_v2), a key-changing update,
every operation and the type mappings.
"""

import json
import os
import re
import subprocess

import pytest

from nats_client import NatsClient

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@pytest.fixture
def sidecar(build_dir):
    path = os.path.join(build_dir, "dbct-sqlserver")
    if not os.path.exists(path):
        pytest.skip("dbct-sqlserver is not built")
    return path


def normalized(line):
    # source.version is the build's version.
    return re.sub(r'"version":"[^"]*"', '"version":"X"', line)


def run(sidecar, *args, env=None, timeout=60):
    return subprocess.run([sidecar, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def test_replay_prints_the_debezium_events_line_for_line(sidecar):
    result = run(sidecar, "--replay", os.path.join(DATA, "sqlserver_changes.jsonl"), "--name", "server1",
                 "--database", "testDB", "--event-time", "1559729471739")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(DATA, "sqlserver_changes.expected.jsonl")) as f:
        expected = [normalized(l.rstrip("\n")) for l in f if l.strip()]
    actual = [normalized(l) for l in result.stdout.splitlines()]
    assert len(actual) == len(expected)
    for n, (a, e) in enumerate(zip(actual, expected), start=1):
        assert json.loads(a) == json.loads(e), f"event {n}"
        assert a == e, f"event {n}: field order"


def test_replay_uses_the_manifest_for_names_and_modes(sidecar, tmp_path):
    manifest = tmp_path / "ss.yaml"
    manifest.write_text("""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {name: sqlserver-orders}
spec:
  type: sqlserver
  parameters:
    databaseHostname: 127.0.0.1
    databaseUser: sa
    databaseDbname: shop
    decimalHandlingMode: string
    timePrecisionMode: connect
    binaryHandlingMode: hex
""")
    result = run(sidecar, "-f", str(manifest), "--replay", os.path.join(DATA, "sqlserver_changes.jsonl"),
                 "--event-time", "1")
    assert result.returncode == 0, result.stderr
    events = [json.loads(l) for l in result.stdout.splitlines()]
    order = next(e for e in events if e["source"]["table"] == "orders" and e["op"] == "c")
    assert order["source"]["name"] == "sqlserver-orders"
    assert order["source"]["db"] == "shop"
    assert order["after"]["price"] == "19.99"
    assert order["after"]["total"] == "59.9700"
    assert order["after"]["placed"] == 1559730599123  # connect: milliseconds
    assert order["after"]["thumbnail"] == "89504e47"


def test_replay_publish_sends_the_events_to_jetstream(sidecar, nats_server, tmp_path):
    manifest = tmp_path / "ss.yaml"
    manifest.write_text(f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {{name: ss-replay}}
spec:
  type: sqlserver
  parameters:
    databaseHostname: 127.0.0.1
    databaseUser: sa
    databaseDbname: testDB
  nats:
    url: {nats_server.url}
""")
    replay = os.path.join(DATA, "sqlserver_changes.jsonl")
    result = run(sidecar, "-f", str(manifest), "--replay", replay, "--publish", "--event-time", "1")
    assert result.returncode == 0, result.stderr
    printed = run(sidecar, "-f", str(manifest), "--replay", replay, "--event-time", "1").stdout.splitlines()
    with NatsClient(nats_server.url) as js:
        stored = js.stream_messages("dbchangetracking-ss-replay-stream")
    assert [m.data.decode() for m in stored] == printed
    assert stored[0].headers["Dbct-Position"] == "00000027:00000758:0005/00000027:00000758:0003/1"
    assert stored[0].headers["Nats-Msg-Id"] == "ss-replay:00000027:00000758:0005/00000027:00000758:0003/1"
    assert stored[0].headers["Dbct-Key"] == '{"id":1005}'
    assert stored[0].headers["Dbct-Table"] == "testDB.dbo.customers"
    assert stored[0].headers["Dbct-Op"] == "c"
    # The key change: delete then create at one position, told apart by the part.
    assert stored[5].headers["Dbct-Position"].endswith("/2") and stored[6].headers["Dbct-Position"].endswith("/2/1")
    # Publishing again adds nothing: JetStream drops the duplicates by Nats-Msg-Id.
    assert run(sidecar, "-f", str(manifest), "--replay", replay, "--publish").returncode == 0
    with NatsClient(nats_server.url) as js:
        assert len(js.stream_messages("dbchangetracking-ss-replay-stream")) == len(printed)
        status = json.loads(js.kv_get("dbchangetracking-status", "ss-replay"))
        offset = js.kv_get("dbchangetracking-offsets", "ss-replay")
    # Status and the acknowledged position are kept as for live capture.
    assert status["state"] == "stopped" and status["type"] == "sqlserver"
    # The stored position is where reading got to: past the last event, through its commit LSN
    # (what live polling stores while the tables are idle).
    assert offset.decode() == stored[-1].headers["Dbct-Position"].split("/")[0] + "/end"


@pytest.mark.parametrize("line, message", [
    ('{"capture_instance":"x","__$start_lsn":"0x00"}',
     'rows.jsonl:2: capture instance "x" is not declared: add a line with its columns before its rows'),
    ('{"capture_instance":"dbo_t","__$start_lsn":"0x01","__$seqval":"0x01","__$operation":2,"id":1}',
     'rows.jsonl:2: __$start_lsn "0x01" is not an LSN: write 0x followed by 20 hex digits, or 00000027:00000758:0003'),
    ('{"capture_instance":"dbo_t","__$start_lsn":"00000027:00000758:0003","__$seqval":"00000027:00000758:0003",'
     '"__$operation":7,"id":1}',
     'rows.jsonl:2: __$operation must be 1 (delete), 2 (insert), 3 (update before) or 4 (update after)'),
    ('{"capture_instance":"dbo_t","__$start_lsn":"00000027:00000758:0003","__$seqval":"00000027:00000758:0003",'
     '"__$operation":2}',
     'rows.jsonl:2: column "id" of capture instance "dbo_t" is missing'),
    ('{"capture_instance":"dbo_t","__$start_lsn":"00000027:00000758:0003","__$seqval":"00000027:00000758:0003",'
     '"__$operation":2,"id":"seven"}',
     'column "id" (int) of dbo.t: invalid integer value "seven"'),
    ('{"capture_instance":"dbo_t","__$start_lsn":"00000027:00000758:0003","__$seqval":"00000027:00000758:0003",'
     '"__$operation":3,"id":1}',
     'the update before image at 00000027:00000758:0003 is not followed by its after image'),
])
def test_bad_replay_rows_name_the_line_and_the_problem(sidecar, tmp_path, line, message):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"capture_instance":"dbo_t","source_table":"dbo.t","columns":[{"name":"id","type":"int"}]}\n'
                    + line + "\n")
    result = run(sidecar, "--replay", str(rows))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: ") and message in lines[0], result.stderr


def test_missing_replay_file_and_bad_usage(sidecar, tmp_path):
    result = run(sidecar, "--replay", str(tmp_path / "none.jsonl"))
    assert result.returncode == 2
    assert f'could not open replay file "{tmp_path / "none.jsonl"}"' in result.stderr
    result = run(sidecar)
    assert result.returncode == 2
    assert "--manifest is required" in result.stderr


def test_example_manifest_reports_the_unreachable_server(sidecar, repo_root):
    manifest = os.path.join(repo_root, "manifests", "examples", "sqlserver-customers.yaml")
    result = run(sidecar, "-f", manifest, env={"SQLSERVER_PASSWORD": "bogus"})
    assert result.returncode == 1
    assert result.stderr.startswith('ERROR: SQL Server at sqlserver.example.com:1433 (database "CRM", driver '
                                    '"FreeTDS"): could not connect:'), result.stderr
    assert "check that the server runs" in result.stderr
    assert "bogus" not in result.stderr


def test_unused_port_and_missing_driver_are_clear(sidecar, tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    manifest = tmp_path / "ss.yaml"
    base = f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {{name: ss-down}}
spec:
  type: sqlserver
  parameters:
    databaseHostname: 127.0.0.1
    databasePort: "{port}"
    databaseUser: sa
    databasePassword: secret-pw
    databaseDbname: CRM
"""
    manifest.write_text(base)
    result = run(sidecar, "-f", str(manifest))
    assert result.returncode == 1
    assert result.stderr.startswith(f'ERROR: SQL Server at 127.0.0.1:{port} (database "CRM", driver "FreeTDS"): '
                                    "could not connect:"), result.stderr
    assert "secret-pw" not in result.stderr
    manifest.write_text(base + "    odbcDriver: ODBC Driver 18 for SQL Server\n")
    result = run(sidecar, "-f", str(manifest))
    assert result.returncode == 1
    assert "Can't open lib 'ODBC Driver 18 for SQL Server'" in result.stderr
    assert "not registered with unixODBC" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def manifest_text(name, nats_url=None, **parameters):
    params = {"databaseHostname": "127.0.0.1", "databaseUser": "sa", "databaseDbname": "testDB", **parameters}
    text = ("apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\n"
            f"metadata: {{name: {name}}}\nspec:\n  type: sqlserver\n  parameters:\n")
    text += "".join(f"    {k}: \"{v}\"\n" for k, v in params.items())
    if nats_url:
        text += f"  nats:\n    url: {nats_url}\n"
    return text


def test_replay_with_transaction_metadata_line_for_line(sidecar, tmp_path):
    # Each commit LSN is a transaction: BEGIN, its events with their transaction block, END
    # with the per-table counts (Debezium's TransactionMonitor; id = the commit LSN).
    manifest = tmp_path / "ss.yaml"
    manifest.write_text(manifest_text("server1", provideTransactionMetadata="true"))
    result = run(sidecar, "-f", str(manifest), "--replay", os.path.join(DATA, "sqlserver_changes.jsonl"),
                 "--event-time", "1559729471739")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(DATA, "sqlserver_changes.tx.expected.jsonl")) as f:
        expected = [normalized(l.rstrip("\n")) for l in f if l.strip()]
    actual = [normalized(l) for l in result.stdout.splitlines()]
    assert actual == expected
    events = [json.loads(l) for l in actual]
    ends = [e for e in events if e.get("status") == "END"]
    assert sum(e["event_count"] for e in ends) == len([e for e in events if "op" in e])
    two_tables = next(e for e in ends if len(e["data_collections"]) == 2)
    assert two_tables["data_collections"] == [{"data_collection": "testDB.dbo.customers", "event_count": 1},
                                              {"data_collection": "testDB.dbo.orders", "event_count": 1}]


def test_replay_publish_sends_transaction_events_to_their_subject(sidecar, nats_server, tmp_path):
    manifest = tmp_path / "ss.yaml"
    manifest.write_text(manifest_text("ss-tx", nats_server.url, provideTransactionMetadata="true"))
    replay = os.path.join(DATA, "sqlserver_changes.jsonl")
    result = run(sidecar, "-f", str(manifest), "--replay", replay, "--publish", "--event-time", "1")
    assert result.returncode == 0, result.stderr
    with NatsClient(nats_server.url) as js:
        stored = js.stream_messages("dbchangetracking-ss-tx-stream")
        status = json.loads(js.kv_get("dbchangetracking-status", "ss-tx"))
    subjects = [m.subject for m in stored]
    assert subjects[:3] == ["dbchangetracking.ss-tx.transaction", "dbchangetracking.ss-tx",
                            "dbchangetracking.ss-tx.transaction"]
    assert stored[0].headers["Dbct-Position"] == "00000027:00000758:0005/begin"
    assert stored[2].headers["Dbct-Position"] == "00000027:00000758:0005/end"
    assert stored[2].headers["Nats-Msg-Id"] == "ss-tx:00000027:00000758:0005/end"
    assert json.loads(stored[2].data)["status"] == "END"
    # Only change events count as events; the lag comes from their commit time.
    assert status["events_total"] == subjects.count("dbchangetracking.ss-tx")
    assert status["lag_ms"] is not None and status["lag_ms"] > 0


def test_bad_dsn_and_bad_parameters_are_one_line_each(sidecar, tmp_path):
    manifest = tmp_path / "ss.yaml"
    manifest.write_text(manifest_text("ss-dsn", odbcDriver="DSN=nowhere", databasePassword="pw-secret"))
    result = run(sidecar, "-f", str(manifest), env={"ODBCSYSINI": str(tmp_path), "ODBCINI": str(tmp_path / "none")})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Data source name not found" in lines[0] and "odbcinst -q -s" in lines[0], result.stderr
    assert "pw-secret" not in result.stderr
    manifest.write_text(manifest_text("ss-bad", streamingFetchSize="0"))
    result = run(sidecar, "-f", str(manifest))
    assert result.returncode == 2
    assert "streamingFetchSize must be an integer between 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
