#!/usr/bin/python3
"""make bench: throughput, latency, memory and snapshot speed next to their ceilings.

    /usr/bin/python3 bench/run.py            (make bench installs the extension first)

Starts its own nats-server (JetStream, file storage), PostgreSQL 15 and MariaDB on 127.0.0.1 in
temporary directories, runs every measure BENCH_REPEAT (3) times and prints one markdown table
per measure: our figure, the reference measured in the same run on the same data, the ratio,
each as the median with the min–max. Measure 1 also prints the CPU time per event of the worker
and of nats-server next to the publish ceiling's (steadier than events/s on a shared machine),
and a second ceiling to a stream configured like a tracking's (RePublish, Dbct-* headers). Raw figures go to bench/results/<time>.json.

Environment:
  BENCH_SCALE     multiplies every size and duration (0.05 for a quick run; default 1)
  BENCH_REPEAT    runs per measure (default 3)
  BENCH_ONLY      comma-separated measure numbers to run, e.g. 1,3 (default: all); 1a, 1b, 1c
                  run one variant of measure 1 (10-column, 100-column, 100 KB values)
  DBCT_PG_BIN     PostgreSQL's bin directory (default /usr/lib/postgresql/15/bin): a private
                  tree with this checkout's extension avoids installing it system-wide
  DBCT_BUILD_DIR  the CMake build directory (default: build/ of this checkout)

A measure whose component is missing prints "not measured: <reason>", never a figure.
"""

import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

import servers  # noqa: E402
from nats_client import NatsClient, stream_name  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ONLY = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
BUILD_DIR = os.environ.get("DBCT_BUILD_DIR", os.path.join(ROOT, "build"))
RESULTS_DIR = os.path.join(HERE, "results")

WAL2JSON_OPTIONS = {"format-version": "2", "include-transaction": "0", "include-types": "0"}


def scaled(n, minimum=1):
    return max(minimum, int(round(n * SCALE)))


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class NotMeasured(Exception):
    """A component a measure needs is not there; the reason is printed instead of figures."""


# ---- statistics and tables --------------------------------------------------------------------


def stat(values, fmt="{:,.0f}"):
    """'median (min–max)' of the values, or '–' when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratios(ours, reference):
    return [o / r for o, r in zip(ours, reference) if o is not None and r]


class Table:
    def __init__(self, title, header):
        self.title = title
        self.header = header
        self.rows = []
        self.notes = []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def note(self, text):
        self.notes.append(text)

    def markdown(self):
        lines = [f"### {self.title}", ""]
        if self.rows:
            lines.append("| " + " | ".join(self.header) + " |")
            lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.header))) + "|")
            for row in self.rows:
                lines.append("| " + " | ".join(row) + " |")
            lines.append("")
        for n in self.notes:
            lines.append(n)
            lines.append("")
        return "\n".join(lines)


# ---- the machine ------------------------------------------------------------------------------


def _first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "not installed"


def machine_facts():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average_at_start": os.getloadavg(),
        "kernel": platform.release(),
        "postgresql": _first_line([os.path.join(servers.PG_BIN, "postgres"), "--version"]),
        "nats_server": _first_line([servers.NATS_SERVER, "--version"]),
        "mariadb": _first_line([servers.MARIADBD, "--version"]),
        "wal2json": _dpkg_version("postgresql-15-wal2json"),
        "decoderbufs": _dpkg_version("postgresql-15-decoderbufs"),
        "libnats": _dpkg_version("libnats-dev"),
        "git_commit": _first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "extension_installed": installed_extension_fact(),
        "scale": SCALE,
        "repeat": REPEAT,
    }


def installed_extension_fact():
    """Whether PostgreSQL's dbchangetracking.so is this checkout's build: the pkglibdir is
    shared, and another checkout may have installed its own since make install-extension."""
    import hashlib

    def digest(path):
        try:
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return None

    installed = os.path.join(_pg_config("--pkglibdir") or "/usr/lib/postgresql/15/lib", "dbchangetracking.so")
    ours = digest(os.path.join(ROOT, "pg_extension", "dbchangetracking.so"))
    theirs = digest(installed)
    if theirs is None:
        return "not installed"
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(installed)))
    origin = "this checkout's build" if theirs == ours else "NOT this checkout's build"
    return f"{origin} (installed {stamp})"


def _dpkg_version(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "not installed"


def facts_markdown(facts):
    lines = ["### Machine", "", "| fact | value |", "|---|---|"]
    for key, value in facts.items():
        if key == "load_average_at_start":
            value = ", ".join(f"{v:.2f}" for v in value)
        lines.append(f"| {key.replace('_', ' ')} | {value} |")
    return "\n".join(lines) + "\n"


# ---- process probes ---------------------------------------------------------------------------


def proc_status_kb(pid, field):
    """A kB field (VmHWM, VmRSS) of /proc/PID/status, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds a process (all its threads) has used, or None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_cpu_seconds():
    """CPU seconds of the children this process has waited for (the tools it ran)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class PeakSampler(threading.Thread):
    """Follows a process's VmHWM (peak RSS) while it runs; pid_source() finds the process."""

    def __init__(self, pid_source, interval=0.05):
        super().__init__(daemon=True)
        self.pid_source = pid_source
        self.interval = interval
        self.peak_kb = None
        self.pid = None
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            if self.pid is None:
                self.pid = self.pid_source()
            if self.pid is not None:
                hwm = proc_status_kb(self.pid, "VmHWM")
                if hwm is not None:
                    self.peak_kb = max(self.peak_kb or 0, hwm)
            time.sleep(self.interval)

    def finish(self):
        self.stop.set()
        self.join(5)
        return self.peak_kb


# ---- the servers and our tools ----------------------------------------------------------------


def tool(name):
    path = os.path.join(BUILD_DIR, name)
    return path if os.access(path, os.X_OK) else None


class Bench:
    """The servers every measure shares, and small helpers on them."""

    def __init__(self):
        self.nats = servers.NatsServer()
        self.pg = None
        self.mariadb = None
        self.decoderbufs = os.path.exists(os.path.join(
            _pg_config("--pkglibdir") or "/usr/lib/postgresql/15/lib", "decoderbufs.so"))

    def start(self):
        if not servers.pg_extension_installed():
            raise SystemExit("the dbchangetracking extension is not installed: run make bench "
                             "(or make install-extension) first")
        self.nats.start()
        plugins = servers.OUTPUT_PLUGINS + (", decoderbufs" if self.decoderbufs else "")
        conf = [
            "max_wal_size = 4GB",
            "checkpoint_timeout = 30min",
            "max_worker_processes = 40",
            "max_replication_slots = 40",
            "max_wal_senders = 20",
            "max_connections = 100",
            "dbchangetracking.max_workers = 24",
            "log_min_messages = warning",
        ]
        if servers.pg_has_output_plugin_allow_list():
            conf.append(f"output_plugin_libraries = '{plugins}'")
        self.pg = servers.PostgresServer(conf_lines=conf, preload=True)
        self.pg.start()
        self.sql("CREATE EXTENSION dbchangetracking")

    def stop(self):
        for server in (self.pg, self.nats, self.mariadb):
            if server is not None:
                try:
                    server.stop()
                except Exception:  # noqa: BLE001 - stopping is best effort here
                    pass
                server.cleanup()

    # -- PostgreSQL -------------------------------------------------------------------------

    def sql(self, query, params=None):
        return self.pg.execute(query, params)

    def scalar(self, query, params=None):
        return self.sql(query, params)[0][0]

    def track(self, name, table, snapshot_mode="never"):
        """Starts a tracking; returns the NOTICE lines track() raised."""
        options = {"snapshotMode": snapshot_mode,
                   "nats": {"url": self.nats.url, "stream": {"maxMessages": -1}}}
        conn = self.pg.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT dbchangetracking.track(%s, %s, %s)",
                            (name, table, json.dumps(options)))
            return list(conn.notices)
        finally:
            conn.close()

    def status(self, name):
        rows = self.sql("SELECT state, pid, events_published, last_error FROM dbchangetracking.status "
                        "WHERE name = %s", (name,))
        return rows[0] if rows else None

    def wait_worker(self, name, running, timeout=60):
        """Waits until the tracking's worker runs (streaming, with a pid) or has stopped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.status(name)
            if st is not None:
                if running and st[0] == "streaming" and st[1] is not None:
                    return st[1]
                if not running and st[1] is None:
                    return None
            time.sleep(0.05)
        raise RuntimeError(f"tracking {name} did not {'start' if running else 'stop'} within "
                           f"{timeout} s (status {self.status(name)})")

    def pause(self, name):
        self.sql("SELECT dbchangetracking.pause(%s)", (name,))
        self.wait_worker(name, running=False)

    def drop_slot(self, slot, timeout=30):
        """Drops a slot once the walsender of a client that just exited has let go of it."""
        deadline = time.monotonic() + timeout
        while self.scalar("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"replication slot {slot} is still active after {timeout} s")
            time.sleep(0.05)
        self.sql("SELECT pg_drop_replication_slot(%s)", (slot,))

    def untrack(self, name):
        self.sql("SELECT dbchangetracking.untrack(%s, drop_stream => true)", (name,))

    # -- JetStream --------------------------------------------------------------------------

    def stream_count(self, stream, client=None):
        """How many messages the stream holds (0 before the worker made it)."""
        own = client is None
        client = client or NatsClient(self.nats.url)
        try:
            info = client.stream_info(stream)
            return info["state"]["messages"] if info else 0
        finally:
            if own:
                client.close()

    def wait_stream(self, stream, expected, timeout, started=None, interval=0.02, stall=120):
        """Polls until the stream holds `expected` messages; returns the seconds since `started`
        (time.monotonic()) at the first poll that saw them. Gives up after `timeout` seconds, or
        when the count has not moved for `stall` seconds."""
        started = started or time.monotonic()
        deadline = time.monotonic() + timeout
        last_count, moved_at = -1, time.monotonic()
        with NatsClient(self.nats.url) as client:
            while True:
                count = self.stream_count(stream, client)
                now = time.monotonic()
                if count >= expected:
                    return now - started
                if count != last_count:
                    last_count, moved_at = count, now
                if now > deadline or now - moved_at > stall:
                    raise RuntimeError(f"stream {stream} holds {count} of {expected} messages "
                                       f"after {now - started:.0f} s")
                time.sleep(interval)

    def mean_payload_size(self, stream, samples=50):
        with NatsClient(self.nats.url) as client:
            state = client.stream_info(stream)["state"]
            first, last = state["first_seq"], state["last_seq"]
            if last < first:
                return 0
            step = max(1, (last - first + 1) // samples)
            sizes = [len(client.stream_msg(stream, seq=seq).data)
                     for seq in range(first, last + 1, step)]
        return int(statistics.mean(sizes))

    def delete_stream(self, stream):
        with NatsClient(self.nats.url) as client:
            try:
                client.js_api(f"STREAM.DELETE.{stream}")
            except Exception:  # noqa: BLE001 - gone already
                pass

    def publish_ceiling(self, count, size, tag, like_tracking=False):
        """Events/s of the plain cnats publisher for `count` messages of `size` bytes; with
        like_tracking, to a stream that republishes like a tracking's, with the event headers."""
        binary = tool("bench_publish_ceiling")
        if binary is None:
            raise NotMeasured(f"{BUILD_DIR}/bench_publish_ceiling is not built")
        stream = f"bench-ceiling-{tag}"
        extra = ["--republish", f"benchceilingprocessing.{tag}", "--event-headers"] if like_tracking else []
        try:
            out = subprocess.run([binary, "--url", self.nats.url, "--stream", stream,
                                  "--subject", f"benchceiling.{tag}", "--count", str(count),
                                  "--size", str(size), *extra], capture_output=True, text=True, timeout=1800)
            if out.returncode != 0:
                raise RuntimeError(f"bench_publish_ceiling failed: {out.stderr.strip()} {out.stdout.strip()}")
            return json.loads(out.stdout.strip().splitlines()[-1])["rate"]
        finally:
            self.delete_stream(stream)


def _pg_config(flag):
    try:
        return subprocess.run([os.path.join(servers.PG_BIN, "pg_config"), flag],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


# ---- workloads --------------------------------------------------------------------------------


class Workload:
    """A table and the changes made to it: inserts, then updates, then deletes, in transactions
    of `batch` rows, made by one server-side DO block (no client round trips)."""

    def __init__(self, key, title, columns, row_expr, update_set, inserts, updates, deletes,
                 batch=100, after_create=()):
        self.key = key
        self.title = title
        self.columns = columns
        self.row_expr = row_expr
        self.update_set = update_set
        self.inserts = inserts
        self.updates = min(updates, inserts)
        self.deletes = min(deletes, inserts - self.updates)
        self.batch = batch
        self.after_create = after_create

    @property
    def events(self):
        return self.inserts + self.updates + self.deletes

    def create(self, bench, table):
        cols = ", ".join(f"{n} {t}" for n, t in self.columns)
        bench.sql(f"CREATE TABLE {table} ({cols}, PRIMARY KEY (id))")
        for stmt in self.after_create:
            bench.sql(stmt.format(table=table))

    def write(self, bench, table):
        b = self.batch
        upd_hi, del_hi = self.updates, self.updates + self.deletes
        loops = [f"""
  lo := 1;
  WHILE lo <= {self.inserts} LOOP
    INSERT INTO {table} SELECT {self.row_expr}
      FROM generate_series(lo, least(lo + {b} - 1, {self.inserts})) g;
    COMMIT;
    lo := lo + {b};
  END LOOP;"""]
        if self.updates:
            loops.append(f"""
  lo := 1;
  WHILE lo <= {upd_hi} LOOP
    UPDATE {table} SET {self.update_set} WHERE id BETWEEN lo AND least(lo + {b} - 1, {upd_hi});
    COMMIT;
    lo := lo + {b};
  END LOOP;""")
        if self.deletes:
            loops.append(f"""
  lo := {upd_hi + 1};
  WHILE lo <= {del_hi} LOOP
    DELETE FROM {table} WHERE id BETWEEN lo AND least(lo + {b} - 1, {del_hi});
    COMMIT;
    lo := lo + {b};
  END LOOP;""")
        bench.sql("DO $$\nDECLARE lo int8;\nBEGIN" + "".join(loops) + "\nEND\n$$")


MIXED_COLUMNS = [("id", "int8"), ("name", "text"), ("code", "varchar(32)"), ("amount", "numeric(12,2)"),
                 ("created", "timestamptz"), ("active", "bool"), ("attrs", "jsonb"), ("ref", "uuid"),
                 ("score", "float8"), ("day", "date")]
MIXED_ROW = ("g, 'customer name ' || g, 'C-' || (g % 1000), (g * 1.25)::numeric(12,2), "
             "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g % 2 = 0, "
             "jsonb_build_object('k', g, 'tag', 'tag-' || (g % 7), 'ok', true), md5(g::text)::uuid, "
             "g * 0.5, date '2024-01-01' + (g % 365)::int")
MIXED_UPDATE = "amount = amount + 1, name = name || ' (updated)', active = NOT active"


def mixed_workload(inserts=1_000_000, updates=200_000, deletes=100_000):
    return Workload("mixed", "10-column rows", MIXED_COLUMNS, MIXED_ROW, MIXED_UPDATE,
                    scaled(inserts), scaled(updates), scaled(deletes))


def wide_workload():
    kinds = [("int8", "g + {i}"), ("text", "'value ' || g || ' of column {i}'"),
             ("numeric(12,2)", "(g * {i} * 0.01)::numeric(12,2)"),
             ("timestamptz", "timestamptz '2024-01-01 00:00:00+00' + (g + {i}) * interval '1 second'"),
             ("bool", "(g + {i}) % 2 = 0"), ("float8", "g * 0.25 + {i}")]
    columns = [("id", "int8")]
    exprs = ["g"]
    for i in range(1, 100):
        typ, expr = kinds[i % len(kinds)]
        columns.append((f"c{i:02d}", typ))
        exprs.append(expr.format(i=i))
    return Workload("wide", "100-column rows", columns, ", ".join(exprs), "c06 = c06 + 1",
                    scaled(100_000), scaled(20_000), scaled(10_000))


def big_text_workload():
    # STORAGE EXTERNAL: out of line and uncompressed, so every change carries the full 100 KB.
    return Workload("text100k", "100 KB text values", [("id", "int8"), ("body", "text")],
                    "g, repeat(chr(97 + (g % 26)::int), 102400)", "id = id",
                    scaled(5_000), scaled(1_000), scaled(500), batch=10,
                    after_create=("ALTER TABLE {table} ALTER COLUMN body SET STORAGE EXTERNAL",))


# ---- measure 1: PostgreSQL drain throughput ---------------------------------------------------


def recvlogical(bench, slot, plugin_options, end_lsn, out="/dev/null"):
    cmd = [os.path.join(servers.PG_BIN, "pg_recvlogical"), "-d", bench.pg.dsn("postgres"),
           "--slot", slot, "--start", "--endpos", end_lsn, "-f", out, "-F", "0", "--no-loop"]
    for key, value in plugin_options.items():
        cmd += ["-o", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"pg_recvlogical on slot {slot} failed: {result.stderr.strip()}")
    return elapsed


def peek(bench, slot, plugin_options):
    args = []
    for key, value in plugin_options.items():
        args += [key, value]
    placeholders = "".join(", %s" for _ in args)
    started = time.monotonic()
    count = bench.scalar(f"SELECT count(*) FROM pg_logical_slot_peek_changes(%s, NULL, NULL{placeholders})",
                         [slot, *args])
    return time.monotonic() - started, count


def drain_runs(bench, workload):
    """All runs of measure 1 on one workload, on one WAL: the workload is written once while a
    paused tracking and a set of reference slots per run wait; each run then drains its own.
    Returns one dict of events/s per path per run."""
    table = f"public.drain_{workload.key}"
    workload.create(bench, table)
    names = [f"drain-{workload.key}-{rep}" for rep in range(1, REPEAT + 1)]
    for name in names:
        bench.track(name, table)
        bench.wait_worker(name, running=True)
        bench.pause(name)
    refs = {
        "wal2json": ("wal2json", {**WAL2JSON_OPTIONS, "add-tables": table}),
        "dbchangetracking": ("dbchangetracking", {"table.include.list": table}),
    }
    if bench.decoderbufs:
        refs["decoderbufs"] = ("decoderbufs", {})
    slots = []
    for rep in range(1, REPEAT + 1):
        for ref, (plugin, _) in refs.items():
            slots.append(f"ref_{ref}_{rep}")
            bench.sql("SELECT pg_create_logical_replication_slot(%s, %s)", (slots[-1], plugin))

    log(f"measure 1 ({workload.key}): writing {workload.events:,} changes")
    workload.write(bench, table)
    end_lsn = bench.scalar("SELECT pg_current_wal_insert_lsn()::text")
    n = workload.events
    runs = []
    try:
        for rep, name in enumerate(names, 1):
            rates = {}
            log(f"measure 1 ({workload.key}) run {rep}: references")
            for ref in ("wal2json", "dbchangetracking"):
                plugin, options = refs[ref]
                seconds, count = peek(bench, f"ref_{ref}_{rep}", options)
                if count != n:
                    raise RuntimeError(f"{ref} peek decoded {count} rows for {n} changes")
                rates[f"{ref} peek"] = n / seconds
            for ref, (plugin, options) in refs.items():
                rates[f"{ref} pg_recvlogical"] = n / recvlogical(bench, f"ref_{ref}_{rep}", options, end_lsn)

            log(f"measure 1 ({workload.key}) run {rep}: draining through the tracking")
            nats_cpu = cpu_seconds(bench.nats.pid)
            started = time.monotonic()
            bench.sql("SELECT dbchangetracking.resume(%s)", (name,))
            seconds = bench.wait_stream(stream_name(name), n, timeout=max(600, n / 1000), started=started)
            rates["end-to-end"] = n / seconds
            # CPU per event: steadier than events/s on a machine others share (the worker is a
            # new process at resume, so its whole CPU time is this drain's)
            worker = bench.status(name)[1]
            worker_cpu = cpu_seconds(worker) if worker else None
            rates["worker µs/event"] = worker_cpu * 1e6 / n if worker_cpu is not None else None
            rates["nats-server µs/event"] = (cpu_seconds(bench.nats.pid) - nats_cpu) * 1e6 / n
            size = bench.mean_payload_size(stream_name(name))
            bench.untrack(name)

            log(f"measure 1 ({workload.key}) run {rep}: publish ceiling, {n:,} messages of {size} bytes")
            nats_cpu, client_cpu = cpu_seconds(bench.nats.pid), children_cpu_seconds()
            rates["publish ceiling"] = bench.publish_ceiling(n, size, f"{workload.key}{rep}")
            rates["ceiling client µs/event"] = (children_cpu_seconds() - client_cpu) * 1e6 / n
            rates["ceiling nats-server µs/event"] = (cpu_seconds(bench.nats.pid) - nats_cpu) * 1e6 / n
            # The same with what the SPEC asks of a tracking's stream: RePublish to
            # dbchangetrackingprocessing.N and the Dbct-* headers. A steady rate: fewer messages do.
            m = max(1000, min(n // 4, 200_000))
            nats_cpu = cpu_seconds(bench.nats.pid)
            rates["publish ceiling, tracking's stream"] = bench.publish_ceiling(
                m, size, f"{workload.key}{rep}r", like_tracking=True)
            rates["tracking-stream ceiling nats-server µs/event"] = (cpu_seconds(bench.nats.pid) - nats_cpu) * 1e6 / m
            rates["mean event bytes"] = size
            runs.append(rates)
    finally:
        for slot in slots:
            bench.drop_slot(slot)
        for name in names:
            if bench.status(name) is not None:
                bench.untrack(name)
        bench.sql(f"DROP TABLE {table}")
    return runs


def measure_drain(bench, workload, number_label):
    runs = drain_runs(bench, workload)
    title = (f"{number_label} PostgreSQL drain throughput, {workload.title}: {workload.inserts:,} inserts, "
             f"{workload.updates:,} updates, {workload.deletes:,} deletes in {workload.batch}-row transactions")
    table = Table(title, ["path", "events/s", "end-to-end ÷ this"])
    paths = ["end-to-end", "dbchangetracking peek", "dbchangetracking pg_recvlogical", "wal2json peek",
             "wal2json pg_recvlogical", "decoderbufs pg_recvlogical", "publish ceiling",
             "publish ceiling, tracking's stream"]
    labels = {
        "end-to-end": "**ours end-to-end** (resume → last JetStream ack)",
        "dbchangetracking peek": "our output plugin, in-process peek (decode + JSON, no NATS)",
        "dbchangetracking pg_recvlogical": "our output plugin, pg_recvlogical → /dev/null",
        "wal2json peek": "wal2json v2, in-process peek",
        "wal2json pg_recvlogical": "wal2json v2, pg_recvlogical → /dev/null",
        "decoderbufs pg_recvlogical": "decoderbufs, pg_recvlogical → /dev/null",
        "publish ceiling": "publish ceiling: plain cnats async + Nats-Msg-Id, file stream",
        "publish ceiling, tracking's stream": "publish ceiling to a stream like a tracking's "
                                              "(RePublish, Dbct-* headers)",
    }
    ours = [r["end-to-end"] for r in runs]
    for path in paths:
        values = [r.get(path) for r in runs]
        if all(v is None for v in values):
            if path.startswith("decoderbufs"):
                table.add(labels[path], "not measured: decoderbufs.so is not installed "
                          "(apt-get install postgresql-15-decoderbufs)", "")
            continue
        ratio = "" if path == "end-to-end" else stat(ratios(ours, values), "{:.2f}")
        table.add(labels[path], stat(values), ratio)
    bound = [min(r["wal2json peek"], r["publish ceiling"]) for r in runs]
    table.add("**end-to-end ÷ min(wal2json peek, publish ceiling)** (target ≥ 0.7)", "",
              stat(ratios(ours, bound), "{:.2f}"))
    bound = [min(r["wal2json peek"], r["publish ceiling, tracking's stream"]) for r in runs]
    table.add("end-to-end ÷ min(wal2json peek, publish ceiling to a tracking's stream)", "",
              stat(ratios(ours, bound), "{:.2f}"))
    cpu = Table(f"{number_label} CPU per event, {workload.title}", ["process", "µs/event", "÷ publish ceiling's"])
    worker = [r.get("worker µs/event") for r in runs]
    server = [r.get("nats-server µs/event") for r in runs]
    cpu.add("our worker (decode, JSON, publish; all its threads)", stat(worker, "{:.1f}"),
            stat(ratios(worker, [r.get("ceiling client µs/event") for r in runs]), "{:.2f}"))
    cpu.add("nats-server, receiving our events", stat(server, "{:.1f}"),
            stat(ratios(server, [r.get("ceiling nats-server µs/event") for r in runs]), "{:.2f}"))
    cpu.add("publish ceiling client (cnats async)", stat([r.get("ceiling client µs/event") for r in runs], "{:.1f}"), "")
    cpu.add("nats-server, receiving the ceiling's messages",
            stat([r.get("ceiling nats-server µs/event") for r in runs], "{:.1f}"), "")
    cpu.add("nats-server, receiving the ceiling's messages on a stream like a tracking's",
            stat([r.get("tracking-stream ceiling nats-server µs/event") for r in runs], "{:.1f}"), "")
    cpu.note("CPU time (user + system) from /proc over the drain, divided by the events: on a shared "
             "machine this moves less than events/s. Our events carry the SPEC's headers and the "
             "stream republishes them; the ceiling's carry only Nats-Msg-Id.")
    table.note("End-to-end includes starting the worker on resume (connect, stream check); "
               "at small BENCH_SCALE that fixed cost weighs on the figure.")
    table.note(f"Mean event payload: {stat([r['mean event bytes'] for r in runs])} bytes; "
               f"the publish ceiling sends that many messages of that size.")
    return [table, cpu], runs


# ---- measure 2: latency -----------------------------------------------------------------------


LATENCY_TABLE_SQL = ("CREATE TABLE {table} (id bigserial PRIMARY KEY, "
                     "t int8 NOT NULL, pad text)")
PGBENCH_SCRIPT = ("INSERT INTO {table} (t, pad) VALUES "
                  "((extract(epoch FROM clock_timestamp()) * 1000000)::int8, 'latency probe');\n")


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[k]


def summarize_latency(samples_ms):
    s = sorted(samples_ms)
    return {"p50": percentile(s, 0.50), "p99": percentile(s, 0.99), "max": s[-1] if s else None,
            "count": len(s)}


def run_pgbench(bench, table, rate, seconds):
    script = os.path.join(bench.pg.base_dir, f"pgbench_{table.replace('.', '_')}.sql")
    with open(script, "w") as f:
        f.write(PGBENCH_SCRIPT.format(table=table))
    clients = 2 if rate <= 2000 else 8
    cmd = [os.path.join(servers.PG_BIN, "pgbench"), "-n", "-f", script, "-R", str(rate),
           "-T", str(seconds), "-c", str(clients), "-j", "2", "-h", "127.0.0.1",
           "-p", str(bench.pg.port), "-U", "postgres", "postgres"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out.stderr.strip()[-500:]}")
    m = re.search(r"tps = ([0-9.]+)", out.stdout)
    return float(m.group(1)) if m else None


class JetStreamLatencyReader(threading.Thread):
    """A push consumer on a tracking's stream: for each event, receipt time minus the row's
    clock_timestamp() (and minus source.ts_ms).

    The receipt time is that of the recv() that brought the message in (NatsClient.received_at):
    time spent parsing a backlog is not counted against the tracking."""

    def __init__(self, url, stream):
        super().__init__(daemon=True)
        self.client = NatsClient(url)
        inbox = f"_INBOX.bench.{time.monotonic_ns()}"
        self.sid = self.client.subscribe(inbox)
        config = {"stream_name": stream,
                  "config": {"deliver_subject": inbox, "deliver_policy": "new", "ack_policy": "none",
                             "replay_policy": "instant", "mem_storage": True,
                             "inactive_threshold": 30_000_000_000}}
        deadline = time.monotonic() + 30
        while True:  # the worker makes the stream when it starts
            try:
                self.client.js_api(f"CONSUMER.CREATE.{stream}", config)
                break
            except Exception:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.row_ms = []
        self.source_ms = []
        self.stop = threading.Event()

    def _event(self, payload, now):
        body = json.loads(payload)
        after = body.get("after") or {}
        if "t" in after:
            self.row_ms.append((now * 1e6 - after["t"]) / 1000.0)
            ts_ms = (body.get("source") or {}).get("ts_ms")
            if ts_ms is not None:
                self.source_ms.append(now * 1000.0 - ts_ms)

    def run(self):
        while not self.stop.is_set():
            msg = self.client.next_msg(self.sid, timeout=0.2)
            if msg is not None and not msg.status:
                self._event(msg.data, self.client.received_at)

    def finish(self):
        self.stop.set()
        self.join(5)
        self.client.close()


class RecvlogicalLatencyReader(threading.Thread):
    """pg_recvlogical + wal2json v2 to a pipe: receipt time minus the row's clock_timestamp()."""

    def __init__(self, bench, slot, table):
        super().__init__(daemon=True)
        cmd = [os.path.join(servers.PG_BIN, "pg_recvlogical"), "-d", bench.pg.dsn("postgres"),
               "--slot", slot, "--start", "-f", "-", "-s", "1"]
        for key, value in {**WAL2JSON_OPTIONS, "add-tables": table}.items():
            cmd += ["-o", f"{key}={value}"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.row_ms = []

    def run(self):
        for line in iter(self.proc.stdout.readline, b""):
            now = time.time()
            try:
                change = json.loads(line)
            except ValueError:
                continue
            for col in change.get("columns", ()):
                if col.get("name") == "t":
                    self.row_ms.append((now * 1e6 - col["value"]) / 1000.0)
                    break

    def finish(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.join(5)


def wait_count(samples, expected, timeout):
    deadline = time.monotonic() + timeout
    while len(samples) < expected and time.monotonic() < deadline:
        time.sleep(0.05)


def latency_once(bench, rate, rep, seconds):
    result = {}
    # ours: the tracking streams while pgbench writes
    name = f"lat-{rate}-{rep}"
    table = f"public.lat_{rate}_{rep}"
    bench.sql(LATENCY_TABLE_SQL.format(table=table))
    bench.track(name, table)
    bench.wait_worker(name, running=True)
    reader = JetStreamLatencyReader(bench.nats.url, stream_name(name))
    reader.start()
    log(f"measure 2 run {rep}: {rate} tx/s for {seconds} s through the tracking")
    tps = run_pgbench(bench, table, rate, seconds)
    rows = bench.scalar(f"SELECT count(*) FROM {table}")
    wait_count(reader.row_ms, rows, 60)
    reader.finish()
    result["ours"] = {**summarize_latency(reader.row_ms), "tps": tps, "rows": rows,
                      "source_ts": summarize_latency(reader.source_ms)}
    bench.untrack(name)
    bench.sql(f"DROP TABLE {table}")

    # reference: pg_recvlogical + wal2json on the same kind of table, no tracking running
    table = f"public.latref_{rate}_{rep}"
    slot = f"latref_{rate}_{rep}"
    bench.sql(LATENCY_TABLE_SQL.format(table=table))
    bench.sql("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (slot,))
    ref = RecvlogicalLatencyReader(bench, slot, table)
    ref.start()
    time.sleep(0.5)  # the walsender is up before the first commit
    log(f"measure 2 run {rep}: {rate} tx/s for {seconds} s through pg_recvlogical + wal2json")
    tps = run_pgbench(bench, table, rate, seconds)
    rows = bench.scalar(f"SELECT count(*) FROM {table}")
    wait_count(ref.row_ms, rows, 60)
    ref.finish()
    result["wal2json"] = {**summarize_latency(ref.row_ms), "tps": tps, "rows": rows}
    bench.drop_slot(slot)
    bench.sql(f"DROP TABLE {table}")
    return result


def measure_latency(bench):
    seconds = max(2, int(round(30 * SCALE)))
    tables, raw = [], {}
    for rate in (1_000, 10_000):
        runs = [latency_once(bench, rate, rep, seconds) for rep in range(1, REPEAT + 1)]
        raw[rate] = runs
        t = Table(f"2. PostgreSQL commit-to-receipt latency at {rate:,} single-row tx/s "
                  f"(pgbench -R, {seconds} s per run)",
                  ["path", "achieved tx/s", "p50 ms", "p99 ms", "max ms", "p99 ÷ wal2json p99"])
        ours = [r["ours"] for r in runs]
        refs = [r["wal2json"] for r in runs]
        t.add("**ours**: row's clock_timestamp() → JetStream push consumer", stat([o["tps"] for o in ours]),
              stat([o["p50"] for o in ours], "{:.2f}"), stat([o["p99"] for o in ours], "{:.2f}"),
              stat([o["max"] for o in ours], "{:.1f}"),
              stat(ratios([o["p99"] for o in ours], [r["p99"] for r in refs]), "{:.2f}"))
        t.add("ours, by source.ts_ms (commit time, ms resolution)", "",
              stat([o["source_ts"]["p50"] for o in ours], "{:.2f}"),
              stat([o["source_ts"]["p99"] for o in ours], "{:.2f}"),
              stat([o["source_ts"]["max"] for o in ours], "{:.1f}"), "")
        t.add("pg_recvlogical + wal2json v2 → pipe", stat([r["tps"] for r in refs]),
              stat([r["p50"] for r in refs], "{:.2f}"), stat([r["p99"] for r in refs], "{:.2f}"),
              stat([r["max"] for r in refs], "{:.1f}"), "")
        missing = [(o["rows"] - o["count"], r["rows"] - r["count"]) for o, r in zip(ours, refs)]
        if any(a or b for a, b in missing):
            t.note(f"Rows written but not received within 60 s after pgbench ended (ours, wal2json) "
                   f"per run: {missing}.")
        t.note("Targets: p99 under 10 ms at 10,000 tx/s and within 5 × the wal2json p99. "
               "Receipt is stamped in a Python reader thread on both paths.")
        tables.append(t)
    return tables, raw


# ---- measure 3: memory ------------------------------------------------------------------------


def walsender_pid(bench, application_name):
    rows = bench.sql("SELECT pid FROM pg_stat_replication WHERE application_name = %s", (application_name,))
    return rows[0][0] if rows else None


def recvlogical_peak(bench, slot, options, end_lsn):
    """Runs pg_recvlogical to end_lsn and follows its walsender's peak RSS; returns (kB, s)."""
    app = f"bench_{slot}"
    sampler = PeakSampler(lambda: walsender_pid(bench, app))
    sampler.start()
    env_dsn = bench.pg.dsn("postgres", application_name=app)
    cmd = [os.path.join(servers.PG_BIN, "pg_recvlogical"), "-d", env_dsn, "--slot", slot, "--start",
           "--endpos", end_lsn, "-f", "/dev/null", "-F", "0", "--no-loop"]
    for key, value in options.items():
        cmd += ["-o", f"{key}={value}"]
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    peak = sampler.finish()
    if out.returncode != 0:
        raise RuntimeError(f"pg_recvlogical on slot {slot} failed: {out.stderr.strip()}")
    return peak, elapsed


def memory_runs(bench):
    """All runs of measure 3 on one WAL: the big transaction is written once while a paused
    tracking and reference slots per run wait; each run then streams it through its own."""
    rows = scaled(1_000_000)
    table = "public.mem"
    Workload("mem", "", MIXED_COLUMNS, MIXED_ROW, "", rows, 0, 0).create(bench, table)
    names = [f"mem-{rep}" for rep in range(1, REPEAT + 1)]
    for name in names:
        bench.track(name, table)
        bench.wait_worker(name, running=True)
        bench.pause(name)
    plugins = {"wal2json": {**WAL2JSON_OPTIONS, "add-tables": table},
               "dbchangetracking": {"table.include.list": table}}
    for rep in range(1, REPEAT + 1):
        for plugin in plugins:
            bench.sql("SELECT pg_create_logical_replication_slot(%s, %s)", (f"mem_{plugin}_{rep}", plugin))
    log(f"measure 3: one transaction of {rows:,} rows")
    bench.sql(f"INSERT INTO {table} SELECT {MIXED_ROW} FROM generate_series(1, {rows}) g")
    end_lsn = bench.scalar("SELECT pg_current_wal_insert_lsn()::text")

    runs = []
    for rep, name in enumerate(names, 1):
        result = {"rows": rows}
        log(f"measure 3 run {rep}: through the tracking")
        started = time.monotonic()
        bench.sql("SELECT dbchangetracking.resume(%s)", (name,))
        sampler = PeakSampler(lambda: bench.status(name)[1])
        sampler.start()
        seconds = bench.wait_stream(stream_name(name), rows, timeout=max(600, rows / 1000), started=started)
        # VmHWM is kept for the life of the process: one more read while the worker still runs.
        if sampler.pid is not None:
            last = proc_status_kb(sampler.pid, "VmHWM")
            if last is not None:
                sampler.peak_kb = max(sampler.peak_kb or 0, last)
        result["worker_kb"] = sampler.finish()
        result["worker_seconds"] = seconds
        bench.untrack(name)

        for plugin, options in plugins.items():
            log(f"measure 3 run {rep}: pg_recvlogical + {plugin}")
            peak, secs = recvlogical_peak(bench, f"mem_{plugin}_{rep}", options, end_lsn)
            result[f"{plugin}_walsender_kb"] = peak
            result[f"{plugin}_seconds"] = secs
            bench.drop_slot(f"mem_{plugin}_{rep}")
        runs.append(result)
    bench.sql(f"DROP TABLE {table}")
    return runs


def measure_memory(bench):
    runs = memory_runs(bench)
    mb = "{:.0f}"
    t = Table(f"3. Peak RSS (VmHWM) while one {runs[0]['rows']:,}-row transaction streams "
              "(logical_decoding_work_mem at its default)", ["process", "peak RSS MB", "seconds",
                                                             "ours ÷ this"])
    ours = [r["worker_kb"] / 1024 if r["worker_kb"] else None for r in runs]
    t.add("**our worker** (decode + publish to JetStream)", stat(ours, mb),
          stat([r["worker_seconds"] for r in runs], "{:.1f}"), "")
    for plugin, label in (("wal2json", "walsender serving pg_recvlogical + wal2json v2"),
                          ("dbchangetracking", "walsender serving pg_recvlogical + our output plugin")):
        values = [r[f"{plugin}_walsender_kb"] / 1024 if r[f"{plugin}_walsender_kb"] else None for r in runs]
        t.add(label, stat(values, mb), stat([r[f"{plugin}_seconds"] for r in runs], "{:.1f}"),
              stat(ratios(ours, values), "{:.2f}"))
    t.note("Target: the worker's peak RSS below 128 MB. VmHWM counts the shared buffers the "
           "process touched (shared_buffers = 32MB here).")
    return [t], runs


# ---- measure 4: initial snapshot --------------------------------------------------------------


def snapshot_supported(bench):
    """None when track() takes an initial snapshot, else why not."""
    bench.sql("CREATE TABLE public.snapshot_probe (id int8 PRIMARY KEY)")
    bench.sql("INSERT INTO public.snapshot_probe VALUES (1)")
    try:
        notices = bench.track("snapshot-probe", "public.snapshot_probe", snapshot_mode="initial")
        for notice in notices:
            if "not implemented" in notice:
                return notice.strip().splitlines()[0].split(":  ", 1)[-1]
        try:
            bench.wait_stream(stream_name("snapshot-probe"), 1, timeout=30)
        except RuntimeError:
            return "track() with snapshotMode initial published no row of a 1-row table within 30 s"
        return None
    finally:
        bench.untrack("snapshot-probe")
        bench.sql("DROP TABLE public.snapshot_probe")


def snapshot_once(bench, rep, rows):
    name = f"snap-{rep}"
    table = f"public.snap_{rep}"
    Workload("snap", "", MIXED_COLUMNS, MIXED_ROW, "", rows, 0, 0).create(bench, table)
    bench.sql(f"INSERT INTO {table} SELECT {MIXED_ROW} FROM generate_series(1, {rows}) g")
    bench.sql(f"VACUUM ANALYZE {table}")
    started = time.monotonic()
    bench.sql(f"COPY {table} TO '/dev/null'")
    copy_seconds = time.monotonic() - started
    log(f"measure 4 run {rep}: snapshot of {rows:,} rows")
    started = time.monotonic()
    bench.track(name, table, snapshot_mode="initial")
    seconds = bench.wait_stream(stream_name(name), rows, timeout=max(600, rows / 1000), started=started)
    size = bench.mean_payload_size(stream_name(name))
    bench.untrack(name)
    bench.sql(f"DROP TABLE {table}")
    ceiling = bench.publish_ceiling(rows, size, f"snap{rep}")
    return {"rows": rows, "snapshot": rows / seconds, "copy": rows / copy_seconds, "ceiling": ceiling,
            "mean event bytes": size}


def measure_snapshot(bench):
    rows = scaled(2_000_000)
    title = f"4. Initial snapshot of a {rows:,}-row 10-column table (op r events until acknowledged)"
    why = snapshot_supported(bench)
    t = Table(title, ["path", "rows/s", "snapshot ÷ this"])
    if why:
        t.note(f"not measured: {why}")
        return [t], {"not_measured": why}
    runs = [snapshot_once(bench, rep, rows) for rep in range(1, REPEAT + 1)]
    ours = [r["snapshot"] for r in runs]
    t.add("**ours**: track(snapshotMode initial) → last JetStream ack", stat(ours), "")
    t.add("COPY table TO '/dev/null'", stat([r["copy"] for r in runs]),
          stat(ratios(ours, [r["copy"] for r in runs]), "{:.2f}"))
    t.add("publish ceiling (same count, same mean size)", stat([r["ceiling"] for r in runs]),
          stat(ratios(ours, [r["ceiling"] for r in runs]), "{:.2f}"))
    t.note("Target: snapshot ≥ 0.8 × the publish ceiling.")
    return [t], runs


# ---- measure 5: MariaDB drain -----------------------------------------------------------------


MARIADB_COLUMNS = ("id BIGINT PRIMARY KEY, name TEXT, code VARCHAR(32), amount DECIMAL(12,2), "
                   "created TIMESTAMP(6) NULL, active BOOL, attrs JSON, ref CHAR(36), score DOUBLE, day DATE")


def mariadb_write(server, database, inserts, updates, deletes, batch=100):
    conn = server.connect(database, autocommit=False)
    with conn.cursor() as cur:
        for lo in range(1, inserts + 1, batch):
            hi = min(lo + batch - 1, inserts)
            cur.execute(
                "INSERT INTO drain SELECT seq, CONCAT('customer name ', seq), CONCAT('C-', seq % 1000), "
                "seq * 1.25, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 = 0, "
                "JSON_OBJECT('k', seq, 'tag', CONCAT('tag-', seq % 7), 'ok', true), UUID(), seq * 0.5, "
                f"DATE'2024-01-01' + INTERVAL (seq % 365) DAY FROM seq_{lo}_to_{hi}")
            conn.commit()
        for lo in range(1, updates + 1, batch):
            cur.execute("UPDATE drain SET amount = amount + 1, name = CONCAT(name, ' (updated)') "
                        "WHERE id BETWEEN %s AND %s", (lo, min(lo + batch - 1, updates)))
            conn.commit()
        for lo in range(updates + 1, updates + deletes + 1, batch):
            cur.execute("DELETE FROM drain WHERE id BETWEEN %s AND %s",
                        (lo, min(lo + batch - 1, updates + deletes)))
            conn.commit()
    conn.close()


def mariadb_manifest(bench, name, database, path):
    with open(path, "w") as f:
        f.write(f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata:
  name: {name}
spec:
  type: mysql
  parameters:
    databaseHostname: 127.0.0.1
    databasePort: "{bench.mariadb.port}"
    databaseUser: {bench.mariadb.user}
    databasePassword: {bench.mariadb.password}
    databaseServerName: bench
    databaseServerId: "{5400 + len(name)}"
    databaseIncludeList: {database}
    tableIncludeList: {database}.drain
    snapshotMode: never
  nats:
    url: {bench.nats.url}
    stream: {{maxMessages: -1}}
""")


def wait_log_line(path, text, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as f:
            if text in f.read():
                return
        if proc.poll() is not None:
            with open(path) as f:
                raise RuntimeError(f"dbct-mysql exited ({proc.returncode}): {f.read()[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"dbct-mysql did not log {text!r} within {timeout} s")


def mariadb_once(bench, rep, sidecar):
    """The sidecar starts on the empty table (snapshotMode never: at the current binlog
    position), is held with SIGSTOP while the workload is written (its binlog connection
    stays open, like a paused tracking's slot), and the drain is timed from SIGCONT."""
    inserts, updates, deletes = scaled(1_000_000), scaled(200_000), scaled(100_000)
    updates = min(updates, inserts)
    deletes = min(deletes, inserts - updates)
    n = inserts + updates + deletes
    server = bench.mariadb
    root = server.connect_root()
    with root.cursor() as cur:
        cur.execute("RESET MASTER")  # the binlog holds this run's changes only
        # the stopped sidecar does not read its binlog connection meanwhile
        cur.execute("SET GLOBAL net_write_timeout = 3600")
    root.close()
    database = f"drain{rep}"
    server.create_database(database)
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE drain ({MARIADB_COLUMNS})")
    conn.close()

    proc = None
    name = f"maria-{rep}"
    if sidecar is not None:
        manifest = os.path.join(server.base_dir, f"{name}.yaml")
        log_path = os.path.join(server.base_dir, f"{name}.log")
        mariadb_manifest(bench, name, database, manifest)
        proc = subprocess.Popen([sidecar, "--manifest", manifest], stdout=subprocess.DEVNULL,
                                stderr=open(log_path, "w"))
    result = {"events": n}
    try:
        if proc is not None:
            wait_log_line(log_path, "streaming from", proc)
            proc.send_signal(signal.SIGSTOP)
        log(f"measure 5 run {rep}: writing {n:,} changes to MariaDB")
        mariadb_write(server, database, inserts, updates, deletes)
        logs = [row[0] for row in server.execute("SHOW BINARY LOGS")]

        started = time.monotonic()
        cmd = [shutil.which("mariadb-binlog") or "mysqlbinlog", "--read-from-remote-server", "--verbose",
               "-h", "127.0.0.1", "-P", str(server.port), "-u", server.user, f"-p{server.password}", *logs]
        with open(os.devnull, "w") as devnull:
            out = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"mariadb-binlog failed: {out.stderr.strip()}")
        result["binlog"] = n / (time.monotonic() - started)

        if proc is None:
            result["ours"] = None
        else:
            log(f"measure 5 run {rep}: draining through dbct-mysql")
            started = time.monotonic()
            proc.send_signal(signal.SIGCONT)
            seconds = bench.wait_stream(stream_name(name), n, timeout=max(600, n / 1000), started=started)
            result["ours"] = n / seconds
            result["mean event bytes"] = bench.mean_payload_size(stream_name(name))
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            bench.delete_stream(stream_name(name))
    # Without the sidecar there are no events to size; the PostgreSQL 10-column mean stands in.
    size = result.get("mean event bytes") or bench.mixed_event_bytes or 1000
    result["ceiling"] = bench.publish_ceiling(n, size, f"maria{rep}")
    server.execute(f"DROP DATABASE {database}")
    return result


def measure_mariadb(bench):
    title = (f"5. MariaDB drain throughput: {scaled(1_000_000):,} inserts, {scaled(200_000):,} updates, "
             f"{scaled(100_000):,} deletes in 100-row transactions, written while the sidecar is stopped")
    t = Table(title, ["path", "events/s", "ours ÷ this"])
    sidecar = tool("dbct-mysql")
    bench.mariadb = servers.MariaDBServer()
    bench.mariadb.start()
    runs = [mariadb_once(bench, rep, sidecar) for rep in range(1, REPEAT + 1)]
    ours = [r["ours"] for r in runs]
    if sidecar is None:
        t.add("**ours**: dbct-mysql → last JetStream ack",
              f"not measured: {BUILD_DIR}/dbct-mysql is not built yet", "")
    else:
        t.add("**ours**: dbct-mysql → last JetStream ack", stat(ours), "")
    t.add("mariadb-binlog --read-from-remote-server --verbose → /dev/null", stat([r["binlog"] for r in runs]),
          stat(ratios(ours, [r["binlog"] for r in runs]), "{:.2f}"))
    t.add("publish ceiling (same count)", stat([r["ceiling"] for r in runs]),
          stat(ratios(ours, [r["ceiling"] for r in runs]), "{:.2f}"))
    if sidecar is not None:
        bound = [min(r["binlog"], r["ceiling"]) for r in runs]
        t.add("**ours ÷ min(mariadb-binlog, publish ceiling)** (target ≥ 0.7)", "",
              stat(ratios(ours, bound), "{:.2f}"))
    else:
        t.note("The publish ceiling here sends messages of the PostgreSQL 10-column events' mean size.")
    return [t], runs


# ---- measure 6: many trackings ----------------------------------------------------------------


def scale_once(bench, k, rep, total):
    per = max(1, total // k)
    names = [f"scale{k}-{rep}-{i}" for i in range(k)]
    tables = [f"public.scale{k}_{rep}_{i}" for i in range(k)]
    workloads = [Workload("scale", "", MIXED_COLUMNS, MIXED_ROW, "", per, 0, 0) for _ in range(k)]
    for name, table, w in zip(names, tables, workloads):
        w.create(bench, table)
        bench.track(name, table)
    for name in names:
        bench.wait_worker(name, running=True)
    for name in names:
        bench.sql("SELECT dbchangetracking.pause(%s)", (name,))
    for name in names:
        bench.wait_worker(name, running=False)
    log(f"measure 6 run {rep}: {k} trackings × {per:,} inserts")
    for table, w in zip(tables, workloads):
        w.write(bench, table)
    started = time.monotonic()
    for name in names:
        bench.sql("SELECT dbchangetracking.resume(%s)", (name,))
    finished = {}
    deadline = time.monotonic() + max(600, total / 500)
    with NatsClient(bench.nats.url) as client:
        while len(finished) < k:
            for name in names:
                if name not in finished and bench.stream_count(stream_name(name), client) >= per:
                    finished[name] = time.monotonic() - started
            if time.monotonic() > deadline:
                raise RuntimeError(f"{k - len(finished)} of {k} trackings did not drain in time")
            time.sleep(0.02)
    for name, table in zip(names, tables):
        bench.untrack(name)
        bench.sql(f"DROP TABLE {table}")
    slowest = max(finished.values())
    return {"trackings": k, "events_per_tracking": per, "total_rate": per * k / slowest,
            "per_tracking_rates": [per / s for s in finished.values()]}


def measure_scale(bench):
    total = scaled(200_000, minimum=16)
    runs = {k: [scale_once(bench, k, rep, total) for rep in range(1, REPEAT + 1)] for k in (1, 4, 16)}
    t = Table(f"6. Many trackings on one server, each on its own table, drained concurrently "
              f"({total:,} inserts in all)", ["trackings", "total events/s", "per tracking events/s (mean)",
                                             "total ÷ one tracking's"])
    single = [r["total_rate"] for r in runs[1]]
    for k, rs in runs.items():
        totals = [r["total_rate"] for r in rs]
        per = [statistics.mean(r["per_tracking_rates"]) for r in rs]
        t.add(str(k), stat(totals), stat(per), "" if k == 1 else stat(ratios(totals, single), "{:.2f}"))
    t.note("Every worker decodes all of the WAL and keeps its own table's changes, so the decode "
           "work grows with the number of trackings.")
    return [t], runs


# ---- measure 7: the event writer --------------------------------------------------------------


def measure_event_writer(bench):
    t = Table("7. Event writer alone: 10-column Debezium create envelope + key, one core",
              ["writer", "envelopes/s", "ns/envelope", "ours ÷ this"])
    binary = tool("bench_event_writer")
    if binary is None:
        t.note(f"not measured: {BUILD_DIR}/bench_event_writer is not built (needs libbenchmark-dev)")
        return [t], {}
    min_time = max(0.05, round(1.0 * SCALE, 2))
    out = subprocess.run([binary, f"--benchmark_repetitions={REPEAT}", "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench_event_writer failed: {out.stderr.strip()}")
    data = json.loads(out.stdout)
    ns = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        ns.setdefault(b["run_name"] if "run_name" in b else b["name"], []).append(b["cpu_time"] * unit)
    ours = ns.get("BM_DbctWriter", [])
    theirs = ns.get("BM_NlohmannDom", [])
    rate = [1e9 / v for v in ours]
    t.add("**ours**: JsonWriter + envelope writer via the C ABI", stat(rate), stat(ours, "{:.0f}"), "")
    t.add("nlohmann::json DOM + dump()", stat([1e9 / v for v in theirs]), stat(theirs, "{:.0f}"),
          stat(ratios(rate, [1e9 / v for v in theirs]), "{:.2f}"))
    t.note("Target: ≥ 5 × the nlohmann::json DOM path.")
    return [t], {"ns_per_envelope": ns}


# ---- main -------------------------------------------------------------------------------------




def measure_drains(bench):
    tables, raw = [], {}
    variants = (("1a", "1.", mixed_workload), ("1b", "1b.", wide_workload), ("1c", "1c.", big_text_workload))
    chosen = {v for v, _, _ in variants} & ONLY
    for variant, label, make_workload in variants:
        if chosen and variant not in chosen:
            continue
        workload = make_workload()
        try:
            drain_tables, runs = measure_drain(bench, workload, label)
        except Exception as e:  # noqa: BLE001 - a failed variant must not hide the others
            failed = Table(f"{label} PostgreSQL drain throughput, {workload.title}", [])
            failed.note(f"FAILED: {type(e).__name__}: {e}")
            tables.append(failed)
            raw[workload.key] = {"error": f"{type(e).__name__}: {e}"}
            bench.failed = True
            continue
        if workload.key == "mixed":
            bench.mixed_event_bytes = int(statistics.median(r["mean event bytes"] for r in runs))
        tables.extend(drain_tables)
        raw[workload.key] = runs
    return tables, raw


# Run in this order: the measures that matter most first, so a partial run has them.
MEASURES = [
    ("7", "event writer", measure_event_writer),
    ("1", "drain throughput", measure_drains),
    ("3", "memory", measure_memory),
    ("2", "latency", measure_latency),
    ("4", "initial snapshot", measure_snapshot),
    ("6", "many trackings", measure_scale),
    ("5", "MariaDB drain", measure_mariadb),
]


def main():
    facts = machine_facts()
    started = time.monotonic()
    bench = Bench()
    bench.mixed_event_bytes = None
    bench.failed = False  # set by a measure whose part failed while the rest went on
    output = [f"## dbchangetracking benchmarks — {datetime.datetime.now().isoformat(timespec='seconds')}",
              "", facts_markdown(facts)]
    raw = {"facts": facts, "measures": {}}
    print("\n".join(output), flush=True)
    failed = False
    try:
        bench.start()
        for number, title, fn in MEASURES:
            if ONLY and not any(o == number or (o[:-1] == number and o[-1].isalpha()) for o in ONLY):
                continue
            log(f"measure {number}: {title}")
            t0 = time.monotonic()
            try:
                tables, data = fn(bench)
                text = "\n".join(t.markdown() for t in tables)
                raw["measures"][number] = {"title": title, "seconds": time.monotonic() - t0, "runs": data}
            except NotMeasured as e:
                text = f"### {number}. {title}\n\nnot measured: {e}\n"
                raw["measures"][number] = {"title": title, "not_measured": str(e)}
            except Exception as e:  # noqa: BLE001 - one failed measure must not hide the others
                failed = True
                text = f"### {number}. {title}\n\nFAILED: {type(e).__name__}: {e}\n"
                raw["measures"][number] = {"title": title, "error": f"{type(e).__name__}: {e}"}
            print(text, flush=True)
            output.append(text)
    finally:
        bench.stop()
    total = time.monotonic() - started
    output.append(f"Total time {total:.0f} s at BENCH_SCALE={SCALE:g}, {REPEAT} runs per measure.")
    print(output[-1])
    raw["seconds"] = total
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, time.strftime("%Y%m%d-%H%M%S") + f"-scale{SCALE:g}.json")
    with open(path, "w") as f:
        json.dump(raw, f, indent=1, default=str)
    with open(path[:-5] + ".md", "w") as f:
        f.write("\n".join(output) + "\n")
    log(f"raw figures: {path}")
    return 1 if failed or bench.failed else 0


if __name__ == "__main__":
    sys.exit(main())
