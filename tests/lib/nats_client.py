"""The one small synchronous NATS client for tests, the demo and the bench (no pip packages
are available here).

Speaks the NATS text protocol over a socket: CONNECT, PUB/HPUB, SUB/UNSUB, MSG/HMSG, PING/PONG,
plus the JetStream API calls the tests need. Not for production use.

Reading keeps up with 100,000s of messages: the receive buffer is parsed in place from an
offset (never copied per message), headers are parsed only when asked for, and whole streams
are read through a pull consumer in large batches.
"""
import base64
import json
import socket
import time
import urllib.parse


class NatsError(RuntimeError):
    pass


_NOT_FOUND = {10059, 10037}  # JetStream err_code: stream not found, no message found


def stream_name(tracking):
    """The JetStream stream of a tracking (SPEC: dbchangetracking-<name>-stream)."""
    return f"dbchangetracking-{tracking}-stream"


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


class Msg:
    """A message: subject, reply, headers (dict), data (bytes) and, for a message read from a
    stream, its stream sequence `seq`."""
    __slots__ = ("subject", "reply", "data", "seq", "_raw_headers", "_headers")

    def __init__(self, subject, reply, headers, data, seq=None):
        self.subject = subject
        self.reply = reply
        self.data = data
        self.seq = seq
        # headers are bytes until first asked for: bulk reads never pay for unread headers
        self._raw_headers = headers if isinstance(headers, (bytes, bytearray)) else None
        self._headers = None if self._raw_headers is not None else (headers or {})

    @property
    def headers(self):
        if self._headers is None:
            self._headers = _parse_headers(self._raw_headers)
        return self._headers

    @property
    def status(self):
        """The status code of a server status message ('100', '404', '408', '503'...), or ''."""
        if self._raw_headers is not None and self._headers is None:
            end = self._raw_headers.find(b"\r\n")
            return self._raw_headers[len(b"NATS/1.0"):end].strip()[:3].decode()
        return self.headers.get(":status", "")[:3]

    def json(self):
        return json.loads(self.data)

    def __repr__(self):
        return f"Msg(subject={self.subject!r}, seq={self.seq}, headers={self.headers}, data={self.data[:80]!r})"


def _ack_seq_pending(reply):
    """(stream sequence, pending count) from a JetStream delivery's reply subject:
    $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>
    (servers 2.10+ may add <domain>.<account hash> after $JS.ACK and a token at the end)."""
    tokens = reply.split(".")
    base = 2 if len(tokens) == 9 else 4
    return int(tokens[base + 3]), int(tokens[base + 6])


class NatsClient:
    def __init__(self, url="nats://127.0.0.1:4222", timeout=10.0, user=None, password=None, token=None):
        if isinstance(url, int):
            url = f"nats://127.0.0.1:{url}"
        parsed = urllib.parse.urlparse(url if "://" in url else "nats://" + url)
        self._timeout = timeout
        self._sock = socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout)
        self._buf = bytearray()
        self._pos = 0  # where unparsed data starts in _buf
        self._deadline = None  # for the read under way; None: the connection's timeout
        self._sid = 0
        self._pending = []  # messages read while waiting for something else
        self._awaiting_pong = False
        self.received_at = 0.0  # time.time() of the latest recv: when the last message came in
        info = self._readline()
        if not info.startswith(b"INFO "):
            raise NatsError(f"{url} does not speak the NATS protocol (greeting {info[:40]!r})")
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
        if self._pos:
            del self._buf[:self._pos]  # only the unparsed tail is moved, not the whole buffer
            self._pos = 0
        if self._deadline is None:
            self._sock.settimeout(self._timeout)
        else:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("timed out")
            self._sock.settimeout(remaining)
        chunk = self._sock.recv(1 << 20)
        if not chunk:
            raise NatsError("connection closed by the NATS server")
        self.received_at = time.time()
        self._buf += chunk

    def _readline(self):
        while True:
            end = self._buf.find(b"\r\n", self._pos)
            if end >= 0:
                line = bytes(self._buf[self._pos:end])
                self._pos = end + 2
                return line
            self._fill()

    def _readn(self, n):
        while len(self._buf) - self._pos < n + 2:
            self._fill()
        data = bytes(self._buf[self._pos:self._pos + n])
        self._pos += n + 2
        return data

    def _read_msg(self, deadline):
        """Reads protocol lines until a message arrives, as (sid, Msg), or the deadline passes
        (returns None)."""
        self._deadline = deadline
        try:
            while True:
                try:
                    line = self._readline()
                except socket.timeout:
                    return None
                if line.startswith(b"HMSG "):
                    parts = line.split()
                    reply = parts[3].decode() if len(parts) == 6 else None
                    hlen, total = int(parts[-2]), int(parts[-1])
                    payload = self._readn(total)
                    return int(parts[2]), Msg(parts[1].decode(), reply, payload[:hlen], payload[hlen:])
                if line.startswith(b"MSG "):
                    parts = line.split()
                    reply = parts[3].decode() if len(parts) == 5 else None
                    return int(parts[2]), Msg(parts[1].decode(), reply, None, self._readn(int(parts[-1])))
                if line == b"PING":
                    self._send(b"PONG\r\n")
                elif line == b"PONG" and self._awaiting_pong:
                    self._awaiting_pong = False
                    return None
                elif line.startswith(b"-ERR"):
                    raise NatsError(line.decode())
                # +OK, PONG, INFO: ignore
        finally:
            self._deadline = None

    # --- core NATS -----------------------------------------------------------------------------
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
        self._pending = [(psid, msg) for psid, msg in self._pending if psid != sid]

    def next_msg(self, sid=None, timeout=5.0):
        """The next message for subscription `sid` (any subscription when None), or None after
        `timeout` seconds. `received_at` then tells when it came in."""
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
        """The reply Msg to one request; NatsError when nobody answers in time."""
        inbox = f"_INBOX.test.{time.monotonic_ns()}"
        sid = self.subscribe(inbox)
        try:
            self.publish(subject, data, headers=headers, reply=inbox)
            msg = self.next_msg(sid, timeout)
        finally:
            self.unsubscribe(sid)
        if msg is None:
            raise NatsError(f"no reply on subject {subject} within {timeout} s")
        if msg.status == "503":
            raise NatsError(f"no responders on subject {subject}")
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
        """The reply of $JS.API.<api> as a dict; NatsError for an error reply."""
        payload = json.dumps(body).encode() if body is not None else b""
        reply = self.request(f"$JS.API.{api}", payload, timeout).json()
        if "error" in reply:
            raise NatsError(f"{api}: {reply['error']}")
        return reply

    def _js_api_or_none(self, api, body=None):
        """js_api, but None when the stream or the message is not there."""
        payload = json.dumps(body).encode() if body is not None else b""
        reply = self.request(f"$JS.API.{api}", payload).json()
        if "error" in reply:
            if reply["error"].get("err_code") in _NOT_FOUND:
                return None
            raise NatsError(f"{api}: {reply['error']}")
        return reply

    def stream_info(self, stream):
        """The stream's info (config, state), or None when there is no such stream."""
        return self._js_api_or_none(f"STREAM.INFO.{stream}")

    def stream_msg(self, stream, seq=None, last_by_subject=None):
        """One stored message (with .seq) by sequence or as the last on a subject, or None
        when there is none (never stored, deleted, or no stream)."""
        body = {"seq": seq} if seq is not None else {"last_by_subj": last_by_subject}
        reply = self._js_api_or_none(f"STREAM.MSG.GET.{stream}", body)
        if reply is None:
            return None
        m = reply["message"]
        headers = base64.b64decode(m["hdrs"]) if m.get("hdrs") else None
        return Msg(m["subject"], None, headers, base64.b64decode(m.get("data") or ""), m["seq"])

    def delete_stream_msg(self, stream, seq):
        """Removes one stored message; its sequence stays taken (as after a crash lost it)."""
        self.js_api(f"STREAM.MSG.DELETE.{stream}", {"seq": seq, "no_erase": True})

    def kv_get(self, bucket, key):
        """The key's latest value as bytes (b"" for a delete marker), or None without one."""
        msg = self.stream_msg(f"KV_{bucket}", last_by_subject=f"$KV.{bucket}.{key}")
        return None if msg is None else msg.data

    def stream_messages(self, stream, count=None, after_seq=0, timeout=30.0, batch=5000):
        """Stored messages of `stream` with sequence > after_seq, in order, each with .seq:
        all those there when called (count None; [] without the stream), or the first `count`,
        waiting for them until `timeout`. Read in large batches through an ephemeral pull
        consumer: fast for 100,000s of messages."""
        config = {"ack_policy": "none", "replay_policy": "instant", "mem_storage": True,
                  "inactive_threshold": 30_000_000_000}
        if after_seq:
            config.update(deliver_policy="by_start_sequence", opt_start_seq=after_seq + 1)
        else:
            config["deliver_policy"] = "all"
        consumer = self._js_api_or_none(f"CONSUMER.CREATE.{stream}", {"stream_name": stream, "config": config})
        if consumer is None:
            if count is None:
                return []
            raise NatsError(f"no stream {stream} to read {count} messages from")
        # without a count: the messages pending when the consumer was made; a deletion meanwhile
        # shows up as a delivery with nothing pending after it
        wanted = count if count is not None else consumer["num_pending"]
        name = consumer["name"]
        out = []
        if wanted:
            inbox = f"_INBOX.pull.{time.monotonic_ns()}"
            sid = self.subscribe(inbox)
            next_api = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}"
            deadline = time.monotonic() + timeout
            done = False
            while not done and len(out) < wanted:
                if time.monotonic() > deadline:
                    raise NatsError(f"read {len(out)} of {wanted} messages of stream {stream} "
                                    f"within {timeout} s")
                asked = min(batch, wanted - len(out))
                self.publish(next_api, json.dumps({"batch": asked, "expires": 1_000_000_000}), reply=inbox)
                got = 0
                while got < asked:
                    msg = self.next_msg(sid, max(0.0, deadline - time.monotonic()) + 2.0)
                    if msg is None or msg.reply is None:  # a status (408 expired) ends the batch
                        break
                    msg.seq, pending = _ack_seq_pending(msg.reply)
                    out.append(msg)
                    got += 1
                    if count is None and pending == 0:
                        done = True
                        break
            self.unsubscribe(sid)
        try:
            self.js_api(f"CONSUMER.DELETE.{stream}.{name}")
        except NatsError:
            pass  # it goes away by itself when inactive
        return out
