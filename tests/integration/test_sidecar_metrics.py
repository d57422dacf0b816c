"""--metrics-addr on dbct-mongodb, dbct-sqlserver and dbct-oracle (SPEC §8): the one metrics
endpoint of sidecars/common, the same names as dbct-mysql's (test_mysql_control_plane.py).

--replay FILE --publish --metrics-addr publishes the file to a real nats-server, then keeps
serving /metrics until SIGTERM; an address in use exits 1 naming it.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from servers import free_port

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

SIDECARS = {
    "mongodb": ("dbct-mongodb", os.path.join(DATA, "mongodb", "change_events.jsonl"),
                {"mongodbConnectionString": "mongodb://127.0.0.1:27017/?replicaSet=rs0",
                 "databaseIncludeList": "mydb"}),
    "sqlserver": ("dbct-sqlserver", os.path.join(DATA, "sqlserver_changes.jsonl"),
                  {"databaseHostname": "127.0.0.1", "databaseUser": "sa", "databaseDbname": "testDB"}),
    "oracle": ("dbct-oracle", os.path.join(DATA, "oracle_logminer.jsonl"),
               {"databaseHostname": "127.0.0.1", "databaseUser": "weikio", "databaseDbname": "ORCLPDB1"}),
}


def binary(build_dir, kind):
    path = os.path.join(build_dir, SIDECARS[kind][0])
    if not os.path.exists(path):
        pytest.skip(f"{path} is not built")
    return path


def write_manifest(tmp_path, kind, nats_url):
    name = f"{kind}-metrics"
    lines = ["apiVersion: weik.io/v1alpha1", "kind: DatabaseChangeTracking", "metadata:", f"  name: {name}",
             "spec:", f"  type: {kind}", "  parameters:"]
    lines += [f"    {k}: \"{v}\"" for k, v in SIDECARS[kind][2].items()]
    lines += ["  nats:", f"    url: {nats_url}"]
    path = tmp_path / f"{kind}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return name, str(path)


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def value(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(name + "{") and labels in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in\n{text}")


def time_flag(kind):
    return ["--event-time-ms", "1"] if kind == "mongodb" else ["--event-time", "1"]


@pytest.mark.parametrize("kind", sorted(SIDECARS))
def test_replay_publish_serves_the_metrics(kind, build_dir, nats_server, tmp_path):
    exe = binary(build_dir, kind)
    name, manifest = write_manifest(tmp_path, kind, nats_server.url)
    replay = SIDECARS[kind][1]
    printed = subprocess.run([exe, "-f", manifest, "--replay", replay, *time_flag(kind)],
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    expected = len(printed.stdout.splitlines())
    assert expected > 0
    port = free_port()
    proc = subprocess.Popen([exe, "-f", manifest, "--replay", replay, "--publish", *time_flag(kind),
                             "--metrics-addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        text = ""
        deadline = time.time() + 30
        while time.time() < deadline:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                text = scrape(port)
                if value(text, "dbct_state", 'state="stopped"') == 1:
                    break  # the replay is done and acknowledged
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        assert value(text, "dbct_events_total", f'tracking="{name}"') == expected
        assert value(text, "dbct_in_flight_events") == 0
        for metric in ("dbct_events_per_second", "dbct_lag_milliseconds"):
            value(text, metric)
        states = [l for l in text.splitlines() if l.startswith("dbct_state{")]
        assert sum(float(l.rsplit(" ", 1)[1]) for l in states) == 1
        assert 'state="streaming"' in text and 'state="failed"' in text
        with pytest.raises(urllib.error.HTTPError) as err:
            scrape(port, "/other")
        assert err.value.code == 404
        # SIGTERM ends the process (exit 0) after the replay.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("kind", sorted(SIDECARS))
def test_metrics_address_in_use_is_a_clear_error(kind, build_dir, nats_server, tmp_path):
    exe = binary(build_dir, kind)
    _, manifest = write_manifest(tmp_path, kind, nats_server.url)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        result = subprocess.run([exe, "-f", manifest, "--replay", SIDECARS[kind][1], "--publish",
                                 "--metrics-addr", f"127.0.0.1:{port}"],
                                capture_output=True, text=True, timeout=60)
    finally:
        blocker.close()
    assert result.returncode == 1
    assert f'ERROR: --metrics-addr "127.0.0.1:{port}": cannot listen: Address already in use' in result.stderr
