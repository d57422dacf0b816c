"""The NATS side of the event library (SPEC §4, §6), driven by tests/tools/dbct_publish_check
against a real nats-server, and checked through the JetStream API."""
import base64
import json
import os
import subprocess
import time

import pytest

from nats_client import NatsClient

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.path.abspath(os.environ.get("DBCT_BUILD_DIR") or os.path.join(REPO_ROOT, "build"))
TOOL = os.path.join(BUILD_DIR, "dbct_publish_check")


def run_tool(server, name, *args, check=True, timeout=120):
    cmd = [TOOL, "--url", server.url, "--name", name, *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (cmd, proc.returncode, proc.stdout,
                                                           proc.stderr[-4000:]))
    return proc


def tool_json(server, name, *args):
    return json.loads(run_tool(server, name, *args).stdout.strip().splitlines()[-1])


def wait_for_growth(server, stream, at_least, timeout=30):
    """Waits until the stream holds at least `at_least` messages; returns the count seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with NatsClient(server.url, timeout=2) as nc:
                info = nc.stream_info(stream)
            if info and "state" in info and info["state"]["messages"] >= at_least:
                return info["state"]["messages"]
        except (OSError, RuntimeError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError("stream %s did not reach %d messages" % (stream, at_least))


def positions(messages):
    return [int(m.headers["Dbct-Position"]) for m in messages]


@pytest.fixture(autouse=True)
def _tool_built():
    if not os.path.exists(TOOL):
        pytest.fail("build the tools first: cmake --build build (missing %s)" % TOOL)


def test_stream_config_matches_spec(nats_server):
    assert tool_json(nats_server, "orders", "--mode", "ensure", "--max-messages", 512) == \
        {"outcome": "created"}
    with NatsClient(nats_server.url) as nc:
        info = nc.stream_info("dbchangetracking-orders-stream")
    config = info["config"]
    assert sorted(config["subjects"]) == ["dbchangetracking.orders", "dbchangetracking.orders.>"]
    assert config["storage"] == "file"
    assert config["retention"] == "limits"
    assert config["discard"] == "old"
    assert config["max_msgs"] == 512
    assert config["max_bytes"] == -1
    assert config["max_age"] == 0
    assert config["num_replicas"] == 1
    assert config["duplicate_window"] == 120 * 10**9
    assert config["republish"]["src"] == "dbchangetracking.orders"
    assert config["republish"]["dest"] == "dbchangetrackingprocessing.orders"
    # Ensuring again leaves it alone.
    assert tool_json(nats_server, "orders", "--mode", "ensure", "--max-messages", 512) == \
        {"outcome": "unchanged"}


def test_republished_events_reach_processing_subject(nats_server):
    with NatsClient(nats_server.url) as nc:
        nc.subscribe("dbchangetrackingprocessing.rp")
        nc.flush()
        summary = tool_json(nats_server, "rp", "--count", 20)
        assert summary["all_acked"]
        got = [nc.next_msg(timeout=5) for _ in range(20)]
    assert [m.subject for m in got] == ["dbchangetrackingprocessing.rp"] * 20
    assert positions(got) == list(range(1, 21))
    first = got[0]
    assert first.headers["Nats-Msg-Id"] == "rp:1"
    assert first.headers["Dbct-Op"] == "c"
    assert first.headers["Dbct-Table"] == "db.public.check"
    assert json.loads(first.headers["Dbct-Key"]) == {"id": 1}
    assert json.loads(first.data)["i"] == 1


def test_duplicate_msg_id_is_dropped(nats_server):
    assert tool_json(nats_server, "dup", "--count", 10)["all_acked"]
    # The same ten again, then an overlapping range: only 11..15 are new.
    assert tool_json(nats_server, "dup", "--count", 10, "--no-ensure")["all_acked"]
    assert tool_json(nats_server, "dup", "--start", 5, "--count", 11, "--no-ensure")["all_acked"]
    with NatsClient(nats_server.url) as nc:
        info = nc.stream_info("dbchangetracking-dup-stream")
        assert info["state"]["messages"] == 15
        msgs = nc.stream_messages("dbchangetracking-dup-stream", 15)
    assert positions(msgs) == list(range(1, 16))


@pytest.mark.parametrize("send_batch", [1, 32])
def test_kill_and_restart_loses_nothing_duplicates_nothing_keeps_order(nats_server, send_batch):
    count = 100_000
    cmd = [TOOL, "--url", nats_server.url, "--name", "chaos", "--count", str(count),
           "--max-messages", "-1", "--payload-size", "256", "--progress-every", "5000",
           "--timeout-s", "50", "--send-batch", str(send_batch)]
    stderr_path = os.path.join(nats_server.store_dir, "..", "publisher.err")
    with open(stderr_path, "w") as err:
        publisher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            stored = 0
            for _ in range(2):
                # Kill only once the publisher is visibly publishing (again), mid-run.
                stored = wait_for_growth(nats_server, "dbchangetracking-chaos-stream", stored + 5000)
                assert stored < count and publisher.poll() is None, \
                    "publisher finished before the server was killed"
                nats_server.kill()
                time.sleep(0.3)
                nats_server.start()
            out, _ = publisher.communicate(timeout=55)
        finally:
            if publisher.poll() is None:
                publisher.kill()
                publisher.wait()
    with open(stderr_path) as f:
        log = f.read()
    assert publisher.returncode == 0, out + log[-3000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["acked_watermark"] == count
    assert summary["retries"] >= 2, summary
    assert summary["max_in_flight_observed"] <= 4096

    with NatsClient(nats_server.url) as nc:
        info = nc.stream_info("dbchangetracking-chaos-stream")
        assert info["state"]["messages"] == count
        msgs = nc.stream_messages("dbchangetracking-chaos-stream", count, timeout=60)
    got = positions(msgs)
    assert got == list(range(1, count + 1))
    assert [m.headers["Nats-Msg-Id"] for m in msgs[:3]] == ["chaos:1", "chaos:2", "chaos:3"]


def test_in_flight_never_exceeds_the_bound(nats_server):
    summary = tool_json(nats_server, "bound", "--count", 20000, "--max-in-flight", 64)
    assert summary["all_acked"]
    assert 1 < summary["max_in_flight_observed"] <= 64


def test_existing_stream_is_updated_to_changed_max_messages(nats_server):
    assert tool_json(nats_server, "upd", "--mode", "ensure", "--max-messages", 512)["outcome"] == \
        "created"
    assert tool_json(nats_server, "upd", "--mode", "ensure", "--max-messages", 1000)["outcome"] == \
        "updated"
    with NatsClient(nats_server.url) as nc:
        config = nc.stream_info("dbchangetracking-upd-stream")["config"]
    assert config["max_msgs"] == 1000
    assert config["republish"]["dest"] == "dbchangetrackingprocessing.upd"


def test_changing_storage_is_a_clear_error(nats_server):
    run_tool(nats_server, "stor", "--mode", "ensure")
    proc = run_tool(nats_server, "stor", "--mode", "ensure", "--storage", "memory", check=False)
    assert proc.returncode == 1
    assert 'stream "dbchangetracking-stor-stream" has storage file but the configuration asks ' \
           'for memory' in proc.stderr
    with NatsClient(nats_server.url) as nc:
        assert nc.stream_info("dbchangetracking-stor-stream")["config"]["storage"] == "file"


def test_last_position_is_read_from_the_stream(nats_server):
    run_tool(nats_server, "pos", "--mode", "ensure")
    assert tool_json(nats_server, "pos", "--mode", "last-position") == {}
    assert tool_json(nats_server, "pos", "--count", 50)["all_acked"]
    last = tool_json(nats_server, "pos", "--mode", "last-position")
    assert last == {"position": "50", "msg_id": "pos:50", "stream_sequence": 50}


def test_status_bucket_log_stream_and_offsets_receive_entries(nats_server):
    out = tool_json(nats_server, "ctl", "--mode", "control")
    assert out == {"offset_revision": 1, "offset": "mysql-bin.000003:1234",
                   "missing_offset": None}
    with NatsClient(nats_server.url) as nc:
        data = nc.kv_get("dbchangetracking-status", "ctl")
        status = json.loads(data)
        for field in ("name", "type", "state", "host", "pid", "version", "position",
                      "events_total", "events_per_sec", "lag_ms", "last_event_at", "last_error",
                      "snapshot", "updated_at"):
            assert field in status, field
        assert status["name"] == "ctl"
        assert status["state"] == "streaming"
        assert status["events_total"] == 42
        assert status["snapshot"]["current_table"] == "public.orders"

        logs = nc.stream_info("dbchangetracking-logs")
        assert logs["config"]["subjects"] == ["dbchangetracking.logs.>"]
        assert logs["config"]["max_msgs_per_subject"] == 10000
        data = nc.stream_msg("dbchangetracking-logs", last_by_subject="dbchangetracking.logs.ctl").data
        line = json.loads(data)
        assert line["level"] == "info"
        assert line["message"] == "control check"
        assert line["fields"] == {"events": 42}
        assert "ts" in line


def test_reserved_and_invalid_names_are_rejected(nats_server):
    proc = run_tool(nats_server, "Bad_Name", "--mode", "ensure", check=False)
    assert proc.returncode == 1
    assert 'invalid tracking name "Bad_Name"' in proc.stderr
    proc = run_tool(nats_server, "logs", "--mode", "ensure", check=False)
    assert proc.returncode == 1
    assert 'tracking name "logs" is reserved' in proc.stderr


@pytest.mark.parametrize("send_batch", [1, 32])
def test_foreign_messages_mid_stream_lose_nothing_and_keep_order(nats_server, send_batch):
    """Another writer's messages land between ours. Its message passes the expected-sequence
    check of our next one, so only the Nats-Expected-Last-Msg-Id chain notices (with bursts
    most of ours have no reply subject, so rejections are silent): the publisher must continue
    after the foreign message and resend the rest in order, losing and duplicating nothing."""
    count = 60_000
    stream = "dbchangetracking-foreign-stream"
    cmd = [TOOL, "--url", nats_server.url, "--name", "foreign", "--count", str(count),
           "--max-messages", "-1", "--payload-size", "256", "--progress-every", "5000",
           "--timeout-s", "50", "--send-batch", str(send_batch)]
    publisher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    foreign = 0
    try:
        stored = 0
        with NatsClient(nats_server.url) as nc:
            for _ in range(3):
                stored = wait_for_growth(nats_server, stream, stored + 5000)
                if stored >= count - 5000:
                    break
                nc.publish("dbchangetracking.foreign", b"{}", headers={"Nats-Msg-Id": f"other:{foreign}"})
                nc.flush()
                foreign += 1
        out, err = publisher.communicate(timeout=55)
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()
    assert publisher.returncode == 0, out + err[-3000:]
    assert foreign >= 1, "the publisher finished before any foreign message was written"
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["acked_watermark"] == count
    with NatsClient(nats_server.url) as nc:
        msgs = nc.stream_messages(stream, count + foreign, timeout=60)
        assert nc.stream_info(stream)["state"]["messages"] == count + foreign
    ours = [m for m in msgs if "Dbct-Position" in m.headers]
    assert len(msgs) - len(ours) == foreign
    assert positions(ours) == list(range(1, count + 1))
