"""NATS connection security (SPEC §4, §6, §10): user/password, token, mutual TLS and a .creds
file (operator/JWT mode), each against a real nats-server started with that configuration.

The publisher is driven by tests/tools/dbct_publish_check. A good connection must publish and be
acknowledged by JetStream; a bad one must fail at once (exit 1) with a message that names the
URL and the reason, and never shows a secret.
"""

import json
import os
import subprocess

import pytest

from nats_auth import make_operator, make_pki
from nats_client import NatsClient

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.path.abspath(os.environ.get("DBCT_BUILD_DIR") or os.path.join(REPO_ROOT, "build"))
TOOL = os.path.join(BUILD_DIR, "dbct_publish_check")
COUNT = 20


@pytest.fixture(autouse=True)
def _tool_built():
    if not os.path.exists(TOOL):
        pytest.fail("build the tools first: cmake --build build (missing %s)" % TOOL)


def publish(server, *args, url=None, timeout=60):
    cmd = [TOOL, "--url", url or server.url, "--name", "secure", "--count", str(COUNT),
           "--timeout-s", "20", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def assert_published(proc):
    assert proc.returncode == 0, f"publish failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["all_acked"] and summary["acked_watermark"] == COUNT, summary


def assert_refused(proc, url, *reason_words, secrets=()):
    """Exit 1, quickly, with one error line naming the URL and the reason."""
    assert proc.returncode == 1, f"expected exit 1, got {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    err = proc.stderr
    assert f"could not connect to NATS at {url}" in err, err
    for word in reason_words:
        assert word.lower() in err.lower(), f"{word!r} not in: {err}"
    for secret in secrets:
        assert secret not in err and secret not in proc.stdout, f"secret {secret!r} shown: {err}"


# ---- user/password and token ------------------------------------------------------------------


def test_user_password(make_nats_server):
    nats = make_nats_server(config='authorization { user: "dbct", password: "s3cret-pw" }')
    assert_published(publish(nats, "--user", "dbct", "--password", "s3cret-pw"))
    with NatsClient(nats.url, user="dbct", password="s3cret-pw") as nc:
        assert nc.stream_info("dbchangetracking-secure-stream")["state"]["messages"] == COUNT

    assert_refused(publish(nats, "--user", "dbct", "--password", "wrong-pw"), nats.url,
                   "authorization violation", secrets=("wrong-pw", "s3cret-pw"))
    assert_refused(publish(nats), nats.url, "authorization violation")


def test_password_in_url_is_not_printed(make_nats_server):
    nats = make_nats_server(config='authorization { user: "dbct", password: "s3cret-pw" }')
    url = nats.url.replace("nats://", "nats://dbct:s3cret-pw@")
    assert_published(publish(nats, url=url))
    proc = publish(nats, url=nats.url.replace("nats://", "nats://dbct:bad-pw@"))
    assert proc.returncode == 1 and "authorization violation" in proc.stderr.lower(), proc.stderr
    assert "bad-pw" not in proc.stderr and "dbct:******@" in proc.stderr


def test_token(make_nats_server):
    nats = make_nats_server(config='authorization { token: "t0ken-value" }')
    assert_published(publish(nats, "--token", "t0ken-value"))
    assert_refused(publish(nats, "--token", "other-token"), nats.url, "authorization violation",
                   secrets=("other-token", "t0ken-value"))


# ---- TLS --------------------------------------------------------------------------------------


@pytest.fixture
def pki(tmp_path):
    return make_pki(str(tmp_path / "pki"))


def test_mutual_tls(make_nats_server, pki):
    nats = make_nats_server(config=(
        "tls {\n"
        f'  cert_file: "{pki["server_cert"]}"\n  key_file: "{pki["server_key"]}"\n'
        f'  ca_file: "{pki["ca"]}"\n  verify: true\n  timeout: 5\n'
        "}"))
    assert_published(publish(nats, "--tls-ca", pki["ca"], "--tls-cert", pki["client_cert"],
                             "--tls-key", pki["client_key"]))

    # the server asks for a client certificate
    assert_refused(publish(nats, "--tls-ca", pki["ca"]), nats.url, "TLS client certificate")
    # the server's certificate is not signed by the CA given
    assert_refused(publish(nats, "--tls-ca", pki["other_ca"], "--tls-cert", pki["client_cert"],
                           "--tls-key", pki["client_key"]), nats.url, "SSL handshake error",
                   "unable to get local issuer certificate")
    # no TLS at all against a server that requires it
    assert_refused(publish(nats), nats.url, "SSL handshake error")


def test_tls_files_that_cannot_be_read_are_named(nats_server, pki, tmp_path):
    missing = str(tmp_path / "nope.pem")
    proc = publish(nats_server, "--tls-ca", missing)
    assert proc.returncode == 1 and missing in proc.stderr, proc.stderr
    proc = publish(nats_server, "--tls-ca", pki["ca"], "--tls-cert", pki["client_cert"])
    assert proc.returncode == 1 and "both a certificate and a key" in proc.stderr, proc.stderr


# ---- .creds (operator mode) -------------------------------------------------------------------


def test_creds_file(make_nats_server, tmp_path):
    config, creds, seed = make_operator(str(tmp_path / "operator"))
    nats = make_nats_server(config=config)
    assert_published(publish(nats, "--creds", creds))

    assert_refused(publish(nats), nats.url, "authorization violation")
    # a user the server does not know: same shape, other keys
    _, stranger, stranger_seed = make_operator(str(tmp_path / "stranger"))
    assert_refused(publish(nats, "--creds", stranger), nats.url, "authorization violation",
                   secrets=(stranger_seed, seed))


def test_bad_creds_files_are_named(nats_server, tmp_path):
    missing = str(tmp_path / "missing.creds")
    proc = publish(nats_server, "--creds", missing)
    assert proc.returncode == 1, proc.stderr
    assert f'could not read NATS credentials file "{missing}": No such file' in proc.stderr, proc.stderr

    garbage = tmp_path / "garbage.creds"
    garbage.write_text("this is not a creds file\n")
    proc = publish(nats_server, "--creds", str(garbage))
    assert proc.returncode == 1 and str(garbage) in proc.stderr, proc.stderr
