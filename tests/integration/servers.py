"""Real servers for integration tests: nats-server, PostgreSQL 15 and MariaDB.

Each server lives in its own temporary directory, listens on 127.0.0.1 on a free port, and is
started, stopped and killed by the PID this module recorded. Nothing here touches the system's
own clusters or services. When the tests run as root, PostgreSQL runs as the `postgres` OS user
(it refuses to run as root) and MariaDB runs with --user=root.

Slow one-time setup (initdb, mariadb-install-db) is done once per process into a template
directory; every server gets a copy of it, so a server starts in about a second.
"""

import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

PG_BIN = os.environ.get("DBCT_PG_BIN", "/usr/lib/postgresql/15/bin")
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
MARIADB_INSTALL_DB = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"

START_TIMEOUT = float(os.environ.get("DBCT_SERVER_START_TIMEOUT", "60"))
STOP_TIMEOUT = float(os.environ.get("DBCT_SERVER_STOP_TIMEOUT", "60"))
LOG_TAIL_LINES = 40


class ServerError(RuntimeError):
    """A server did not start, stop or answer as expected."""


# ---------------------------------------------------------------------------------------------
# Helpers


_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    Ports are drawn at random below the kernel's ephemeral range, so outgoing connections do
    not take them, and never twice in this process, so two servers started back to back do
    not race for one port. Another process may still take it; servers retry on that.
    """
    with _ports_lock:
        for _ in range(1000):
            port = random.randint(20000, 32000)
            if port in _ports_given:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _ports_given.add(port)
            return port
    raise ServerError("no free TCP port found on 127.0.0.1")


def port_is_open(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        try:
            s.connect((host, port))
            return True
        except OSError:
            return False


def running_as_root():
    return os.geteuid() == 0


def _os_user_ids(name):
    import pwd

    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _copy_tree(src, dst):
    """Copy a directory keeping owners and modes (cp -a is much faster than shutil here)."""
    subprocess.run(["cp", "-a", src, dst], check=True)


def _process_state(pid):
    """The state letter of a process from /proc, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces.
    return data[data.rindex(")") + 2]


def _pid_alive(pid):
    state = _process_state(pid)
    return state is not None and state not in ("Z", "X")


def _children_of(pid):
    """PIDs whose parent is pid (PostgreSQL backends of a postmaster)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


_libc = None


def _die_with_parent():
    """preexec_fn: the server gets SIGKILL if the test process dies, so none is left behind."""
    global _libc
    import ctypes

    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


_OWNER_FILE = ".dbct-owner"
_swept = False


def _mark_owner(directory):
    """Record which process made a temp dir, so a later run can remove it if that died."""
    with open(os.path.join(directory, _OWNER_FILE), "w") as f:
        f.write(str(os.getpid()))


def sweep_stale_dirs():
    """Remove temp dirs left by test processes that were killed before they could clean up.

    Only directories this module made (they hold an owner file) whose owner process and
    server process are both gone are removed.
    """
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        if not re.match(r"dbct-(nats|postgres|mariadb|template)-", name):
            continue
        path = os.path.join(root, name)
        pids = []
        for fname in (_OWNER_FILE, ".dbct-server-pid"):
            try:
                with open(os.path.join(path, fname)) as f:
                    pids.append(int(f.read().strip() or 0))
            except (OSError, ValueError):
                if fname == _OWNER_FILE:
                    pids.append(None)
        if None in pids or any(p and _pid_alive(p) for p in pids):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _sweep_once():
    global _swept
    if not _swept:
        _swept = True
        try:
            sweep_stale_dirs()
        except OSError:
            pass


# Servers not yet cleaned up, stopped at interpreter exit whatever the tests did.
_live_servers = set()


def _cleanup_live_servers():
    for server in list(_live_servers):
        try:
            server.cleanup()
        except Exception:
            pass


def _wait_pids_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_pid_alive(p) for p in pids):
            return True
        time.sleep(0.02)
    return False


# ---------------------------------------------------------------------------------------------
# Base class


class Server:
    """What every server has: a temp dir, a port, a PID, a log file and crash detection.

    Subclasses implement _command(), _wait_ready() and may override _prepare() (first start
    only), _stop_signal() and crash_patterns.
    """

    kind = "server"
    # Regular expressions that mark a crash in the server log.
    crash_patterns = ()

    def __init__(self, base_dir=None, port=None):
        _sweep_once()
        self.base_dir = tempfile.mkdtemp(prefix=f"dbct-{self.kind}-", dir=base_dir)
        os.chmod(self.base_dir, 0o755)
        _mark_owner(self.base_dir)
        self.port = port or free_port()
        self._port_was_given = port is not None
        self.log_path = os.path.join(self.base_dir, f"{self.kind}.log")
        self.process = None
        self.prepared = False
        self.killed_on_purpose = False
        # Byte ranges of the log where crash lines are expected (deliberate kills).
        self._allowed_ranges = []
        self._open_allowance = None
        self._cleaned = False
        self._spawn_offset = 0
        self._started_once = False
        _live_servers.add(self)

    # -- properties -------------------------------------------------------------------------

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=LOG_TAIL_LINES):
        text = self.log_text().splitlines()
        return "\n".join(text[-lines:])

    def log_offset(self):
        """The log's current size; pass it as since= to wait_for_log to see only newer lines."""
        return self._log_size()

    def wait_for_log(self, pattern, timeout=30, since=0):
        """Wait until a log line after byte offset `since` matches the regular expression;
        return that line. Raises ServerError with the log tail on timeout."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.log_path, "rb") as f:
                    f.seek(since)
                    text = f.read().decode(errors="replace")
            except FileNotFoundError:
                text = ""
            for line in text.splitlines():
                if regex.search(line):
                    return line
            if time.monotonic() > deadline:
                raise ServerError(f"{self.kind} server log {self.log_path} has no line matching"
                                  f" {pattern!r} after {timeout} s; last lines:\n{self.log_tail()}")
            time.sleep(0.05)

    def _log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def __repr__(self):
        return f"<{type(self).__name__} port={self.port} pid={self.pid} dir={self.base_dir}>"

    # -- life cycle -------------------------------------------------------------------------

    def start(self, timeout=START_TIMEOUT):
        """Start the server and wait until it answers. Returns self."""
        if self.running:
            raise ServerError(f"{self.kind} server on port {self.port} is already running")
        if not self.prepared:
            self._prepare()
            self.prepared = True
        attempts = 1 if self._port_was_given else 3
        for attempt in range(attempts):
            self._spawn()
            try:
                self._wait_ready(timeout)
                break
            except ServerError:
                in_use = self._port_in_use_logged()
                self._force_stop()
                if in_use and attempt + 1 < attempts and not self._started_once:
                    # Someone else took the port between our check and the bind: pick another.
                    self.port = free_port()
                    self._port_changed()
                    continue
                raise
        self._started_once = True
        self._after_start()
        self._close_allowance()
        return self

    def _spawn(self):
        cmd, kwargs = self._command()
        self._spawn_offset = self._log_size()
        log = open(self.log_path, "ab")
        log.write(f"--- dbct test harness: starting {' '.join(cmd)}\n".encode())
        log.flush()
        # The parent-death signal follows the thread that forks, so only the main thread sets
        # it; a server started from a helper thread is still stopped at exit (atexit).
        if threading.current_thread() is threading.main_thread():
            kwargs.setdefault("preexec_fn", _die_with_parent)
        try:
            self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kwargs,
            )
        finally:
            log.close()
        with open(os.path.join(self.base_dir, ".dbct-server-pid"), "w") as f:
            f.write(str(self.process.pid))

    def stop(self, timeout=STOP_TIMEOUT, **kwargs):
        """Stop gracefully and wait for the process to exit."""
        if not self.running:
            self.process = None
            return
        sig = self._stop_signal(**kwargs)
        os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            tail = self.log_tail()
            self._force_stop()
            raise ServerError(
                f"{self.kind} server (pid {self.pid}) did not stop within {timeout:.0f} s;"
                f" it was killed. Log tail:\n{tail}"
            )
        self._after_exit()

    def kill(self):
        """SIGKILL the server by PID, as a crash would. Its log is not reported as a crash."""
        self.killed_on_purpose = True
        self.expect_crash()
        if self.running:
            self._kill_process_tree()
        self.process = None
        self._after_exit()

    def restart(self, **kwargs):
        """Stop gracefully (kwargs go to stop) and start again, on the same port and data."""
        self.stop(**kwargs)
        return self.start()

    def _stop_signal(self, **kwargs):
        if kwargs:
            raise TypeError(f"unexpected stop options for {self.kind}: {sorted(kwargs)}")
        return signal.SIGTERM

    def _kill_process_tree(self):
        pid = self.process.pid
        children = _children_of(pid)
        os.kill(pid, signal.SIGKILL)
        self.process.wait()
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not _wait_pids_gone(children, 10):
            raise ServerError(f"children {children} of {self.kind} pid {pid} did not exit")

    def _force_stop(self):
        if self.process is not None and self.process.poll() is None:
            self._kill_process_tree()
        self.process = None

    def cleanup(self):
        """Stop (or kill) the server and remove its directory. Safe to call twice."""
        if self._cleaned:
            return
        try:
            if self.running:
                try:
                    self.stop(timeout=20)
                except ServerError:
                    pass
            self._force_stop()
        finally:
            self._cleaned = True
            _live_servers.discard(self)
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- crash detection --------------------------------------------------------------------

    def expect_crash(self):
        """Do not report crash lines written to the log from now until the next start()."""
        if self._open_allowance is None:
            self._open_allowance = self._log_size()

    def ignore_crashes(self):
        """Do not report any crash line in this server's log (whole test)."""
        self._allowed_ranges.append((0, float("inf")))

    def _close_allowance(self):
        if self._open_allowance is not None:
            self._allowed_ranges.append((self._open_allowance, self._log_size()))
            self._open_allowance = None

    def crash_lines(self):
        """Log lines that show a crash, leaving out those from deliberate kills."""
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        ranges = list(self._allowed_ranges)
        if self._open_allowance is not None:
            ranges.append((self._open_allowance, float("inf")))
        found = []
        offset = 0
        for raw in data.splitlines(keepends=True):
            start = offset
            offset += len(raw)
            line = raw.decode(errors="replace").rstrip("\n")
            if not any(re.search(p, line) for p in self.crash_patterns):
                continue
            if any(lo <= start < hi for lo, hi in ranges):
                continue
            found.append(line)
        return found

    # -- hooks ------------------------------------------------------------------------------

    def _prepare(self):
        pass

    def _command(self):
        raise NotImplementedError

    def _wait_ready(self, timeout):
        raise NotImplementedError

    def _after_start(self):
        pass

    def _after_exit(self):
        self.process = None

    def _port_changed(self):
        pass

    def _log_since_spawn(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._spawn_offset)
            return f.read().decode(errors="replace")

    def _port_in_use_logged(self):
        text = self._log_since_spawn().lower()
        return "address already in use" in text or "could not create listen socket" in text

    def _fail_start(self, why):
        raise ServerError(
            f"{self.kind} server on port {self.port} {why}.\n"
            f"log {self.log_path}, last lines:\n{self.log_tail()}"
        )

    def _check_alive(self):
        if self.process is None or self.process.poll() is not None:
            code = self.process.returncode if self.process is not None else None
            self._fail_start(f"exited during start (exit code {code})")


# ---------------------------------------------------------------------------------------------
# NATS


class NatsServer(Server):
    """nats-server with JetStream, store in the temp dir.

    config: extra configuration file text (e.g. 'jetstream { sync_interval: always }'),
    monitor: also open the HTTP monitoring port (.monitor_port, .monitor_url).
    """

    kind = "nats"
    crash_patterns = (r"panic", r"fatal error:")

    def __init__(self, config=None, monitor=True, base_dir=None, port=None, args=()):
        super().__init__(base_dir=base_dir, port=port)
        self.store_dir = os.path.join(self.base_dir, "jetstream")
        self.config = config
        self.config_path = None
        self.monitor_port = free_port() if monitor else None
        self.args = list(args)

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self):
        if self.monitor_port is None:
            return None
        return f"http://127.0.0.1:{self.monitor_port}"

    def _prepare(self):
        os.makedirs(self.store_dir, exist_ok=True)
        if self.config:
            self.config_path = os.path.join(self.base_dir, "nats.conf")
            with open(self.config_path, "w") as f:
                f.write(self.config)
                f.write("\n")

    def _command(self):
        cmd = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store_dir]
        if self.config_path:
            cmd += ["-c", self.config_path]
        if self.monitor_port:
            cmd += ["-m", str(self.monitor_port)]
        cmd += self.args
        return cmd, {}

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            ready = "Server is ready" in self._log_since_spawn()
            if ready and self._info_answers():
                return
            time.sleep(0.02)
        self._fail_start(f"was not ready within {timeout:.0f} s")

    def _info_answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(5) == b"INFO "
        except OSError:
            return False

    def _port_changed(self):
        if self.monitor_port:
            self.monitor_port = free_port()

    def jsz(self):
        """JetStream state from the monitoring endpoint /jsz, as a dict."""
        import json
        import urllib.request

        if not self.monitor_url:
            raise ServerError("nats server was started without a monitoring port")
        with urllib.request.urlopen(self.monitor_url + "/jsz", timeout=5) as r:
            return json.loads(r.read())


# ---------------------------------------------------------------------------------------------
# PostgreSQL


OUTPUT_PLUGINS = "pgoutput, test_decoding, wal2json, dbchangetracking"
_allow_list = None


def pg_has_output_plugin_allow_list():
    """PostgreSQL 15.20+ loads only the output plugins named in output_plugin_libraries."""
    global _allow_list
    if _allow_list is None:
        out = subprocess.run([os.path.join(PG_BIN, "postgres"), "--describe-config"],
                             capture_output=True, text=True).stdout
        _allow_list = any(line.startswith("output_plugin_libraries\t") for line in out.splitlines())
    return _allow_list


def pg_extension_installed(name="dbchangetracking"):
    """Whether the extension's shared library is in PostgreSQL's pkglibdir."""
    try:
        libdir = subprocess.run(
            [os.path.join(PG_BIN, "pg_config"), "--pkglibdir"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        libdir = "/usr/lib/postgresql/15/lib"
    return os.path.exists(os.path.join(libdir, f"{name}.so"))


def decoding_conf_lines():
    """postgresql.conf lines and preload flag for output plugin tests (and bench/).

    DBCT_PG_DYNAMIC_LIBRARY_PATH (e.g. '<worktree>/pg_extension:$libdir') makes the server load
    dbchangetracking.so from a build directory instead of PostgreSQL's pkglibdir, without
    preloading it; unset, the installed extension is used as everywhere else.
    """
    path = os.environ.get("DBCT_PG_DYNAMIC_LIBRARY_PATH")
    if not path:
        return [], None
    return [f"dynamic_library_path = '{path}'"], False


class _Template:
    """A directory prepared once per process and copied for every server."""

    def __init__(self):
        self.lock = threading.Lock()
        self.path = None
        self.root = None

    def get(self, build):
        with self.lock:
            if self.path is None:
                _sweep_once()
                self.root = tempfile.mkdtemp(prefix="dbct-template-")
                os.chmod(self.root, 0o755)
                _mark_owner(self.root)
                try:
                    self.path = build(self.root)
                except BaseException:
                    shutil.rmtree(self.root, ignore_errors=True)
                    self.root = None
                    raise
            return self.path

    def remove(self):
        with self.lock:
            if self.root:
                shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
            self.path = None


_pg_template = _Template()
_mariadb_template = _Template()


def cleanup_templates():
    _pg_template.remove()
    _mariadb_template.remove()


# atexit runs handlers last-registered first: servers stop before their templates go.
atexit.register(cleanup_templates)
atexit.register(_cleanup_live_servers)


def _pg_run_kwargs():
    """Popen arguments that run PostgreSQL programs as `postgres` when we are root."""
    if not running_as_root():
        return {}
    uid, gid = _os_user_ids("postgres")
    return {"user": uid, "group": gid, "extra_groups": [], "env": _pg_env()}


def _pg_env():
    env = dict(os.environ)
    env.pop("PGDATA", None)
    if running_as_root():
        env["HOME"] = "/var/lib/postgresql"
        env["USER"] = env["LOGNAME"] = "postgres"
    env["LC_ALL"] = "C.UTF-8"
    return env


def _run_initdb(data, extra_args=(), cwd=None):
    kwargs = _pg_run_kwargs()
    kwargs["env"] = _pg_env()
    cmd = [os.path.join(PG_BIN, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
           "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", *extra_args]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, **kwargs)
    if result.returncode != 0:
        raise ServerError(f"initdb failed (exit {result.returncode}): {' '.join(cmd)}\n"
                          f"{result.stdout}\n{result.stderr}")


def _build_pg_template(root):
    data = os.path.join(root, "data")
    if running_as_root():
        _chown_tree(root, *_os_user_ids("postgres"))
    _run_initdb(data, cwd=root)
    return data


class PostgresServer(Server):
    """A throwaway PostgreSQL 15 cluster.

    conf_lines: extra postgresql.conf lines (later lines win over ours).
    preload: load the dbchangetracking library at start; default: when it is installed.
    """

    kind = "postgres"
    crash_patterns = (r"terminated by signal", r"was terminated by", r"PANIC")
    superuser = "postgres"

    def __init__(self, conf_lines=(), preload=None, initdb_args=None, base_dir=None, port=None):
        super().__init__(base_dir=base_dir, port=port)
        self.data_dir = os.path.join(self.base_dir, "data")
        self.socket_dir = os.path.join(self.base_dir, "sock")
        self.conf_lines = list(conf_lines)
        self.preload = pg_extension_installed() if preload is None else preload
        # Own initdb arguments (e.g. ['--data-checksums']) mean an own initdb, not the template.
        self.initdb_args = list(initdb_args) if initdb_args is not None else None

    def _base_conf(self):
        lines = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.socket_dir}'",
            "wal_level = logical",
            "max_replication_slots = 16",
            "max_wal_senders = 16",
            "max_worker_processes = 16",
            "max_connections = 60",
            "shared_buffers = 32MB",
            "fsync = off",
            "full_page_writes = off",
            "log_line_prefix = '%m [%p] '",
            "log_min_messages = info",
            "logging_collector = off",
            "timezone = 'UTC'",
            "datestyle = 'iso, ymd'",
        ]
        if self.preload:
            lines.append("shared_preload_libraries = 'dbchangetracking'")
        if pg_has_output_plugin_allow_list():
            lines.append(f"output_plugin_libraries = '{OUTPUT_PLUGINS}'")
        return lines

    def _write_conf(self):
        # postgresql.conf from initdb stays as is; ours is included at its end, rewritten on
        # each start so a changed port or new lines take effect.
        path = os.path.join(self.data_dir, "dbct_test.conf")
        with open(path, "w") as f:
            f.write("# written by tests/integration/servers.py\n")
            for line in self._base_conf() + self.conf_lines:
                f.write(line + "\n")
        if running_as_root():
            os.chown(path, *_os_user_ids("postgres"))

    def set_conf(self, *lines):
        """Add postgresql.conf lines; they take effect at the next (re)start or reload."""
        self.conf_lines.extend(lines)
        if self.prepared:
            self._write_conf()

    def _prepare(self):
        if self.initdb_args is None:
            template = _pg_template.get(_build_pg_template)
            _copy_tree(template, self.data_dir)
        else:
            if running_as_root():
                os.chown(self.base_dir, *_os_user_ids("postgres"))
            _run_initdb(self.data_dir, self.initdb_args, cwd=self.base_dir)
        os.makedirs(self.socket_dir, exist_ok=True)
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write("\ninclude 'dbct_test.conf'\n")
        if running_as_root():
            uid, gid = _os_user_ids("postgres")
            os.chown(self.base_dir, uid, gid)
            os.chown(self.socket_dir, uid, gid)
            # The log is opened by us and handed over, but keep it readable by the server user.
            open(self.log_path, "ab").close()
            os.chown(self.log_path, uid, gid)

    def _command(self):
        self._write_conf()
        kwargs = _pg_run_kwargs()
        kwargs.setdefault("env", _pg_env())
        kwargs["cwd"] = self.base_dir
        return [os.path.join(PG_BIN, "postgres"), "-D", self.data_dir], kwargs

    def _wait_ready(self, timeout):
        import psycopg2

        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                conn = psycopg2.connect(self.dsn("postgres", connect_timeout=2))
                conn.close()
                return
            except psycopg2.OperationalError as e:
                last_error = str(e).strip()
            time.sleep(0.05)
        self._fail_start(f"was not ready within {timeout:.0f} s (last error: {last_error})")

    def _stop_signal(self, mode="fast"):
        signals = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
        if mode not in signals:
            raise ValueError(f"stop mode must be smart, fast or immediate (is {mode!r})")
        return signals[mode]

    def stop(self, mode="fast", timeout=STOP_TIMEOUT):
        """Stop the postmaster: mode 'fast' (default), 'smart' or 'immediate'."""
        super().stop(timeout=timeout, mode=mode)

    def restart(self, mode="fast"):
        return super().restart(mode=mode)

    def reload(self):
        """Re-read the configuration (SIGHUP)."""
        self._write_conf()
        os.kill(self.pid, signal.SIGHUP)

    # -- clients ----------------------------------------------------------------------------

    @property
    def host(self):
        return "127.0.0.1"

    def dsn(self, dbname="postgres", user=None, **params):
        parts = [f"host=127.0.0.1 port={self.port} dbname={dbname} user={user or self.superuser}"]
        parts += [f"{k}={v}" for k, v in params.items()]
        return " ".join(parts)

    def url(self, dbname="postgres", user=None):
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname="postgres", user=None, autocommit=True, **params):
        import psycopg2

        conn = psycopg2.connect(self.dsn(dbname, user, **params))
        conn.autocommit = autocommit
        return conn

    def execute(self, sql, params=None, dbname="postgres", user=None):
        """Run one statement in its own connection; returns all rows, or None without rows."""
        conn = self.connect(dbname, user)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description is not None else None
        finally:
            conn.close()

    def create_database(self, name):
        from psycopg2 import sql

        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        return name


# ---------------------------------------------------------------------------------------------
# MariaDB


def _build_mariadb_template(root):
    data = os.path.join(root, "data")
    cmd = [MARIADB_INSTALL_DB, "--no-defaults", f"--datadir={data}",
           "--auth-root-authentication-method=normal", "--skip-test-db",
           "--skip-name-resolve", "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M"]
    if running_as_root():
        cmd.append("--user=root")
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if result.returncode != 0:
        raise ServerError(
            f"mariadb-install-db failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return data


class MariaDBServer(Server):
    """A throwaway MariaDB server writing a ROW binlog with full row images and metadata.

    options: mariadbd options overriding ours, e.g. {'binlog_format': 'STATEMENT'};
    a value of None removes the option, True gives it without a value.
    A user `dbct`/`dbct` with all privileges (replication included) is created for clients.
    """

    kind = "mariadb"
    crash_patterns = (r"mysqld got signal", r"Assertion")
    user = "dbct"
    password = "dbct"

    def __init__(self, options=None, base_dir=None, port=None, **kw_options):
        super().__init__(base_dir=base_dir, port=port)
        self.data_dir = os.path.join(self.base_dir, "data")
        self.socket_path = os.path.join(self.base_dir, "mariadb.sock")
        self._user_created = False
        self.options = {}
        for name, value in {**(options or {}), **kw_options}.items():
            self.options[name.replace("-", "_")] = value

    def _effective_options(self):
        opts = {
            "datadir": self.data_dir,
            "socket": self.socket_path,
            "port": self.port,
            "bind_address": "127.0.0.1",
            "pid_file": os.path.join(self.base_dir, "mariadb.pid"),
            "tmpdir": self.base_dir,
            "log_bin": "mariadb-bin",
            "binlog_format": "ROW",
            "binlog_row_image": "FULL",
            "binlog_row_metadata": "FULL",
            "server_id": 1,
            "skip_name_resolve": True,
            "innodb_buffer_pool_size": "32M",
            "innodb_log_file_size": "16M",
            "innodb_flush_log_at_trx_commit": 2,
            "max_connections": 100,
            "character_set_server": "utf8mb4",
            "collation_server": "utf8mb4_general_ci",
        }
        if running_as_root():
            opts["user"] = "root"
        opts.update(self.options)
        return opts

    def _command(self):
        cmd = [MARIADBD, "--no-defaults"]
        for name, value in self._effective_options().items():
            if value is None or value is False:
                continue
            flag = "--" + name.replace("_", "-")
            cmd.append(flag if value is True else f"{flag}={value}")
        return cmd, {"cwd": self.base_dir}

    def _prepare(self):
        template = _mariadb_template.get(_build_mariadb_template)
        _copy_tree(template, self.data_dir)

    def _wait_ready(self, timeout):
        import pymysql

        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            self._check_alive()
            if os.path.exists(self.socket_path):
                try:
                    self.connect_root().close()
                    return
                except pymysql.err.MySQLError as e:
                    last_error = str(e)
            time.sleep(0.05)
        self._fail_start(f"was not ready within {timeout:.0f} s (last error: {last_error})")

    def _after_start(self):
        if self._user_created:
            return
        conn = self.connect_root()
        try:
            with conn.cursor() as cur:
                # Kept out of the binlog, so a test reading it sees only its own changes.
                cur.execute("SET SESSION sql_log_bin = 0")
                for host in ("127.0.0.1", "localhost", "%"):
                    cur.execute(f"CREATE USER IF NOT EXISTS '{self.user}'@'{host}'"
                                f" IDENTIFIED BY '{self.password}'")
                    cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{self.user}'@'{host}'"
                                " WITH GRANT OPTION")
        finally:
            conn.close()
        self._user_created = True

    def _port_in_use_logged(self):
        text = self._log_since_spawn().lower()
        return "address already in use" in text or "do you already have another" in text

    # -- clients ----------------------------------------------------------------------------

    @property
    def host(self):
        return "127.0.0.1"

    def connect_root(self, database=None, autocommit=True):
        """root over the unix socket, for administration."""
        import pymysql

        return pymysql.connect(unix_socket=self.socket_path, user="root", password="",
                               database=database, autocommit=autocommit, connect_timeout=5,
                               charset="utf8mb4")

    def connect(self, database=None, user=None, password=None, autocommit=True):
        """A TCP connection as the test user (or the given one)."""
        import pymysql

        return pymysql.connect(host="127.0.0.1", port=self.port, user=user or self.user,
                               password=self.password if password is None else password,
                               database=database, autocommit=autocommit, connect_timeout=5,
                               charset="utf8mb4")

    def execute(self, sql, params=None, database=None):
        """Run one statement in its own connection; returns all rows, or None without rows."""
        conn = self.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description is not None else None
        finally:
            conn.close()

    def create_database(self, name):
        self.execute(f"CREATE DATABASE `{name}`")
        return name

    def variable(self, name):
        rows = self.execute("SELECT @@GLOBAL." + name)
        return rows[0][0]
