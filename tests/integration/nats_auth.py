"""Secrets for NATS security tests, made on the spot with Debian's openssl CLI and python3.

    make_pki(directory)            a CA, a server certificate for 127.0.0.1 and a client
                                   certificate (plus a second, unrelated CA) as PEM files
    make_operator(directory)       operator-mode NATS: server config text and a user .creds file

NATS operator mode (SPEC §6 "creds file") needs three signed JWTs: operator -> account -> user.
nsc is not packaged, so they are built here: nkeys are ed25519 keys written as base32 of
(prefix byte(s) + 32 key bytes + CRC-16/XMODEM little endian); a JWT is
base64url(header).base64url(claims).base64url(ed25519 signature), signed by the issuer's key.
openssl makes the keys and the signatures.
"""

import base64
import hashlib
import json
import os
import subprocess
import time


def _run(*args):
    return subprocess.run(args, check=True, capture_output=True).stdout


# ---- TLS --------------------------------------------------------------------------------------


def _make_ca(directory, name):
    key, cert = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.pem")
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", "-keyout", key, "-out", cert,
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, cert


def _make_leaf(directory, name, ca_key, ca_cert, extensions):
    key, csr = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.csr")
    cert, ext = os.path.join(directory, f"{name}.pem"), os.path.join(directory, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(extensions)
    _run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
         "-keyout", key, "-out", csr)
    _run("openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
         "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert)
    return key, cert


def make_pki(directory):
    """PEM files in directory; returns a dict of their paths."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_cert = _make_ca(directory, "ca")
    server_key, server_cert = _make_leaf(
        directory, "server", ca_key, ca_cert,
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    client_key, client_cert = _make_leaf(
        directory, "client", ca_key, ca_cert, "extendedKeyUsage=clientAuth\n")
    _, other_ca = _make_ca(directory, "other-ca")
    return {"ca": ca_cert, "server_cert": server_cert, "server_key": server_key,
            "client_cert": client_cert, "client_key": client_key, "other_ca": other_ca}


# ---- nkeys and JWTs ---------------------------------------------------------------------------

_PREFIX = {"operator": 14 << 3, "account": 0, "user": 20 << 3}
_PREFIX_SEED = 18 << 3


def _crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _nkey_text(raw):
    raw = bytes(raw)
    return base64.b32encode(raw + _crc16(raw).to_bytes(2, "little")).decode().rstrip("=")


def _b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class NKey:
    """An ed25519 key pair held as an openssl PEM file, with its nkey public key and seed."""

    def __init__(self, directory, kind):
        self.kind = kind
        self.pem = os.path.join(directory, f"{kind}-{os.urandom(4).hex()}.ed25519.pem")
        _run("openssl", "genpkey", "-algorithm", "ed25519", "-out", self.pem)
        # The DER encodings end with the 32 raw key bytes.
        private = _run("openssl", "pkey", "-in", self.pem, "-outform", "DER")[-32:]
        public = _run("openssl", "pkey", "-in", self.pem, "-pubout", "-outform", "DER")[-32:]
        prefix = _PREFIX[kind]
        self.public = _nkey_text(bytes([prefix]) + public)
        self.seed = _nkey_text(bytes([_PREFIX_SEED | (prefix >> 5), (prefix & 31) << 3]) + private)

    def sign(self, data):
        # pkeyutl -rawin needs a file it can size (not a pipe) for one-shot ed25519 signing
        path = self.pem + ".data"
        with open(path, "wb") as f:
            f.write(data)
        return _run("openssl", "pkeyutl", "-sign", "-rawin", "-inkey", self.pem, "-in", path)


def _jwt(issuer, subject, name, nats):
    header = _b64url(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    claims = {"iat": int(time.time()) - 60, "iss": issuer.public, "sub": subject, "name": name,
              "nats": dict(nats, version=2)}
    claims["jti"] = base64.b32encode(hashlib.sha256(json.dumps(claims).encode()).digest()).decode().rstrip("=")
    body = header + "." + _b64url(json.dumps(claims).encode())
    return body + "." + _b64url(issuer.sign(body.encode()))


def make_operator(directory):
    """Operator-mode NATS with a JetStream-enabled account and one user.

    Returns (server config text, creds file path, user seed). The creds file holds the user
    JWT and the user's nkey seed, as nsc writes it.
    """
    os.makedirs(directory, exist_ok=True)
    operator, account, user = (NKey(directory, k) for k in ("operator", "account", "user"))
    system = NKey(directory, "account")  # JetStream needs a system account in operator mode
    unlimited = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                 "wildcards": True, "conn": -1, "leaf": -1,
                 "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1}
    operator_jwt = _jwt(operator, operator.public, "test-operator", {"type": "operator"})
    account_jwt = _jwt(operator, account.public, "test-account",
                       {"type": "account", "limits": unlimited,
                        "default_permissions": {"pub": {}, "sub": {}}})
    system_jwt = _jwt(operator, system.public, "SYS", {"type": "account"})
    user_jwt = _jwt(account, user.public, "test-user",
                    {"type": "user", "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1})
    operator_path = os.path.join(directory, "operator.jwt")
    with open(operator_path, "w") as f:
        f.write(operator_jwt)
    creds = os.path.join(directory, "user.creds")
    with open(creds, "w") as f:
        f.write("-----BEGIN NATS USER JWT-----\n" + user_jwt + "\n------END NATS USER JWT------\n\n"
                "************************* IMPORTANT *************************\n"
                "NKEY Seed printed below can be used to sign and prove identity.\n\n"
                "-----BEGIN USER NKEY SEED-----\n" + user.seed + "\n------END USER NKEY SEED------\n")
    os.chmod(creds, 0o600)
    config = (f'operator: "{operator_path}"\n'
              f"system_account: {system.public}\n"
              "resolver: MEMORY\n"
              f'resolver_preload: {{ {account.public}: "{account_jwt}", '
              f'{system.public}: "{system_jwt}" }}\n')
    return config, creds, user.seed
