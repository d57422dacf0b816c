"""dbct-mongodb on documented change-stream formats (no MongoDB server exists on our machines).

--replay runs the built binary's translator on files of change-stream documents (Extended
JSON, one per line, as a watch() cursor returns them) and is compared line for line with the
expected Debezium events; bad input gives one-line reasons; --replay --publish puts the events
on a real nats-server's stream.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nats_client import NatsClient  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "mongodb")
EVENT_TIME = "1700000000000"


def binary(build_dir):
    path = os.path.join(build_dir, "dbct-mongodb")
    if not os.path.exists(path):
        pytest.skip(f"{path} is not built")
    return path


def run(build_dir, *args, env=None, timeout=60):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([binary(build_dir), *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def version(build_dir):
    return run(build_dir, "--version").stdout.strip()


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_lines(build_dir, name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read().replace("@VERSION@", version(build_dir)).splitlines()


@pytest.mark.parametrize("replay,manifest,expected", [
    ("change_events.jsonl", "../../../../manifests/examples/mongodb-events.yaml",
     "change_events.expected.jsonl"),
    ("pre_images.jsonl", "../../../../manifests/examples/mongodb-events.yaml", "pre_images.expected.jsonl"),
    ("transaction.jsonl", "../../../../manifests/examples/mongodb-events.yaml", "transaction.expected.jsonl"),
    ("transaction.jsonl", "tx-metadata.yaml", "transaction_metadata.expected.jsonl"),
    ("cursor_replies.jsonl", "../../../../manifests/examples/mongodb-events.yaml", "cursor_replies.expected.jsonl"),
])
def test_replay_matches_debezium_events_line_for_line(build_dir, replay, manifest, expected):
    result = run(build_dir, "--replay", os.path.join(DATA, replay), "--manifest",
                 os.path.normpath(os.path.join(DATA, manifest)), "--event-time-ms", EVENT_TIME,
                 env={"MONGODB_URI": "mongodb://127.0.0.1:27017/?replicaSet=rs0"})
    assert result.returncode == 0, result.stderr
    got = result.stdout.splitlines()
    want = expected_lines(build_dir, expected)
    assert len(got) == len(want), result.stdout
    for i, (g, w) in enumerate(zip(got, want), start=1):
        assert g == w, f"line {i} differs"
        json.loads(g)  # every line is one JSON document


def test_replay_reports_skipped_documents(build_dir):
    result = run(build_dir, "--replay", os.path.join(DATA, "change_events.jsonl"), "--manifest",
                 os.path.join(HERE, "..", "..", "manifests", "examples", "mongodb-events.yaml"),
                 env={"MONGODB_URI": "mongodb://h/"})
    assert result.returncode == 0
    assert "change_events.jsonl:5: skipped: collection otherdb.events is not captured" in result.stderr
    assert "change_events.jsonl:6: skipped: operationType rename is not a data change" in result.stderr


def test_replay_without_manifest_uses_name(build_dir):
    result = run(build_dir, "--replay", os.path.join(DATA, "pre_images.jsonl"), "--name", "orders-feed",
                 "--event-time-ms", EVENT_TIME)
    assert result.returncode == 0, result.stderr
    first = json.loads(result.stdout.splitlines()[0])
    assert first["source"]["name"] == "orders-feed"
    assert first["op"] == "u"
    assert json.loads(first["before"].replace("$numberLong", "n"))["first_name"] == "unknown"


def test_replay_bad_line_names_file_and_line(build_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(open(os.path.join(DATA, "pre_images.jsonl")).readline() + "{not json\n")
    result = run(build_dir, "--replay", str(bad), "--name", "x")
    assert result.returncode == 2
    assert f"{bad}:2: not a change-stream document in Extended JSON" in result.stderr
    missing = tmp_path / "missing.jsonl"
    missing.write_text('{"_id": {"_data": "01"}, "operationType": "insert", "ns": {"db": "d", "coll": "c"}, '
                       '"documentKey": {"_id": 1}, "fullDocument": {"_id": 1}}\n')
    result = run(build_dir, "--replay", str(missing), "--name", "x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == \
        f"ERROR: {missing}:1: insert event has no clusterTime timestamp"
    result = run(build_dir, "--replay", str(tmp_path / "nope.jsonl"), "--name", "x")
    assert result.returncode == 2
    assert "could not open replay file" in result.stderr


def manifest(tmp_path, parameters, name="mongo-bad"):
    lines = ["apiVersion: weik.io/v1alpha1", "kind: DatabaseChangeTracking", "metadata:", f"  name: {name}",
             "spec:", "  type: mongodb", "  parameters:"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in parameters.items()]
    path = tmp_path / "m.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_no_connection_string_is_bad_input(build_dir, tmp_path):
    result = run(build_dir, "--manifest", manifest(tmp_path, {"collectionIncludeList": "mydb.events"}))
    assert result.returncode == 2
    assert "mongodbConnectionString" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_connection_string_and_bad_regex(build_dir, tmp_path):
    result = run(build_dir, "--manifest", manifest(tmp_path, {"mongodbConnectionString": "http://x"}))
    assert result.returncode == 2
    assert "mongodbConnectionString is not a valid MongoDB connection string" in result.stderr
    result = run(build_dir, "--manifest", manifest(tmp_path, {"mongodbConnectionString": "mongodb://h/",
                                                              "collectionIncludeList": "mydb.(events"}))
    assert result.returncode == 2
    assert "mydb.(events" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("parameters,reason", [
    ({"jsonSerializationMode": "relaxed"},
     'parameter "jsonSerializationMode" is a Debezium property that dbct does not support; remove it'),
    ({"captureScope": "database"},
     'parameter "captureScope" is a Debezium property that dbct does not support; remove it'),
    ({"snapshotMode": "recovery"}, 'snapshotMode "recovery" is not supported; use one of initial, always, '
                                   'initial_only, no_data, when_needed'),
    ({"captureMode": "full"}, "parameter captureMode must be one of change_streams, change_streams_update_full, "
                              "change_streams_with_pre_image, change_streams_update_full_with_pre_image"),
    ({"skippedOperations": "x"}, 'parameter skippedOperations has unknown operation "x"'),
    ({"heartbeatIntervalMs": -5}, "parameter heartbeatIntervalMs must be an integer between 0 and 2147483647"),
    ({"tableIncludeList": "a.b"}, "tableIncludeList"),
])
def test_bad_resource_gives_one_line_reason(build_dir, tmp_path, parameters, reason):
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://h/", **parameters})
    result = run(build_dir, "--manifest", path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert reason in lines[0]


def test_resource_of_another_type_is_bad_input(build_dir, tmp_path):
    path = tmp_path / "pg.yaml"
    path.write_text("apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata:\n  name: pg\n"
                    "spec:\n  type: postgres\n  parameters:\n    databaseHostname: h\n    databaseUser: u\n"
                    "    databaseDbname: d\n")
    result = run(build_dir, "--manifest", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"ERROR: {path} holds no resource of type mongodb"


def test_heartbeats_are_accepted(build_dir, tmp_path):
    # heartbeatIntervalMs is implemented: the sidecar gets as far as connecting.
    port = unused_port()
    uri = f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=500"
    result = run(build_dir, "--manifest", manifest(tmp_path, {"mongodbConnectionString": uri,
                                                              "heartbeatIntervalMs": 1000}), timeout=20)
    assert result.returncode == 1
    assert result.stderr.startswith(f"ERROR: could not reach MongoDB at 127.0.0.1:{port}"), result.stderr


def test_unreachable_host_gives_one_line_reason(build_dir, tmp_path):
    port = unused_port()
    uri = f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=500"
    result = run(build_dir, "--manifest", manifest(tmp_path, {"mongodbConnectionString": uri}), timeout=20)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"ERROR: could not reach MongoDB at 127.0.0.1:{port}")
    assert lines[0].endswith("; check that MongoDB runs there and that mongodbConnectionString names it")


def test_example_manifest_reports_unreachable_mongodb(build_dir, repo_root):
    port = unused_port()
    result = run(build_dir, "--manifest", os.path.join(repo_root, "manifests", "examples", "mongodb-events.yaml"),
                 env={"MONGODB_URI": f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=500"}, timeout=20)
    assert result.returncode == 1
    assert f"could not reach MongoDB at 127.0.0.1:{port}" in result.stderr
    assert "connection refused" in result.stderr


def test_replay_publish_puts_events_on_the_stream(build_dir, nats_server, tmp_path):
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://127.0.0.1:27017/?replicaSet=rs0",
                               "databaseIncludeList": "mydb"}, name="mongo-replay")
    with open(path, "a") as f:
        f.write(f"  nats:\n    url: {nats_server.url}\n")
    result = run(build_dir, "--replay", os.path.join(DATA, "change_events.jsonl"), "--manifest", path, "--publish",
                 "--event-time-ms", EVENT_TIME)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    stream = "dbchangetracking-mongo-replay-stream"
    with NatsClient(nats_server.url) as client:
        msgs = client.stream_messages(stream, 4)
        assert len(msgs) == 4
        assert [m.headers["Dbct-Op"] for m in msgs] == ["c", "u", "u", "d"]
        assert [json.loads(m.headers["Dbct-Key"]) for m in msgs] == [
            {"id": '{"$oid": "599af247bb69cd89961c986d"}'}, {"id": '{"$oid": "599af247bb69cd89961c986d"}'},
            {"id": '"n-1"'}, {"id": '{"$oid": "599af247bb69cd89961c986d"}'}]
        assert msgs[0].headers["Dbct-Position"] == '{"_data": "8263515979000000012B022C0100296E5A1004"}'
        assert msgs[0].headers["Nats-Msg-Id"] == \
            'mongo-replay:{"_data": "8263515979000000012B022C0100296E5A1004"}'
        assert msgs[2].headers["Dbct-Table"] == "mydb.notifications"
        assert msgs[0].json()["source"]["connector"] == "mongodb"
    # Publishing the same file again within the duplicate window adds nothing.
    again = run(build_dir, "--replay", os.path.join(DATA, "change_events.jsonl"), "--manifest", path, "--publish")
    assert again.returncode == 0, again.stderr
    with NatsClient(nats_server.url) as client:
        assert client.stream_info(stream)["state"]["messages"] == 4


def test_replay_publish_with_nats_down_fails_clearly(build_dir, tmp_path):
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://h/"}, name="mongo-nonats")
    with open(path, "a") as f:
        f.write(f"  nats:\n    url: nats://127.0.0.1:{unused_port()}\n")
    result = run(build_dir, "--replay", os.path.join(DATA, "pre_images.jsonl"), "--manifest", path, "--publish",
                 timeout=60)
    assert result.returncode == 1
    assert "could not connect to NATS" in result.stderr


def scrape_metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if name == "dbct_state" and 'state="stopped"' not in line:
                continue
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in\n{text}")


def test_lag_is_now_minus_the_source_time_of_the_last_event(build_dir, nats_server, tmp_path):
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://127.0.0.1:27017/?replicaSet=rs0",
                               "databaseIncludeList": "mydb"}, name="mongo-lag")
    with open(path, "a") as f:
        f.write(f"  nats:\n    url: {nats_server.url}\n")
    # The last captured change of the file is the delete at clusterTime 1666275708 (no wallTime).
    source_ms = 1666275708000
    port = unused_port()
    before = int(time.time() * 1000)
    proc = subprocess.Popen([binary(build_dir), "--replay", os.path.join(DATA, "change_events.jsonl"), "--manifest",
                             path, "--publish", "--metrics-addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if scrape_metric(port, "dbct_state") == 1:
                    break
            except (OSError, AssertionError):
                pass
            assert time.time() < deadline, "the replay did not finish"
            time.sleep(0.2)
        after = int(time.time() * 1000)
        lag = scrape_metric(port, "dbct_lag_milliseconds")
        assert before - source_ms <= lag <= after - source_ms
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_idle_post_batch_resume_token_goes_to_the_offsets_entry(build_dir, nats_server, tmp_path):
    # Whole aggregate/getMore replies: an empty first batch, a batch with one insert, then an
    # empty batch whose postBatchResumeToken moved on (the captured collections are idle).
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://127.0.0.1:27017/?replicaSet=rs0"},
                    name="mongo-idle")
    with open(path, "a") as f:
        f.write(f"  nats:\n    url: {nats_server.url}\n")
    replay = os.path.join(DATA, "cursor_replies.jsonl")
    printed = run(build_dir, "--replay", replay, "--manifest", path)
    assert printed.returncode == 0, printed.stderr
    assert f'{replay}:3: change stream at postBatchResumeToken {{"_data": "82635160F1000000012B0229296E04"}}' \
        in printed.stderr
    result = run(build_dir, "--replay", replay, "--manifest", path, "--publish")
    assert result.returncode == 0, result.stderr
    with NatsClient(nats_server.url) as client:
        msgs = client.stream_messages("dbchangetracking-mongo-idle-stream", 1)
        assert [m.headers["Dbct-Position"] for m in msgs] == [
            '{"_data": "8263515979000000012B022C0100296E5A1004"}']
        offset = client.kv_get("dbchangetracking-offsets", "mongo-idle")
    # The stream's last event is older than the token kept in the offsets entry.
    assert offset.decode() == '{"_data": "82635160F1000000012B0229296E04"}'


def test_offsets_entry_is_the_last_acknowledged_event_without_idle_tokens(build_dir, nats_server, tmp_path):
    path = manifest(tmp_path, {"mongodbConnectionString": "mongodb://h/", "databaseIncludeList": "mydb"},
                    name="mongo-offsets")
    with open(path, "a") as f:
        f.write(f"  nats:\n    url: {nats_server.url}\n")
    result = run(build_dir, "--replay", os.path.join(DATA, "change_events.jsonl"), "--manifest", path, "--publish")
    assert result.returncode == 0, result.stderr
    with NatsClient(nats_server.url) as client:
        msgs = client.stream_messages("dbchangetracking-mongo-offsets-stream", 4)
        offset = client.kv_get("dbchangetracking-offsets", "mongo-offsets")
    assert offset.decode() == msgs[-1].headers["Dbct-Position"]


def test_malformed_cursor_reply_names_file_and_line(build_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"cursor": {"nextBatch": [1], "postBatchResumeToken": {"_data": "82"}}, "ok": 1}\n')
    result = run(build_dir, "--replay", str(bad), "--name", "x")
    assert result.returncode == 2
    assert result.stderr.strip() == f"ERROR: {bad}:1: cursor.nextBatch holds a non-document"
