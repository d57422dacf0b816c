"""Fixtures that start real servers for the integration tests.

    nats_server, postgres_server, mariadb_server      one started server per test
    make_nats_server(**opts), make_postgres_server(conf_lines=..., preload=...),
    make_mariadb_server(**options)                    factories for special settings
    decoding_server                                   PostgreSQL for output plugin tests: the
                                                      installed dbchangetracking, or the build
                                                      in DBCT_PG_DYNAMIC_LIBRARY_PATH
    build_dir, repo_root                              where the built binaries and sources are

Every server a test started is stopped when the test ends, pass or fail. After the test, its
server logs are read and the test fails if one shows a crash (a deliberate server.kill() or a
server.expect_crash() is not reported).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# tests/lib: the small NATS client every test uses (`from nats_client import NatsClient`)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import servers  # noqa: E402
from servers import MariaDBServer, NatsServer, PostgresServer  # noqa: E402,F401

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def build_dir():
    return os.path.abspath(os.environ.get("DBCT_BUILD_DIR") or os.path.join(REPO_ROOT, "build"))


@pytest.fixture(scope="session", autouse=True)
def _server_templates():
    yield
    servers.cleanup_templates()


class _ServerPool:
    """The servers one test started; stopped and checked for crashes at its end."""

    def __init__(self):
        self.servers = []

    def add(self, server, start=True):
        self.servers.append(server)
        if start:
            server.start()
        return server

    def crash_report(self):
        reports = []
        for server in self.servers:
            lines = server.crash_lines()
            if lines:
                shown = "\n  ".join(lines[:20])
                reports.append(f"{server.kind} server on port {server.port} (log "
                               f"{server.log_path}) shows a crash:\n  {shown}\n"
                               f"last log lines:\n{server.log_tail()}")
        return reports

    def cleanup(self):
        errors = []
        for server in reversed(self.servers):
            try:
                server.cleanup()
            except Exception as e:  # keep stopping the others
                errors.append(f"{server!r}: {e}")
        return errors


@pytest.fixture
def _server_pool(request):
    pool = _ServerPool()
    yield pool
    # Read logs before the directories go away; stopping first so shutdown crashes show too.
    # A server that does not stop in time is a bug too (a worker ignoring SIGTERM, say).
    stop_errors = []
    for server in pool.servers:
        if server.running:
            try:
                server.stop()
            except Exception as e:
                stop_errors.append(f"{server!r}: {e}")
    reports = pool.crash_report() + stop_errors
    keep = os.environ.get("DBCT_KEEP_SERVER_LOGS")
    if reports and keep:
        for server in pool.servers:
            _keep_log(server, keep, request.node.name)
    errors = pool.cleanup()
    if reports:
        pytest.fail("\n\n".join(reports), pytrace=False)
    if errors:
        pytest.fail("could not stop servers:\n" + "\n".join(errors), pytrace=False)


def _keep_log(server, directory, test_name):
    import shutil

    os.makedirs(directory, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in test_name)
    try:
        shutil.copy(server.log_path, os.path.join(directory, f"{safe}-{server.kind}-{server.port}.log"))
    except OSError:
        pass


@pytest.fixture
def make_nats_server(_server_pool):
    """make_nats_server(config=None, monitor=True, start=True) -> NatsServer"""

    def make(start=True, **opts):
        return _server_pool.add(NatsServer(**opts), start)

    return make


@pytest.fixture
def make_postgres_server(_server_pool):
    """make_postgres_server(conf_lines=(), preload=None, start=True) -> PostgresServer"""

    def make(start=True, **opts):
        return _server_pool.add(PostgresServer(**opts), start)

    return make


@pytest.fixture
def make_mariadb_server(_server_pool):
    """make_mariadb_server(binlog_format='STATEMENT', ..., start=True) -> MariaDBServer"""

    def make(start=True, **opts):
        return _server_pool.add(MariaDBServer(**opts), start)

    return make


@pytest.fixture
def nats_server(make_nats_server):
    return make_nats_server()


@pytest.fixture
def postgres_server(make_postgres_server):
    return make_postgres_server()


@pytest.fixture
def mariadb_server(make_mariadb_server):
    return make_mariadb_server()


@pytest.fixture
def decoding_server(make_postgres_server):
    conf_lines, preload = servers.decoding_conf_lines()
    return make_postgres_server(conf_lines=conf_lines, preload=preload)
