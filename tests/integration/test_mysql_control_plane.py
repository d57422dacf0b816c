"""dbct-mysql's status bucket, logs stream and Prometheus metrics (SPEC §4, §8)."""

import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from nats_client import NatsClient  # noqa: E402
from servers import free_port  # noqa: E402
from test_mysql_sidecar import NAME, events, make, sidecars  # noqa: E402,F401

STATUS_BUCKET = "dbchangetracking-status"


def status(client):
    return json.loads(client.kv_get(STATUS_BUCKET, NAME))


def metrics(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def metric_value(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(name + "{") and labels in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in\n{text}")


def test_status_logs_and_metrics(mariadb_server, nats_server, build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.big (id INT PRIMARY KEY, v INT)")
    mariadb_server.execute("INSERT INTO inventory.big SELECT seq, seq FROM seq_1_to_150000",
                           database="inventory")
    port = free_port()
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server, snapshotMode="initial")
    sidecar.args = ["--metrics-addr", f"127.0.0.1:{port}"]
    sidecar.start(wait_for="snapshot of")
    seen = set()
    progress = None
    with NatsClient(nats_server.url) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                s = status(client)
            except Exception:
                time.sleep(0.05)
                continue
            seen.add(s["state"])
            if s["state"] == "snapshotting" and s.get("snapshot"):
                progress = s["snapshot"]
            if s["state"] == "streaming":
                break
            time.sleep(0.05)
        assert {"snapshotting", "streaming"} <= seen, seen
        assert progress and progress["current_table"] == "inventory.big"
        assert progress["tables_total"] == 1 and progress["rows_done"] >= 0
        mariadb_server.execute("UPDATE inventory.big SET v = 0 WHERE id <= 10")
        events(nats_server, 150010)
        time.sleep(2.5)  # one report period
        s = status(client)
        assert s["name"] == NAME and s["type"] == "mysql" and s["state"] == "streaming"
        assert s["events_total"] == 150010
        assert s["position"].startswith("mariadb-bin.") and s["position"].endswith(":10")
        assert s["lag_ms"] is not None and s["lag_ms"] >= 0
        assert s["last_error"] is None and s["pid"] == sidecar.proc.pid
        assert s["updated_at"].endswith("Z")

        text = metrics(port)
        assert metric_value(text, "dbct_events_total") == 150010
        assert metric_value(text, "dbct_state", 'state="streaming"') == 1
        assert metric_value(text, "dbct_state", 'state="snapshotting"') == 0
        assert metric_value(text, "dbct_in_flight_events") == 0
        assert metric_value(text, "dbct_lag_milliseconds") >= 0
        assert "# TYPE dbct_events_total counter" in text
        try:
            metrics(port, "/other")
            raise AssertionError("expected 404")
        except urllib.error.HTTPError as e:
            assert e.code == 404

        assert sidecar.stop() == 0, sidecar.log()
        assert status(client)["state"] == "stopped"
        info = client.stream_info("dbchangetracking-logs")
        assert info["state"]["messages"] > 0
        lines = [m.json() for m in client.stream_messages("dbchangetracking-logs")
                 if m.subject == f"dbchangetracking.logs.{NAME}"]
    messages = [l["message"] for l in lines]
    assert any(m.startswith("snapshot of 1 tables at binlog position") for m in messages), messages
    assert "snapshot done" in messages
    assert any(m.startswith("stopped after") for m in messages)
    assert all(set(l) == {"ts", "level", "name", "message", "fields"} for l in lines)
    # stderr has the same lines.
    stderr = [json.loads(l) for l in sidecar.log().splitlines() if l.startswith("{")]
    assert [l["message"] for l in stderr][:3] == messages[:3]


def test_metrics_address_in_use_is_a_clear_error(mariadb_server, nats_server, build_dir, tmp_path,
                                                 sidecars):
    import socket
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server)
    sidecar.args = ["--metrics-addr", f"127.0.0.1:{port}"]
    code, log = sidecar.run_to_exit()
    blocker.close()
    assert code == 1
    assert f'--metrics-addr "127.0.0.1:{port}": cannot listen: Address already in use' in log


def test_retrying_state_and_last_error_while_mariadb_is_down(mariadb_server, nats_server, build_dir,
                                                             tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    mariadb_server.stop()
    with NatsClient(nats_server.url) as client:
        deadline = time.monotonic() + 30
        s = None
        while time.monotonic() < deadline:
            s = status(client)
            if s["state"] == "retrying":
                break
            time.sleep(0.2)
        assert s["state"] == "retrying", s
        assert s["last_error"]
        mariadb_server.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            s = status(client)
            if s["state"] == "streaming":
                break
            time.sleep(0.2)
        assert s["state"] == "streaming", s
    assert sidecar.stop() == 0
