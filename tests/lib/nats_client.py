"""A small synchronous NATS client for tests and the demo (no pip packages are available here).

Speaks the NATS text protocol over a socket: CONNECT, PUB/HPUB, SUB/UNSUB, MSG/HMSG, PING/PONG,
plus the few JetStream API calls the tests need. Not for production use.
"""
import json
import socket
import time
import urllib.parse


class NatsError(Exception):
    pass


class Msg:
    __slots__ = ("subject", "reply", "headers", "data")

    def __init__(self, subject, reply, headers, data):
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.data = data

    def json(self):
        return json.loads(self.data)


def _parse_headers(raw):
    """Parses 'NATS/1.0[ code desc]\\r\\nKey: value\\r\\n...' into a dict (status under ':status')."""
    lines = raw.decode("utf-8", "replace").split("\r\n")
    headers = {}
    status = lines[0][len("NATS/1.0"):].strip()
    if status:
        headers[":status"] = status
    for line in lines[1:]:
        if not line:
            continue
        key, _, value = line.partition(":")
        headers[key.strip()] = value.strip()
    return headers


class NatsClient:
    def __init__(self, url="nats://127.0.0.1:4222", timeout=10.0, user=None, password=None, token=None):
        parsed = urllib.parse.urlparse(url)
        self._sock = socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout)
        self._sock.settimeout(timeout)
        self._buf = b""
        self._sid = 0
        self._pending = []  # messages read while waiting for something else
        self._awaiting_pong = False
        info = self._readline()
        if not info.startswith(b"INFO "):
            raise NatsError(f"unexpected greeting from {url}: {info!r}")
        self.server_info = json.loads(info[5:])
        opts = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True,
                "protocol": 1, "lang": "python-test", "version": "0"}
        if user or parsed.username:
            opts["user"] = user or urllib.parse.unquote(parsed.username)
            opts["pass"] = password or urllib.parse.unquote(parsed.password or "")
        if token:
            opts["auth_token"] = token
        self._send(b"CONNECT " + json.dumps(opts).encode() + b"\r\nPING\r\n")
        while True:
            line = self._readline()
            if line == b"PONG":
                break
            if line.startswith(b"-ERR"):
                raise NatsError(line.decode())

    # --- low level -------------------------------------------------------------------------
    def _send(self, data):
        self._sock.sendall(data)

    def _fill(self):
        chunk = self._sock.recv(1 << 20)
        if not chunk:
            raise NatsError("connection closed by server")
        self._buf += chunk

    def _readline(self):
        while b"\r\n" not in self._buf:
            self._fill()
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line

    def _readn(self, n):
        while len(self._buf) < n + 2:
            self._fill()
        data, self._buf = self._buf[:n], self._buf[n + 2:]
        return data

    def _read_msg(self, deadline):
        """Reads protocol lines until a message arrives or the deadline passes (returns None)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._sock.settimeout(remaining)
            try:
                line = self._readline()
            except socket.timeout:
                return None
            if line == b"PING":
                self._send(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                parts = line.split()
                subject, sid = parts[1].decode(), parts[2]
                reply = parts[3].decode() if len(parts) == 5 else None
                data = self._readn(int(parts[-1]))
                return int(sid), Msg(subject, reply, {}, data)
            elif line.startswith(b"HMSG "):
                parts = line.split()
                subject, sid = parts[1].decode(), parts[2]
                reply = parts[3].decode() if len(parts) == 6 else None
                hlen, total = int(parts[-2]), int(parts[-1])
                payload = self._readn(total)
                return int(sid), Msg(subject, reply, _parse_headers(payload[:hlen]), payload[hlen:])
            elif line == b"PONG" and self._awaiting_pong:
                self._awaiting_pong = False
                return None
            elif line.startswith(b"-ERR"):
                raise NatsError(line.decode())
            # +OK, PONG, INFO: ignore

    # --- public API --------------------------------------------------------------------------
    def publish(self, subject, data=b"", headers=None, reply=None):
        if isinstance(data, str):
            data = data.encode()
        rep = f" {reply}" if reply else ""
        if headers:
            hdr = "NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            hdr = hdr.encode()
            self._send(f"HPUB {subject}{rep} {len(hdr)} {len(hdr) + len(data)}\r\n".encode() + hdr + data + b"\r\n")
        else:
            self._send(f"PUB {subject}{rep} {len(data)}\r\n".encode() + data + b"\r\n")

    def subscribe(self, subject):
        self._sid += 1
        self._send(f"SUB {subject} {self._sid}\r\n".encode())
        return self._sid

    def unsubscribe(self, sid):
        self._send(f"UNSUB {sid}\r\n".encode())

    def next_msg(self, sid=None, timeout=5.0):
        """The next message for subscription `sid` (any subscription when None), or None after
        `timeout` seconds."""
        for i, (psid, msg) in enumerate(self._pending):
            if sid is None or psid == sid:
                del self._pending[i]
                return msg
        deadline = time.monotonic() + timeout
        while True:
            got = self._read_msg(deadline)
            if got is None:
                return None
            if sid is None or got[0] == sid:
                return got[1]
            self._pending.append(got)

    def flush(self, timeout=10.0):
        """Round trip to the server: everything sent before has been processed by it."""
        self._send(b"PING\r\n")
        deadline = time.monotonic() + timeout
        self._awaiting_pong = True
        while self._awaiting_pong:
            got = self._read_msg(deadline)
            if got is None:
                if self._awaiting_pong:
                    raise NatsError("no PONG from the server before the timeout")
                break
            self._pending.append(got)

    def request(self, subject, data=b"", timeout=5.0, headers=None):
        inbox = f"_INBOX.test.{time.monotonic_ns()}"
        sid = self.subscribe(inbox)
        try:
            self.publish(subject, data, headers=headers, reply=inbox)
            msg = self.next_msg(sid, timeout)
        finally:
            self.unsubscribe(sid)
        if msg is None:
            raise NatsError(f"request to {subject} timed out")
        if msg.headers.get(":status", "").startswith("503"):
            raise NatsError(f"no responders for {subject}")
        return msg

    def close(self):
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- JetStream ----------------------------------------------------------------------------
    def js_api(self, api, body=None, timeout=5.0):
        payload = json.dumps(body).encode() if body is not None else b""
        reply = self.request(f"$JS.API.{api}", payload, timeout).json()
        if "error" in reply:
            raise NatsError(f"{api}: {reply['error']}")
        return reply

    def stream_info(self, stream):
        return self.js_api(f"STREAM.INFO.{stream}")

    def stream_msg(self, stream, seq=None, last_by_subject=None):
        """One stored message (subject, headers, data) by sequence or as the last on a subject."""
        body = {"seq": seq} if seq is not None else {"last_by_subj": last_by_subject}
        reply = self.js_api(f"STREAM.MSG.GET.{stream}", body)
        import base64
        m = reply["message"]
        headers = _parse_headers(base64.b64decode(m["hdrs"])) if m.get("hdrs") else {}
        data = base64.b64decode(m.get("data", ""))
        return Msg(m["subject"], None, headers, data), m["seq"]

    def get_last_msg(self, stream, subject):
        """(headers, data) of the last message stored on `subject`, or None when there is none."""
        try:
            msg, _ = self.stream_msg(stream, last_by_subject=subject)
        except NatsError:
            return None
        return msg.headers, msg.data

    def stream_messages(self, stream, timeout=30.0):
        """Every message stored in `stream`, in order."""
        expected = self.stream_info(stream)["state"]["messages"]
        return self.read_stream(stream, expected, timeout) if expected else []

    def read_stream(self, stream, count, timeout=30.0):
        """The first `count` messages of `stream`, in order, through an ephemeral push consumer
        with flow control."""
        inbox = f"_INBOX.consume.{time.monotonic_ns()}"
        sid = self.subscribe(inbox)
        self.js_api(f"CONSUMER.CREATE.{stream}", {
            "stream_name": stream,
            "config": {"deliver_subject": inbox, "deliver_policy": "all", "ack_policy": "none",
                       "replay_policy": "instant", "flow_control": True, "idle_heartbeat": 1_000_000_000,
                       "mem_storage": True, "inactive_threshold": 10_000_000_000,
                       "max_deliver": 1}})
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            msg = self.next_msg(sid, max(0.1, deadline - time.monotonic()))
            if msg is None:
                raise NatsError(f"read {len(out)} of {count} messages of {stream} before the timeout")
            if msg.headers.get(":status", "").startswith("100"):
                if msg.reply:  # flow control request
                    self.publish(msg.reply, b"")
                continue
            out.append(msg)
        self.unsubscribe(sid)
        return out
