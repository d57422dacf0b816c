"""Stopping a sidecar wherever it runs: the stop request on dbchangetracking.control.NAME, sent
by `dbct untrack NAME` and `dbct delete -f PATH`, against a real MariaDB and nats-server.

The sidecar finishes cleanly (in-flight events acknowledged, offsets stored, status `stopped`),
exits 0, and `dbct run` does not start it again.
"""

import json
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from nats_client import NatsClient  # noqa: E402
from test_dbct_cli import (DBCT, RunProcess, dbct, flow_state, mysql_resource,  # noqa: E402
                           real_mysql_resource, stream_ids, wait_for)
from test_mysql_sidecar import NAME, STREAM, events, make, sidecars  # noqa: E402,F401

STATUS_BUCKET = "dbchangetracking-status"
OFFSETS_BUCKET = "dbchangetracking-offsets"


def status(nats, name=NAME):
    with NatsClient(nats.url) as client:
        return json.loads(client.kv_get(STATUS_BUCKET, name))


def test_untrack_stops_a_sidecar_started_directly(mariadb_server, nats_server, build_dir, tmp_path,
                                                  sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    mariadb_server.execute("CREATE TABLE inventory.items (id INT PRIMARY KEY)")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    for i in range(1, 6):
        mariadb_server.execute(f"INSERT INTO inventory.items VALUES ({i})")
    msgs = events(nats_server, 5)
    assert len(msgs) == 5
    last_position = msgs[-1].headers["Dbct-Position"]

    result = dbct("untrack", NAME, nats=nats_server, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{NAME}: dbct-mysql on host "), result.stdout
    assert f"(pid {sidecar.proc.pid}) stopped at {last_position}; its stream {STREAM} stays" \
        in result.stdout, result.stdout
    # The answer comes once the sidecar has finished: it exits 0 right after.
    assert sidecar.proc.wait(timeout=10) == 0, sidecar.log()
    assert "stop requested by dbct untrack on host" in sidecar.log()

    s = status(nats_server)
    assert s["state"] == "stopped" and s["pid"] == sidecar.proc.pid
    assert s["events_total"] == 5 and s["position"] == last_position
    with NatsClient(nats_server.url) as client:
        assert client.kv_get(OFFSETS_BUCKET, NAME).decode() == last_position
        assert client.stream_info(STREAM)["state"]["messages"] == 5

    # Nothing listens any more, and the status says stopped: only --drop-stream has work left.
    again = dbct("untrack", NAME, "--drop-stream", "-o", "json", nats=nats_server, timeout=60)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"name": NAME, "action": "stream-deleted",
                                        "detail": f"stream {STREAM} deleted"}


def test_a_sidecar_answers_an_unknown_request_and_keeps_running(mariadb_server, nats_server,
                                                                  build_dir, tmp_path, sidecars):
    mariadb_server.execute("CREATE DATABASE inventory")
    sidecar = make(sidecars, build_dir, tmp_path, mariadb_server, nats_server).start()
    with NatsClient(nats_server.url) as client:
        reply = client.request(f"dbchangetracking.control.{NAME}",
                               json.dumps({"request": "pause"})).json()
    assert reply["name"] == NAME and reply["pid"] == sidecar.proc.pid
    assert reply["error"] == 'unknown request "pause": the sidecar knows "stop"'
    time.sleep(0.5)
    assert sidecar.proc.poll() is None
    assert sidecar.stop() == 0, sidecar.log()


@pytest.mark.parametrize("command", ["delete", "untrack"])
def test_a_sidecar_of_dbct_run_stopped_on_request_stays_stopped(command, mariadb_server, nats_server,
                                                                tmp_path, build_dir):
    if not os.path.exists(os.path.join(build_dir, "dbct-mysql")):
        pytest.skip("dbct-mysql is not built")
    mariadb_server.execute("CREATE DATABASE shop")
    mariadb_server.execute("CREATE TABLE shop.items (id INT PRIMARY KEY)")
    path = tmp_path / "items.yaml"
    path.write_text(real_mysql_resource("items", mariadb_server, "shop"))
    run = RunProcess("run", "-f", path, nats=nats_server)
    try:
        wait_for(lambda: flow_state(nats_server, "items") == "streaming", timeout=30,
                 what="items streaming")
        pid = status(nats_server, "items")["pid"]
        mariadb_server.execute("INSERT INTO shop.items VALUES (1)")
        assert len(stream_ids(nats_server, "items", 1, timeout=30)) == 1

        args = ["delete", "-f", path] if command == "delete" else ["untrack", "items"]
        stopped = dbct(*args, nats=nats_server, timeout=60)
        assert stopped.returncode == 0, stopped.stderr
        assert "items: dbct-mysql on host " in stopped.stdout
        assert f"(pid {pid}) stopped at " in stopped.stdout, stopped.stdout

        # dbct run does not start it again; with nothing left to run it ends, exit 0.
        run.wait_stderr("[items] exited with code 0 (stopped on request); not starting it again",
                        timeout=20)
        run.wait_stderr("dbct: every sidecar stopped on request", timeout=20)
        assert run.process.wait(timeout=20) == 0
        s = status(nats_server, "items")
        assert s["state"] == "stopped" and s["pid"] == pid and s["events_total"] == 1
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        run.kill()


def test_delete_gives_up_on_a_listener_that_does_not_answer(nats_server, tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource("mysql-shop"))
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    env["SHOP_PASSWORD"] = "x"
    with NatsClient(nats_server.url) as client:
        sid = client.subscribe("dbchangetracking.control.mysql-shop")
        client.flush()
        proc = subprocess.Popen([str(DBCT), "--nats-url", nats_server.url, "delete", "-f", str(path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            request = json.loads(client.next_msg(sid, timeout=10).data)
            assert request["request"] == "stop"
            assert request["from"].startswith("dbct delete on host ")
            _, err = proc.communicate(timeout=30)  # no answer: delete gives up after 5 s
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 1
    assert 'resource "mysql-shop" has a listener on dbchangetracking.control.mysql-shop that did ' \
           'not answer the stop request within 5 s' in err, err
