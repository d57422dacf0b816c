"""Minimal nats_server fixture for test_nats_publisher.py until the shared conftest fixture
is merged (same interface: .url .port .pid .store_dir .start() .stop() .kill() .restart())."""
import os
import signal
import socket
import subprocess
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalNatsServer:
    def __init__(self, base_dir):
        self.base_dir = str(base_dir)
        self.port = free_port()
        self.store_dir = os.path.join(self.base_dir, "jetstream")
        self.log_path = os.path.join(self.base_dir, "nats.log")
        self.proc = None

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=10):
        os.makedirs(self.store_dir, exist_ok=True)
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store_dir],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited at start; see " + self.log_path)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(5) == b"INFO ":
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nats-server was not ready within %d s" % timeout)

    def _signal_and_wait(self, sig, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        os.kill(self.proc.pid, sig)
        self.proc.wait(timeout)
        self.proc = None

    def stop(self):
        self._signal_and_wait(signal.SIGTERM)

    def kill(self):
        self._signal_and_wait(signal.SIGKILL)

    def restart(self):
        self.stop()
        self.start()

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


@pytest.fixture
def nats_server(tmp_path):
    server = LocalNatsServer(tmp_path)
    server.start()
    yield server
    server.stop()
    assert "panic" not in server.log_text()
