"""A tiny NATS client over a socket, enough to check JetStream from the tests.

No pip packages are available, so this speaks the text protocol directly: CONNECT, PUB/HPUB,
SUB, MSG/HMSG, PING/PONG, and JetStream API requests as plain request/reply.
"""
import base64
import itertools
import json
import socket
import time


class Msg:
    def __init__(self, subject, reply, headers, data, status=None, sid=None):
        self.sid = sid
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.data = data
        self.status = status

    def json(self):
        return json.loads(self.data)


def _parse_headers(block):
    lines = block.decode().split("\r\n")
    status = None
    first = lines[0].split(" ", 2)
    if len(first) > 1 and first[1].isdigit():
        status = int(first[1])
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        key, _, value = line.partition(":")
        headers[key.strip()] = value.strip()
    return status, headers


class NatsClient:
    def __init__(self, url, timeout=10.0):
        host_port = url.split("://", 1)[-1]
        host, _, port = host_port.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""
        self.sids = itertools.count(1)
        self.inbox_prefix = "_INBOX.pytest%d" % int(time.time() * 1e6)
        info = self._read_line()
        assert info.startswith(b"INFO "), info
        connect = {"verbose": False, "pedantic": False, "headers": True,
                   "no_responders": True, "protocol": 1, "name": "pytest"}
        self._send(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        while True:
            line = self._read_line()
            if line == b"PONG":
                break
            if line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from nats-server")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("nats-server closed the connection")
        self.buf += chunk

    def _read_line(self, deadline=None):
        deadline = deadline or time.monotonic() + 10
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def subscribe(self, subject):
        sid = next(self.sids)
        self._send(b"SUB %s %d\r\n" % (subject.encode(), sid))
        return sid

    def unsubscribe(self, sid):
        self._send(b"UNSUB %d\r\n" % sid)

    def publish(self, subject, data=b"", reply=None, headers=None):
        if isinstance(data, str):
            data = data.encode()
        reply_part = (" " + reply) if reply else ""
        if headers:
            hdr = "NATS/1.0\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
            hdr = hdr.encode()
            self._send(b"HPUB %s%s %d %d\r\n" % (subject.encode(), reply_part.encode(), len(hdr),
                                                 len(hdr) + len(data)) + hdr + data + b"\r\n")
        else:
            self._send(b"PUB %s%s %d\r\n" % (subject.encode(), reply_part.encode(), len(data))
                       + data + b"\r\n")

    def flush(self, timeout=10):
        self._send(b"PING\r\n")
        deadline = time.monotonic() + timeout
        pending = []
        while True:
            msg = self._next(deadline, pong_ok=True)
            if msg is None:
                break
            pending.append(msg)
        self._pending = getattr(self, "_pending", []) + pending

    def _next(self, deadline, pong_ok=False):
        while True:
            line = self._read_line(deadline)
            if line == b"PING":
                self._send(b"PONG\r\n")
                continue
            if line == b"PONG":
                if pong_ok:
                    return None
                continue
            if line.startswith(b"+OK") or line.startswith(b"INFO"):
                continue
            if line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())
            parts = line.split(b" ")
            if parts[0] == b"MSG":
                subject = parts[1].decode()
                reply = parts[3].decode() if len(parts) == 5 else None
                size = int(parts[-1])
                data = self._read_exact(size + 2, deadline)[:-2]
                return Msg(subject, reply, {}, data, sid=int(parts[2]))
            if parts[0] == b"HMSG":
                subject = parts[1].decode()
                reply = parts[3].decode() if len(parts) == 6 else None
                hsize, total = int(parts[-2]), int(parts[-1])
                payload = self._read_exact(total + 2, deadline)[:-2]
                status, headers = _parse_headers(payload[:hsize])
                return Msg(subject, reply, headers, payload[hsize:], status, sid=int(parts[2]))
            raise RuntimeError("unexpected protocol line %r" % line)

    def next_msg(self, timeout=10):
        pending = getattr(self, "_pending", [])
        if pending:
            return pending.pop(0)
        return self._next(time.monotonic() + timeout)

    def request(self, subject, data=b"", timeout=5, headers=None):
        inbox = "%s.%d" % (self.inbox_prefix, next(self.sids))
        sid = self.subscribe(inbox)
        self.publish(subject, data, reply=inbox, headers=headers)
        deadline = time.monotonic() + timeout
        try:
            while True:
                msg = self._next(deadline)
                if msg.subject == inbox:
                    return msg
                self._pending = getattr(self, "_pending", []) + [msg]
        finally:
            self.unsubscribe(sid)

    # ---- JetStream ---------------------------------------------------------------------------

    def js_api(self, api, body=None, timeout=5):
        data = json.dumps(body).encode() if body is not None else b""
        msg = self.request("$JS.API." + api, data, timeout=timeout)
        if msg.status == 503:
            raise RuntimeError("no JetStream responders for " + api)
        return msg.json()

    def stream_info(self, stream):
        return self.js_api("STREAM.INFO." + stream)

    def get_last_msg(self, stream, subject):
        """Returns (headers, data) of the last message on subject, or None."""
        reply = self.js_api("STREAM.MSG.GET." + stream, {"last_by_subj": subject})
        if "error" in reply:
            return None
        message = reply["message"]
        headers = {}
        if message.get("hdrs"):
            _, headers = _parse_headers(base64.b64decode(message["hdrs"]))
        return headers, base64.b64decode(message.get("data", ""))

    def read_stream(self, stream, count, timeout=60):
        """Reads `count` messages from the start of the stream through an ephemeral push
        consumer with flow control; returns a list of Msg in stream order."""
        deliver = "%s.deliver%d" % (self.inbox_prefix, next(self.sids))
        sid = self.subscribe(deliver)
        config = {"deliver_subject": deliver, "ack_policy": "none", "deliver_policy": "all",
                  "flow_control": True, "idle_heartbeat": 1_000_000_000, "mem_storage": True}
        reply = self.js_api("CONSUMER.CREATE." + stream,
                            {"stream_name": stream, "config": config})
        assert "error" not in reply, reply
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            pending = getattr(self, "_pending", [])
            msg = pending.pop(0) if pending else self._next(deadline)
            if msg.sid != sid:  # JetStream delivers with the message's own subject
                continue
            if msg.status == 100:  # flow control or heartbeat
                if msg.reply:
                    self.publish(msg.reply)
                continue
            out.append(msg)
        self.unsubscribe(sid)
        return out
