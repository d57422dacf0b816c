"""`dbct` against a real nats-server (SPEC §4 control plane, §9 commands, §10 bad input).

The control-plane entries a tracking would write (its status in bucket dbchangetracking-status,
its log lines in stream dbchangetracking-logs, its change events in dbchangetracking-N-stream)
are written here with tests/lib/nats_client.py, then read back through dbct as a user would.
The binary is $DBCT_BUILD_DIR/dbct (default <repo>/build/dbct).
"""
import datetime
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from nats_client import NatsClient  # noqa: E402

BUILD_DIR = Path(os.environ.get("DBCT_BUILD_DIR", REPO / "build"))
DBCT = BUILD_DIR / "dbct"

STATUS_BUCKET_STREAM = "KV_dbchangetracking-status"
LOGS_STREAM = "dbchangetracking-logs"


# --- helpers -----------------------------------------------------------------------------------

def dbct(*args, nats=None, timeout=30, env_extra=None):
    """Runs dbct to completion; nats (a NatsServer or URL) becomes --nats-url."""
    assert DBCT.exists(), f"{DBCT} is missing: build it first (cmake --build build)"
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    env.update(env_extra or {})
    command = [str(DBCT)]
    if nats is not None:
        command += ["--nats-url", nats if isinstance(nats, str) else nats.url]
    command += [str(a) for a in args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


def dbct_json(*args, nats=None):
    result = dbct(*args, "-o", "json", nats=nats)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line_reason(result, *fragments):
    """stderr is one line naming what is wrong."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def iso(seconds_ago=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def status_entry(name, type_="postgres", state="streaming", updated_ago=0.5, **extra):
    entry = {"name": name, "type": type_, "state": state, "host": "db-host-1", "pid": 4242,
             "version": "0.1.0", "position": "0/16B3748", "events_total": 1234,
             "events_per_sec": 12.5, "lag_ms": 350, "last_event_at": iso(updated_ago + 2),
             "last_error": None, "snapshot": None, "updated_at": iso(updated_ago)}
    entry.update(extra)
    return entry


class ControlPlane:
    """Writes what trackings would write to NATS (SPEC §4)."""

    def __init__(self, url):
        self.url = url
        self.client = NatsClient(url)

    def close(self):
        self.client.close()

    def reconnect(self):
        """After the server restarted: a fresh connection (the test client does not reconnect)."""
        self.client.close()
        self.client = NatsClient(self.url)

    def ensure_status_bucket(self):
        # The stream behind a KV bucket, as nats-server and the clients create it.
        try:
            self.client.js_api(f"STREAM.CREATE.{STATUS_BUCKET_STREAM}", {
                "name": STATUS_BUCKET_STREAM, "subjects": ["$KV.dbchangetracking-status.>"],
                "max_msgs_per_subject": 1, "discard": "new", "allow_rollup_hdrs": True,
                "deny_delete": True, "allow_direct": True, "storage": "file", "num_replicas": 1})
        except Exception as e:  # already there
            if "already in use" not in str(e):
                raise

    def put_status(self, status):
        self.ensure_status_bucket()
        reply = self.client.request(f"$KV.dbchangetracking-status.{status['name']}",
                                    json.dumps(status)).json()
        assert "error" not in reply, reply

    def delete_status(self, name):
        reply = self.client.request(f"$KV.dbchangetracking-status.{name}", b"",
                                    headers={"KV-Operation": "DEL"}).json()
        assert "error" not in reply, reply

    def ensure_logs_stream(self):
        try:
            self.client.js_api(f"STREAM.CREATE.{LOGS_STREAM}", {
                "name": LOGS_STREAM, "subjects": ["dbchangetracking.logs.>"], "storage": "file",
                "max_msgs_per_subject": 10000, "num_replicas": 1})
        except Exception as e:
            if "already in use" not in str(e):
                raise

    def log(self, name, message, level="info", **fields):
        self.ensure_logs_stream()
        line = {"ts": iso(), "level": level, "name": name, "message": message, "fields": fields}
        reply = self.client.request(f"dbchangetracking.logs.{name}", json.dumps(line)).json()
        assert "error" not in reply, reply

    def ensure_tracking_stream(self, name):
        stream = f"dbchangetracking-{name}-stream"
        try:
            self.client.js_api(f"STREAM.CREATE.{stream}", {
                "name": stream, "subjects": [f"dbchangetracking.{name}", f"dbchangetracking.{name}.>"],
                "storage": "file", "retention": "limits", "discard": "old", "max_msgs": 512,
                "duplicate_window": 120_000_000_000, "num_replicas": 1})
        except Exception as e:
            if "already in use" not in str(e):
                raise
        return stream

    def publish_event(self, name, row_id, op="c"):
        event = {"before": None, "after": {"id": row_id, "name": f"row {row_id}"},
                 "source": {"name": name, "table": "orders"}, "op": op, "ts_ms": int(time.time() * 1000)}
        reply = self.client.request(f"dbchangetracking.{name}", json.dumps(event), headers={
            "Nats-Msg-Id": f"{name}:{row_id}", "Dbct-Op": op, "Dbct-Table": "shop.public.orders",
            "Dbct-Key": json.dumps({"id": row_id})}).json()
        assert "error" not in reply, reply
        return event


@pytest.fixture
def plane(nats_server):
    control = ControlPlane(nats_server.url)
    yield control
    control.close()


class Streaming:
    """A dbct process that keeps printing (tail, logs -f), read line by line without blocking."""

    def __init__(self, *args, nats):
        env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
        self.process = subprocess.Popen([str(DBCT), "--nats-url", nats.url, *map(str, args)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._buffers = {self.process.stdout.fileno(): b"", self.process.stderr.fileno(): b""}

    def _readline(self, stream, timeout):
        """The next line of stdout or stderr, or None when none comes within timeout."""
        fd = stream.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffers[fd]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None  # the process closed it
            self._buffers[fd] += chunk
        line, self._buffers[fd] = self._buffers[fd].split(b"\n", 1)
        return line.decode()

    def wait_stderr(self, fragment, timeout=10):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self._readline(self.process.stderr, deadline - time.monotonic())
            if line is None:
                break
            seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"{fragment!r} not on stderr; saw {seen!r}")

    def lines(self, count, timeout=10):
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            line = self._readline(self.process.stdout, max(0.0, deadline - time.monotonic()))
            if line is None:
                break
            out.append(line)
        return out

    def no_line_within(self, seconds):
        return self._readline(self.process.stdout, seconds) is None

    def interrupt(self, timeout=5):
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def streaming():
    started = []

    def start(*args, nats):
        s = Streaming(*args, nats=nats)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


# --- flows ls ----------------------------------------------------------------------------------

def test_flows_ls_lists_every_tracking_with_its_state(nats_server, plane):
    plane.put_status(status_entry("postgres-orders"))
    plane.put_status(status_entry("mysql-shop", type_="mysql", state="retrying",
                                  last_error="could not connect to MySQL at db:3306"))
    plane.put_status(status_entry("old-one", state="stopped", updated_ago=3600))
    plane.put_status(status_entry("old-paused", state="paused", updated_ago=3600))

    flows = dbct_json("flows", "ls", nats=nats_server)
    by_name = {f["name"]: f for f in flows}
    assert [f["name"] for f in flows] == sorted(by_name)
    assert by_name["postgres-orders"]["state"] == "streaming"
    assert by_name["postgres-orders"]["events_total"] == 1234
    assert by_name["mysql-shop"]["state"] == "retrying"
    assert by_name["mysql-shop"]["last_error"] == "could not connect to MySQL at db:3306"
    # A stopped tracking reports once and no more: its old status is not stale.
    assert by_name["old-one"]["state"] == "stopped"
    assert by_name["old-one"]["stale"] is False
    assert by_name["old-paused"]["state"] == "paused" and by_name["old-paused"]["stale"] is False

    table = dbct("flows", "ls", nats=nats_server)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "STATE", "EVENTS", "RATE", "LAG", "LAST", "EVENT", "HOST"]
    row = next(line for line in lines if line.startswith("postgres-orders"))
    assert row.split()[:6] == ["postgres-orders", "postgres", "streaming", "1234", "12.5/s", "350ms"]
    assert row.split()[-1] == "db-host-1"


def test_flows_ls_shows_a_stale_status_as_unknown(nats_server, plane):
    plane.put_status(status_entry("fresh", updated_ago=1))
    plane.put_status(status_entry("silent", updated_ago=60))
    plane.put_status(status_entry("no-time", updated_at=None))
    # Other spellings writers use: PostgreSQL's timestamptz text, milliseconds since the epoch.
    now = datetime.datetime.now(datetime.timezone.utc)
    plane.put_status(status_entry("pg-text", updated_at=now.strftime("%Y-%m-%d %H:%M:%S.%f+00")))
    plane.put_status(status_entry("pg-text-old", updated_at=(now - datetime.timedelta(minutes=5))
                                  .strftime("%Y-%m-%d %H:%M:%S+00:00")))
    plane.put_status(status_entry("epoch-ms", updated_at=int(time.time() * 1000)))

    by_name = {f["name"]: f for f in dbct_json("flows", "ls", nats=nats_server)}
    assert by_name["fresh"]["state"] == "streaming"
    assert by_name["pg-text"]["state"] == "streaming"
    assert by_name["pg-text-old"]["state"] == "unknown"
    assert by_name["epoch-ms"]["state"] == "streaming"
    assert by_name["silent"]["state"] == "unknown"
    assert by_name["silent"]["reported_state"] == "streaming"
    assert by_name["silent"]["stale"] is True
    assert by_name["no-time"]["state"] == "unknown"

    table = dbct("flows", "ls", nats=nats_server).stdout
    silent = next(line for line in table.splitlines() if line.startswith("silent"))
    assert silent.split()[2] == "unknown"


def test_flows_ls_leaves_out_deleted_statuses(nats_server, plane):
    plane.put_status(status_entry("kept"))
    plane.put_status(status_entry("gone"))
    plane.delete_status("gone")
    assert [f["name"] for f in dbct_json("flows", "ls", nats=nats_server)] == ["kept"]


def test_flows_ls_without_any_tracking(nats_server):
    assert dbct_json("flows", "ls", nats=nats_server) == []
    result = dbct("flows", "ls", nats=nats_server)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "no trackings" in result.stderr


# --- flows status ------------------------------------------------------------------------------

def test_flows_status_shows_one_tracking_also_by_flow_name(nats_server, plane):
    plane.put_status(status_entry("postgres-orders", snapshot={
        "current_table": "public.orders", "tables_done": 1, "tables_total": 3, "rows_done": 500,
        "rows_total": 1000}))

    status = dbct_json("flows", "status", "postgres-orders", nats=nats_server)
    assert status["name"] == "postgres-orders"
    assert status["state"] == "streaming"
    assert status["position"] == "0/16B3748"
    assert dbct_json("flows", "status", "postgres-orders-flow", nats=nats_server)["name"] == "postgres-orders"

    text = dbct("flows", "status", "postgres-orders-flow", nats=nats_server)
    assert text.returncode == 0, text.stderr
    fields = dict(line.split(":", 1) for line in text.stdout.splitlines())
    assert fields["state"].strip() == "streaming"
    assert fields["host"].strip() == "db-host-1"
    assert fields["snapshot"].strip() == "1/3 tables, 500/1000 rows, reading public.orders"


def test_flows_status_prefers_an_exact_name_ending_in_flow(nats_server, plane):
    plane.put_status(status_entry("cash"))
    plane.put_status(status_entry("cash-flow", state="paused"))
    assert dbct_json("flows", "status", "cash-flow", nats=nats_server)["state"] == "paused"


def test_flows_status_of_a_stale_tracking_says_so(nats_server, plane):
    plane.put_status(status_entry("silent", state="retrying", updated_ago=40))
    status = dbct_json("flows", "status", "silent", nats=nats_server)
    assert status["state"] == "unknown" and status["reported_state"] == "retrying"
    text = dbct("flows", "status", "silent", nats=nats_server).stdout
    assert "unknown (last reported retrying, updated" in text


def test_flows_status_of_an_unknown_tracking_exits_2(nats_server, plane):
    result = dbct("flows", "status", "nope", nats=nats_server)
    assert result.returncode == 2
    one_line_reason(result, 'no tracking named "nope"')
    plane.put_status(status_entry("other"))  # the bucket exists now, without "nope"
    result = dbct("flows", "status", "nope-flow", nats=nats_server)
    assert result.returncode == 2
    one_line_reason(result, 'no tracking named "nope-flow"')


# --- flows logs --------------------------------------------------------------------------------

def test_flows_logs_prints_the_tracking_lines_only(nats_server, plane):
    plane.put_status(status_entry("orders"))
    plane.log("orders", "snapshot started", tables=3)
    plane.log("other", "not mine")
    plane.log("orders", "streaming from 0/16B3748", level="info", position="0/16B3748")
    plane.log("orders", "NATS unreachable, retrying", level="warning", reason="no servers")

    lines = dbct("flows", "logs", "orders-flow", "-o", "json", nats=nats_server)
    assert lines.returncode == 0, lines.stderr
    parsed = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [p["message"] for p in parsed] == ["snapshot started", "streaming from 0/16B3748",
                                              "NATS unreachable, retrying"]
    assert parsed[2]["level"] == "warning" and parsed[2]["fields"] == {"reason": "no servers"}

    text = dbct("flows", "logs", "orders", nats=nats_server)
    assert text.returncode == 0
    out = text.stdout.splitlines()
    assert len(out) == 3
    assert "warning" in out[2] and "NATS unreachable, retrying" in out[2]
    assert 'reason="no servers"' in out[2]


def test_flows_logs_shows_a_numeric_timestamp_as_utc_time(nats_server, plane):
    plane.ensure_logs_stream()
    line = {"ts": 1767225600123, "level": "info", "name": "orders", "message": "started", "fields": {}}
    plane.client.request("dbchangetracking.logs.orders", json.dumps(line))
    out = dbct("flows", "logs", "orders", nats=nats_server)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("2026-01-01T00:00:00.123Z  info     started")


def test_flows_logs_since_leaves_out_older_lines(nats_server, plane):
    plane.log("orders", "old line")
    time.sleep(2.5)
    plane.log("orders", "new line")
    recent = dbct("flows", "logs", "orders", "--since", "2s", "-o", "json", nats=nats_server)
    assert recent.returncode == 0, recent.stderr
    assert [json.loads(l)["message"] for l in recent.stdout.splitlines()] == ["new line"]
    everything = dbct("flows", "logs", "orders", "--since", "1h", nats=nats_server)
    assert len(everything.stdout.splitlines()) == 2


def test_flows_logs_of_a_tracking_that_has_not_logged_yet(nats_server, plane):
    plane.put_status(status_entry("quiet"))
    result = dbct("flows", "logs", "quiet", nats=nats_server)
    assert result.returncode == 0 and result.stdout == ""


def test_flows_logs_follow_prints_new_lines(nats_server, plane, streaming):
    plane.log("orders", "before")
    follower = streaming("flows", "logs", "orders", "-f", "-o", "json", nats=nats_server)
    assert [json.loads(l)["message"] for l in follower.lines(1)] == ["before"]
    plane.log("orders", "after")
    assert [json.loads(l)["message"] for l in follower.lines(1)] == ["after"]
    assert follower.interrupt() == 0


def test_flows_logs_of_an_unknown_tracking_exits_2(nats_server, plane):
    plane.log("someone-else", "hello")
    result = dbct("flows", "logs", "nope", nats=nats_server)
    assert result.returncode == 2
    one_line_reason(result, 'no tracking named "nope"')


# --- tail --------------------------------------------------------------------------------------

def test_tail_shows_an_event_published_after_it_started(nats_server, plane, streaming):
    plane.ensure_tracking_stream("orders")
    plane.publish_event("orders", 1)  # before: not shown without --from-start
    tail = streaming("tail", "orders", nats=nats_server)
    tail.wait_stderr("tailing dbchangetracking.orders")
    assert tail.no_line_within(1.0)
    event = plane.publish_event("orders", 2)
    lines = tail.lines(1)
    assert [json.loads(l) for l in lines] == [event]
    assert tail.interrupt() == 0


def test_tail_from_start_shows_earlier_events_in_order(nats_server, plane, streaming):
    plane.ensure_tracking_stream("orders")
    earlier = [plane.publish_event("orders", i) for i in range(1, 4)]
    tail = streaming("tail", "orders", "--from-start", nats=nats_server)
    assert [json.loads(l) for l in tail.lines(3)] == earlier
    later = plane.publish_event("orders", 4)
    assert [json.loads(l) for l in tail.lines(1)] == [later]
    assert tail.interrupt() == 0


def test_tail_goes_on_after_nats_server_restarts(nats_server, plane, streaming):
    # A tail left open over a NATS restart (file storage keeps the stream) shows what comes after
    # it, without repeating what it already showed.
    plane.ensure_tracking_stream("orders")
    first = plane.publish_event("orders", 1)
    tail = streaming("tail", "orders", "--from-start", nats=nats_server)
    assert [json.loads(l) for l in tail.lines(1)] == [first]
    nats_server.restart()
    plane.reconnect()
    later = [plane.publish_event("orders", i) for i in (2, 3)]
    assert [json.loads(l) for l in tail.lines(2, timeout=30)] == later
    assert tail.no_line_within(1.0)
    assert tail.interrupt() == 0


def test_tail_count_and_json_wrapping(nats_server, plane):
    plane.ensure_tracking_stream("orders")
    for i in range(1, 4):
        plane.publish_event("orders", i)
    result = dbct("tail", "orders", "--from-start", "-n", "2", "-o", "json", nats=nats_server)
    assert result.returncode == 0, result.stderr
    wrapped = [json.loads(l) for l in result.stdout.splitlines()]
    assert [w["stream_sequence"] for w in wrapped] == [1, 2]
    assert wrapped[0]["subject"] == "dbchangetracking.orders"
    assert wrapped[0]["headers"]["Nats-Msg-Id"] == "orders:1"
    assert wrapped[0]["headers"]["Dbct-Key"] == '{"id": 1}'
    assert wrapped[1]["event"]["after"]["id"] == 2


def test_tail_pretty_indents_each_event(nats_server, plane):
    plane.ensure_tracking_stream("orders")
    event = plane.publish_event("orders", 7)
    result = dbct("tail", "orders", "--from-start", "--pretty", "-n", "1", nats=nats_server)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{\n  ")
    assert json.loads(result.stdout) == event


def test_tail_leaves_no_consumer_behind(nats_server, plane):
    stream = plane.ensure_tracking_stream("orders")
    plane.publish_event("orders", 1)
    assert dbct("tail", "orders", "--from-start", "-n", "1", nats=nats_server).returncode == 0
    deadline = time.monotonic() + 5
    while plane.client.stream_info(stream)["state"]["consumer_count"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert plane.client.stream_info(stream)["state"]["consumer_count"] == 0


def test_tail_of_an_unknown_tracking_exits_2(nats_server):
    result = dbct("tail", "nope", nats=nats_server)
    assert result.returncode == 2
    one_line_reason(result, 'no tracking named "nope"', "dbchangetracking-nope-stream")


# --- stream info -------------------------------------------------------------------------------

def test_stream_info_shows_config_and_state(nats_server, plane):
    plane.ensure_tracking_stream("orders")
    for i in range(1, 6):
        plane.publish_event("orders", i)
    info = dbct_json("stream", "info", "orders", nats=nats_server)
    assert info["config"]["name"] == "dbchangetracking-orders-stream"
    assert info["config"]["subjects"] == ["dbchangetracking.orders", "dbchangetracking.orders.>"]
    assert info["config"]["max_msgs"] == 512
    assert info["state"]["messages"] == 5
    assert info["state"]["last_seq"] == 5

    text = dbct("stream", "info", "orders", nats=nats_server)
    assert text.returncode == 0, text.stderr
    fields = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.stdout.splitlines())}
    assert fields["stream"] == "dbchangetracking-orders-stream"
    assert fields["storage"] == "file"
    assert fields["max messages"] == "512"
    assert fields["duplicate window"] == "2m"
    assert fields["messages"] == "5"
    assert fields["last sequence"].startswith("5 at ")


def test_stream_info_of_an_unknown_tracking_exits_2(nats_server):
    result = dbct("stream", "info", "nope", nats=nats_server)
    assert result.returncode == 2
    one_line_reason(result, 'no tracking named "nope"')


# --- bad input and failures --------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("flows", "ls"),
    ("flows", "status", "orders"),
    ("flows", "logs", "orders"),
    ("tail", "orders"),
    ("stream", "info", "orders"),
])
def test_unreachable_nats_exits_1_naming_the_url(args):
    from servers import free_port

    url = f"nats://app:secret@127.0.0.1:{free_port()}"
    result = dbct(*args, nats=url, timeout=20)
    assert result.returncode == 1
    line = one_line_reason(result, "could not connect to NATS at nats://app:******@127.0.0.1:")
    assert "secret" not in line


def test_nats_url_comes_from_the_environment(nats_server, plane):
    plane.put_status(status_entry("from-env"))
    result = dbct("flows", "ls", "-o", "json", env_extra={"NATS_URL": nats_server.url})
    assert result.returncode == 0, result.stderr
    assert [f["name"] for f in json.loads(result.stdout)] == ["from-env"]


def test_nats_without_jetstream_is_a_failure_that_says_so(_server_pool):
    from servers import NatsServer

    class NatsWithoutJetStream(NatsServer):
        def _command(self):
            command, env = super()._command()
            return [word for word in command if word != "-js"], env

    server = _server_pool.add(NatsWithoutJetStream())
    for args in (("flows", "ls"), ("flows", "status", "orders"), ("tail", "orders"),
                 ("stream", "info", "orders")):
        result = dbct(*args, nats=server)
        assert result.returncode == 1, (args, result.stderr)
        one_line_reason(result, "JetStream is not enabled on the NATS server at " + server.url)


@pytest.mark.parametrize("args,fragment", [
    (("flows", "status", "Orders"), 'invalid tracking name "Orders"'),
    (("flows", "logs", "a.b"), 'invalid tracking name "a.b"'),
    (("tail", ">"), 'invalid tracking name ">"'),
    (("stream", "info", "-x-"), None),  # CLI11 reads it as an option: usage error
    (("flows", "logs", "orders", "--since", "yesterday"), 'invalid --since "yesterday"'),
    (("tail", "orders", "-n", "-1"), None),
    (("flows", "status"), "name is required"),
    (("flows",), "A subcommand is required"),
    (("nonsense",), 'unknown command "dbct nonsense"'),
    (("flows", "bogus"), 'unknown command "dbct flows bogus"; the commands of dbct flows are ls, status and logs'),
    (("flows", "status", "a", "b"), "not expected: b"),
    (("-o", "yaml", "flows", "ls"), "yaml"),
    (("--creds", "/nonexistent/app.creds", "flows", "ls"), '"/nonexistent/app.creds"'),
])
def test_bad_input_exits_2_with_one_line(nats_server, args, fragment):
    result = dbct(*args, nats=nats_server)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {result.stderr!r}"
    if fragment:
        assert fragment in lines[0], lines


# --- run / delete / untrack: postgres through the extension's SQL API ---------------------------

def postgres_resource(name, pg, dbname="shop", tables="public.orders", extra=""):
    return (
        "apiVersion: weik.io/v1alpha1\n"
        "kind: DatabaseChangeTracking\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  type: postgres\n"
        "  parameters:\n"
        "    databaseHostname: 127.0.0.1\n"
        f"    databasePort: \"{pg.port}\"\n"
        f"    databaseDbname: {dbname}\n"
        f"    databaseUser: {pg.superuser}\n"
        f"    tableIncludeList: {tables}\n"
        "    snapshotMode: never\n"
        f"{extra}"
    )


def shop_database(pg):
    pg.create_database("shop")
    pg.execute("CREATE TABLE public.orders (id int PRIMARY KEY, note text)", dbname="shop")
    pg.execute("CREATE TABLE public.order_items (id int PRIMARY KEY, order_id int)", dbname="shop")
    pg.execute("CREATE TABLE public.audit (id int PRIMARY KEY)", dbname="shop")


def extension_available():
    from servers import pg_extension_installed

    return pg_extension_installed()


needs_extension = pytest.mark.skipif(
    not extension_available(),
    reason="the dbchangetracking extension is not installed in this PostgreSQL (make install "
           "in pg_extension/ first)")


def test_run_postgres_without_the_extension_says_how_to_install_it(nats_server, make_postgres_server,
                                                                    tmp_path):
    pg = make_postgres_server(preload=False)
    shop_database(pg)
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg))
    result = dbct("run", "-f", path, nats=nats_server)
    assert result.returncode == 1, result.stdout + result.stderr
    one_line_reason(result, 'resource "orders"', 'extension "dbchangetracking" is not installed in '
                    'database "shop": run CREATE EXTENSION dbchangetracking')


def test_run_postgres_names_the_database_it_cannot_reach(nats_server, make_postgres_server, tmp_path):
    pg = make_postgres_server(preload=False)
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg, dbname="nope"))
    result = dbct("run", "-f", path, nats=nats_server)
    assert result.returncode == 1
    one_line_reason(result, 'could not connect to database "nope" at 127.0.0.1:', 'does not exist')

    from servers import free_port

    class Closed:
        port = free_port()
        superuser = "postgres"

    path.write_text(postgres_resource("orders", Closed))
    result = dbct("run", "-f", path, nats=nats_server)
    assert result.returncode == 1
    one_line_reason(result, f'could not connect to database "shop" at 127.0.0.1:{Closed.port}')


@needs_extension
def test_run_registers_changes_and_delete_stops_a_postgres_tracking(nats_server, postgres_server,
                                                                    tmp_path):
    pg = postgres_server
    shop_database(pg)
    pg.execute("CREATE EXTENSION dbchangetracking", dbname="shop")
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg))

    first = dbct("run", "-f", path, "-o", "json", nats=nats_server)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["action"] == "created"
    rows = pg.execute("SELECT name, tables, options->'nats'->>'url' FROM dbchangetracking.trackings",
                      dbname="shop")
    assert rows == [("orders", "public.orders", nats_server.url)]

    again = dbct("run", "-f", path, nats=nats_server)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f'orders: tracking unchanged in database "shop" at 127.0.0.1:{pg.port}'

    # A changed file is applied: the include list is a regular expression over schema.table.
    path.write_text(postgres_resource("orders", pg, tables="public\\.order.*"))
    changed = dbct("run", "-f", path, "-o", "json", nats=nats_server)
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["action"] == "changed"
    assert pg.execute("SELECT tables FROM dbchangetracking.trackings", dbname="shop") == [
        ("public.order_items,public.orders",)]

    deleted = dbct("delete", "-f", path, nats=nats_server)
    assert deleted.returncode == 0, deleted.stderr
    assert "tracking stopped" in deleted.stdout
    assert pg.execute("SELECT count(*) FROM dbchangetracking.trackings", dbname="shop") == [(0,)]

    again = dbct("delete", "-f", path, nats=nats_server)
    assert again.returncode == 2
    one_line_reason(again, 'no tracking named "orders" in database "shop"')


@needs_extension
def test_run_postgres_with_no_matching_table_names_the_lists(nats_server, postgres_server, tmp_path):
    pg = postgres_server
    shop_database(pg)
    pg.execute("CREATE EXTENSION dbchangetracking", dbname="shop")
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg, tables="public.invoices"))
    result = dbct("run", "-f", path, nats=nats_server)
    assert result.returncode == 1
    one_line_reason(result, 'no table in database "shop"', 'tableIncludeList "public.invoices"')


@needs_extension
def test_untrack_by_name_with_a_connection_string(nats_server, postgres_server, tmp_path):
    pg = postgres_server
    shop_database(pg)
    pg.execute("CREATE EXTENSION dbchangetracking", dbname="shop")
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg))
    assert dbct("run", "-f", path, nats=nats_server).returncode == 0

    missing = dbct("untrack", "nope", "-d", pg.url("shop"), nats=nats_server)
    assert missing.returncode == 2
    one_line_reason(missing, 'no tracking named "nope" in database "shop"')

    result = dbct("untrack", "orders", "-d", pg.url("shop"), nats=nats_server)
    assert result.returncode == 0, result.stderr
    assert pg.execute("SELECT count(*) FROM dbchangetracking.trackings", dbname="shop") == [(0,)]


@needs_extension
def test_run_postgres_then_tail_shows_an_insert(nats_server, postgres_server, tmp_path, streaming):
    pg = postgres_server
    shop_database(pg)
    pg.execute("CREATE EXTENSION dbchangetracking", dbname="shop")
    path = tmp_path / "orders.yaml"
    path.write_text(postgres_resource("orders", pg))
    run = dbct("run", "-f", path, nats=nats_server)
    assert run.returncode == 0, run.stderr

    # The worker creates the stream when it starts.
    deadline = time.monotonic() + 30
    while dbct("stream", "info", "orders", nats=nats_server).returncode != 0:
        assert time.monotonic() < deadline, "the tracking's stream did not appear within 30 s"
        time.sleep(0.2)
    tail = streaming("tail", "orders", nats=nats_server)
    tail.wait_stderr("tailing dbchangetracking.orders")
    pg.execute("INSERT INTO public.orders VALUES (1, 'first')", dbname="shop")
    lines = tail.lines(1, timeout=30)
    assert len(lines) == 1, "no event within 30 s of the insert"
    event = json.loads(lines[0])
    assert event["op"] == "c" and event["after"] == {"id": 1, "note": "first"}
    assert tail.interrupt() == 0

    # The worker reports to the control plane: flows shows it running, with its log lines.
    def streaming_status():
        result = dbct("flows", "status", "orders-flow", "-o", "json", nats=nats_server)
        return result.returncode == 0 and json.loads(result.stdout)["state"] == "streaming"

    wait_for(streaming_status, timeout=20, what="state streaming in dbct flows status")
    logs = dbct("flows", "logs", "orders", nats=nats_server)
    assert logs.returncode == 0 and logs.stdout.strip(), logs.stderr


# --- run: other types as supervised sidecar processes -------------------------------------------

STAND_IN_SIDECAR = """#!/bin/sh
# A stand-in for dbct-mysql: shows how it was started, then runs until told to stop.
dir=$(dirname "$0")
cat "$2" > "$dir/manifest-$$.yaml"
echo "$$" >> "$dir/pids"
echo "args: $*"
echo "stderr line" >&2
if [ -f "$dir/exit-code" ]; then exit "$(cat "$dir/exit-code")"; fi
trap 'echo "got TERM"; echo "$$" >> "$dir/terminated"; exit 0' TERM
while :; do sleep 0.1; done
"""


def mysql_resource(name="mysql-shop"):
    return (
        "apiVersion: weik.io/v1alpha1\n"
        "kind: DatabaseChangeTracking\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  type: mysql\n"
        "  parameters:\n"
        "    databaseHostname: 127.0.0.1\n"
        "    databaseUser: dbct\n"
        "    databasePassword: \"{{sys:SHOP_PASSWORD}}\"\n"
        f"    databaseServerName: {name}\n"
    )


@pytest.fixture
def sidecar_dir(tmp_path):
    directory = tmp_path / "sidecars"
    directory.mkdir()
    script = directory / "dbct-mysql"
    script.write_text(STAND_IN_SIDECAR)
    script.chmod(0o755)
    return directory


def read_pids(directory, name="pids"):
    path = directory / name
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_for(predicate, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not reached within {timeout} s"
        time.sleep(0.05)


class RunProcess(Streaming):
    def __init__(self, *args, nats, env_extra=None):
        env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
        env.update(env_extra or {})
        self.process = subprocess.Popen([str(DBCT), "--nats-url", nats.url, *map(str, args)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._buffers = {self.process.stdout.fileno(): b"", self.process.stderr.fileno(): b""}


def test_run_supervises_a_sidecar_and_stops_it_cleanly(nats_server, tmp_path, sidecar_dir):
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    run = RunProcess("run", "-f", path, "--sidecar-dir", sidecar_dir, nats=nats_server,
                     env_extra={"SHOP_PASSWORD": "s3cret"})
    try:
        # Output lines are passed on with the resource's name in front.
        assert run.lines(1) == [f"mysql-shop: running {sidecar_dir}/dbct-mysql as a supervised sidecar"]
        args_line = run.lines(1)[0]
        assert args_line.startswith("[mysql-shop] args: --manifest ")
        run.wait_stderr("[mysql-shop] stderr line")
        wait_for(lambda: read_pids(sidecar_dir), what="the sidecar's start")
        first = read_pids(sidecar_dir)[0]
        manifest = (sidecar_dir / f"manifest-{first}.yaml").read_text()
        # The manifest is the resource as written (the secret stays a reference), with dbct's
        # --nats-url filled in.
        assert "name: mysql-shop" in manifest
        assert "{{sys:SHOP_PASSWORD}}" in manifest and "s3cret" not in manifest
        assert f"url: {nats_server.url}" in manifest
        manifest_path = args_line.split("--manifest ", 1)[1]
        assert os.path.exists(manifest_path)

        # A sidecar that dies is started again.
        os.kill(first, signal.SIGKILL)
        run.wait_stderr("[mysql-shop] was killed by signal 9")
        run.wait_stderr("[mysql-shop] started again")
        wait_for(lambda: len(read_pids(sidecar_dir)) == 2, what="the restart")
        second = read_pids(sidecar_dir)[1]
        assert second != first

        # SIGTERM stops it with SIGTERM, and dbct exits 0 without leaving its manifests behind.
        run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=10) == 0
        assert read_pids(sidecar_dir, "terminated") == [second]
        assert not os.path.exists(os.path.dirname(manifest_path))
        with pytest.raises(ProcessLookupError):
            os.kill(second, 0)
    finally:
        run.kill()


def test_run_stops_sidecars_on_ctrl_c(nats_server, tmp_path, sidecar_dir):
    (tmp_path / "a.yaml").write_text(mysql_resource("shop-a"))
    (tmp_path / "b.yaml").write_text(mysql_resource("shop-b"))
    run = RunProcess("run", "-f", tmp_path, "--sidecar-dir", sidecar_dir, nats=nats_server,
                     env_extra={"SHOP_PASSWORD": "x"})
    try:
        wait_for(lambda: len(read_pids(sidecar_dir)) == 2, what="both sidecars' start")
        pids = read_pids(sidecar_dir)
        run.process.send_signal(signal.SIGINT)
        assert run.process.wait(timeout=10) == 0
        assert sorted(read_pids(sidecar_dir, "terminated")) == sorted(pids)
    finally:
        run.kill()


def test_run_does_not_restart_a_sidecar_that_found_bad_input(nats_server, tmp_path, sidecar_dir):
    (sidecar_dir / "exit-code").write_text("2")
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    result = dbct("run", "-f", path, "--sidecar-dir", sidecar_dir, nats=nats_server,
                  env_extra={"SHOP_PASSWORD": "x"})
    assert result.returncode == 1
    assert "exited with code 2 (bad input); not starting it again" in result.stderr
    assert len(read_pids(sidecar_dir)) == 1


def test_run_restarts_a_failing_sidecar_with_growing_delays(nats_server, tmp_path, sidecar_dir):
    (sidecar_dir / "exit-code").write_text("1")
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    run = RunProcess("run", "-f", path, "--sidecar-dir", sidecar_dir, nats=nats_server,
                     env_extra={"SHOP_PASSWORD": "x"})
    try:
        first = run.wait_stderr("exited with code 1")
        assert "starting it again in 1.0s" in first
        second = run.wait_stderr("exited with code 1")
        assert "starting it again in 2.0s" in second
        run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=10) == 0
    finally:
        run.kill()


def test_run_names_a_missing_sidecar(nats_server, tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    empty = tmp_path / "empty"
    empty.mkdir()
    result = dbct("run", "-f", path, "--sidecar-dir", empty, nats=nats_server,
                  env_extra={"SHOP_PASSWORD": "x"})
    assert result.returncode == 1
    one_line_reason(result, 'sidecar "dbct-mysql" for resource "mysql-shop" was not found in ' + str(empty))


@pytest.mark.parametrize("command", ["run", "delete"])
def test_run_and_delete_reject_bad_resources_with_one_line(tmp_path, command):
    missing = dbct(command, "-f", tmp_path / "missing.yaml")
    assert missing.returncode == 2
    one_line_reason(missing, "missing.yaml")

    bad = tmp_path / "bad.yaml"
    bad.write_text(mysql_resource().replace("databaseServerName: mysql-shop\n", "").replace(
        "databaseUser", "databaseUsr"))
    result = dbct(command, "-f", bad, env_extra={"SHOP_PASSWORD": "x"})
    assert result.returncode == 2
    assert 'resource "mysql-shop"' in result.stderr
    assert all(line.startswith("dbct: ") for line in result.stderr.strip().splitlines())


def test_delete_of_a_sidecar_resource_that_is_still_running_says_where(nats_server, plane, tmp_path):
    plane.put_status(status_entry("mysql-shop", type_="mysql", host="db-host-2", pid=777))
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    result = dbct("delete", "-f", path, nats=nats_server, env_extra={"SHOP_PASSWORD": "x"})
    assert result.returncode == 1
    one_line_reason(result, 'resource "mysql-shop" is streaming as dbct-mysql on host db-host-2 (pid 777)')


def test_delete_drop_stream_of_a_stopped_sidecar_resource(nats_server, plane, tmp_path):
    plane.put_status(status_entry("mysql-shop", type_="mysql", state="stopped"))
    stream = plane.ensure_tracking_stream("mysql-shop")
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource())
    kept = dbct("delete", "-f", path, nats=nats_server, env_extra={"SHOP_PASSWORD": "x"})
    assert kept.returncode == 0, kept.stderr
    assert plane.client.stream_info(stream)["config"]["name"] == stream
    dropped = dbct("delete", "-f", path, "--drop-stream", nats=nats_server,
                   env_extra={"SHOP_PASSWORD": "x"})
    assert dropped.returncode == 0, dropped.stderr
    assert f"stream {stream} deleted" in dropped.stdout
    assert dbct("stream", "info", "mysql-shop", nats=nats_server).returncode == 2


def test_mysql_sidecar_is_run_for_real_when_built(nats_server, mariadb_server, tmp_path):
    sidecar = BUILD_DIR / "dbct-mysql"
    if not sidecar.exists():
        pytest.skip(f"{sidecar} is not built yet (the mysql sidecar comes from the mysql branch)")
    mariadb_server.execute("CREATE DATABASE shop") if hasattr(mariadb_server, "execute") else None
    path = tmp_path / "shop.yaml"
    path.write_text(mysql_resource().replace("{{sys:SHOP_PASSWORD}}", mariadb_server.password)
                    .replace("databaseHostname: 127.0.0.1\n",
                             f"databaseHostname: 127.0.0.1\n    databasePort: \"{mariadb_server.port}\"\n"))
    run = RunProcess("run", "-f", path, nats=nats_server)
    try:
        deadline = time.monotonic() + 30
        while dbct("stream", "info", "mysql-shop", nats=nats_server).returncode != 0:
            assert run.process.poll() is None, "dbct run ended"
            assert time.monotonic() < deadline, "the sidecar's stream did not appear within 30 s"
            time.sleep(0.2)
        run.process.send_signal(signal.SIGINT)
        assert run.process.wait(timeout=20) == 0
    finally:
        run.kill()


def test_flows_read_what_the_event_library_writes(nats_server):
    """Status and log line written by the nats module's StatusReporter and LogPublisher."""
    tool = BUILD_DIR / "dbct_publish_check"
    if not tool.exists():
        pytest.skip(f"{tool} is not built (cmake --build build --target dbct_publish_check)")
    written = subprocess.run([str(tool), "--url", nats_server.url, "--name", "lib-written",
                              "--mode", "control"], capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr

    flows = {f["name"]: f for f in dbct_json("flows", "ls", nats=nats_server)}
    status = flows["lib-written"]
    assert status["state"] == "streaming" and status["stale"] is False
    assert status["events_total"] == 42 and status["type"] == "postgres"
    text = dbct("flows", "status", "lib-written-flow", nats=nats_server).stdout
    assert "1/2 tables, 10 rows, reading public.orders" in text

    logs = dbct("flows", "logs", "lib-written", "-o", "json", nats=nats_server)
    assert logs.returncode == 0, logs.stderr
    lines = [json.loads(line) for line in logs.stdout.splitlines()]
    assert [(l["level"], l["message"], l["fields"]) for l in lines] == [
        ("info", "control check", {"events": 42})]


@pytest.mark.parametrize("command", [
    (), ("validate",), ("run",), ("delete",), ("untrack",), ("flows",), ("flows", "ls"),
    ("flows", "status"), ("flows", "logs"), ("tail",), ("stream",), ("stream", "info"),
])
def test_every_command_has_help_with_examples(command):
    result = dbct(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Examples:" in result.stdout
    assert f"dbct {' '.join(command)}".strip() in result.stdout.split("Examples:", 1)[1]


# --- run: a directory mixing postgres and a real mysql sidecar ----------------------------------

def real_mysql_resource(name, mariadb, database):
    return mysql_resource(name).replace("{{sys:SHOP_PASSWORD}}", mariadb.password).replace(
        "databaseUser: dbct", f"databaseUser: {mariadb.user}").replace(
        "databaseHostname: 127.0.0.1\n",
        f"databaseHostname: 127.0.0.1\n    databasePort: \"{mariadb.port}\"\n"
        f"    databaseIncludeList: {database}\n")


def children(pid, executable):
    """PIDs of the live child processes of pid running `executable`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            state = stat.rsplit(")", 1)[1].split()[0]
            if parent == pid and state != "Z" and \
                    os.path.basename(os.readlink(f"/proc/{entry}/exe")) == executable:
                found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def flow_state(nats, name):
    flows = {f["name"]: f for f in dbct_json("flows", "ls", nats=nats)}
    return flows[name]["state"] if name in flows else None


def stream_ids(nats, name, expected, timeout=60):
    """The ids in the change events of tracking `name` (key "id"), once it holds `expected`."""
    stream = f"dbchangetracking-{name}-stream"
    with NatsClient(nats.url) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if client.stream_info(stream)["state"]["messages"] >= expected:
                    break
            except Exception:
                pass
            time.sleep(0.2)
        messages = client.stream_messages(stream)
    return [(m.subject, m.json()["after"]["id"]) for m in messages
            if m.data and json.loads(m.data).get("after")]


@needs_extension
def test_run_a_directory_with_a_postgres_and_a_mysql_resource(nats_server, postgres_server,
                                                              mariadb_server, tmp_path):
    if not (BUILD_DIR / "dbct-mysql").exists():
        pytest.skip(f"{BUILD_DIR / 'dbct-mysql'} is not built")
    pg = postgres_server
    shop_database(pg)
    pg.execute("CREATE EXTENSION dbchangetracking", dbname="shop")
    mariadb_server.execute("CREATE DATABASE shop")
    mariadb_server.execute("CREATE TABLE shop.items (id INT PRIMARY KEY)")
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "orders.yaml").write_text(postgres_resource("orders", pg))
    (resources / "items.yaml").write_text(real_mysql_resource("items", mariadb_server, "shop"))

    # No --sidecar-dir: dbct-mysql is found next to dbct.
    run = RunProcess("run", "-f", resources, nats=nats_server)
    try:
        out = run.lines(2, timeout=30)
        assert f'orders: tracking created in database "shop" at 127.0.0.1:{pg.port}' in out, out
        assert f"items: running {BUILD_DIR}/dbct-mysql as a supervised sidecar" in out, out
        wait_for(lambda: flow_state(nats_server, "orders") == "streaming", timeout=30,
                 what="orders streaming")
        wait_for(lambda: flow_state(nats_server, "items") == "streaming", timeout=30,
                 what="items streaming")
        sidecars = children(run.process.pid, "dbct-mysql")
        assert len(sidecars) == 1

        for i in range(1, 21):
            pg.execute("INSERT INTO public.orders VALUES (%s, 'x')", (i,), dbname="shop")
            mariadb_server.execute("INSERT INTO shop.items VALUES (%s)", (i,))
            if i == 10:
                # Killed mid-way: dbct run starts it again and it resumes after its last event.
                os.kill(sidecars[0], signal.SIGKILL)
        run.wait_stderr("[items] was killed by signal 9", timeout=20)
        run.wait_stderr("[items] started again", timeout=20)
        for i in range(21, 31):
            pg.execute("INSERT INTO public.orders VALUES (%s, 'x')", (i,), dbname="shop")
            mariadb_server.execute("INSERT INTO shop.items VALUES (%s)", (i,))

        assert stream_ids(nats_server, "orders", 30) == [
            ("dbchangetracking.orders", i) for i in range(1, 31)]
        items = stream_ids(nats_server, "items", 30)
        assert [i for _, i in items] == list(range(1, 31)), items  # each change once, in order
        assert {s for s, _ in items} == {"dbchangetracking.items"}
        restarted = children(run.process.pid, "dbct-mysql")
        assert len(restarted) == 1 and restarted != sidecars

        run.process.send_signal(signal.SIGINT)
        assert run.process.wait(timeout=30) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(restarted[0], 0)
        assert flow_state(nats_server, "items") == "stopped"
    finally:
        run.kill()


def test_flows_ls_shows_a_real_mysql_tracking_retrying_then_stopped(nats_server, mariadb_server,
                                                                     tmp_path):
    if not (BUILD_DIR / "dbct-mysql").exists():
        pytest.skip(f"{BUILD_DIR / 'dbct-mysql'} is not built")
    mariadb_server.execute("CREATE DATABASE shop")
    path = tmp_path / "items.yaml"
    path.write_text(real_mysql_resource("items", mariadb_server, "shop"))
    run = RunProcess("run", "-f", path, nats=nats_server)
    try:
        wait_for(lambda: flow_state(nats_server, "items") == "streaming", timeout=30,
                 what="items streaming")
        mariadb_server.stop()  # the database goes away under the running sidecar
        wait_for(lambda: flow_state(nats_server, "items") == "retrying", timeout=30,
                 what="items retrying")
        flows = {f["name"]: f for f in dbct_json("flows", "ls", nats=nats_server)}
        assert flows["items"]["last_error"], flows["items"]
        assert run.process.poll() is None

        run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=30) == 0
        assert flow_state(nats_server, "items") == "stopped"
    finally:
        run.kill()
