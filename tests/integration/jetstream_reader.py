"""A minimal JetStream reader over a plain socket, for tests (no pip packages).

It speaks just enough of the NATS protocol to make JetStream API requests: stream info, get
a message by sequence, delete messages. Messages come back with their headers parsed.
"""

import base64
import json
import socket
import time
from urllib.parse import urlparse


class NatsProtocolError(RuntimeError):
    pass


class StoredMessage:
    def __init__(self, seq, subject, headers, data):
        self.seq = seq
        self.subject = subject
        self.headers = headers
        self.data = data

    def json(self):
        return json.loads(self.data)

    def __repr__(self):
        return f"StoredMessage(seq={self.seq}, subject={self.subject!r}, headers={self.headers})"


def _parse_headers(raw):
    headers = {}
    lines = raw.decode().split("\r\n")
    for line in lines[1:]:  # first line: NATS/1.0
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return headers


class JetStreamReader:
    def __init__(self, url, timeout=5.0):
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port or 4222), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.next_sid = 1
        self._read_line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                          b'"no_responders":true,"protocol":1}\r\nPING\r\n')
        while True:
            line = self._read_line()
            if line == b"PONG":
                break
            if line.startswith(b"-ERR"):
                raise NatsProtocolError(line.decode())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise NatsProtocolError("connection closed by the NATS server")
        self.buf += chunk

    def _read_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read_exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload=b"", timeout=None):
        """Sends a request and returns (headers, body) of the reply."""
        sid = self.next_sid
        self.next_sid += 1
        inbox = f"_INBOX.dbcttest.{sid}"
        if isinstance(payload, str):
            payload = payload.encode()
        self.sock.sendall(f"SUB {inbox} {sid}\r\nUNSUB {sid} 1\r\n".encode() +
                          f"PUB {subject} {inbox} {len(payload)}\r\n".encode() + payload + b"\r\n")
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            line = self._read_line()
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
                continue
            if line.startswith(b"-ERR"):
                raise NatsProtocolError(line.decode())
            parts = line.split()
            if not parts or parts[0] not in (b"MSG", b"HMSG"):
                continue
            if parts[0] == b"MSG":
                size = int(parts[-1])
                body = self._read_exact(size)
                headers = {}
            else:
                hdr_len, total = int(parts[-2]), int(parts[-1])
                raw = self._read_exact(total)
                headers = _parse_headers(raw[:hdr_len])
                body = raw[hdr_len:]
            if int(parts[2]) == sid:
                if headers.get("Status") == "503":
                    raise NatsProtocolError(f"no responders for {subject}")
                return headers, body
        raise NatsProtocolError(f"no reply to {subject} within {timeout or self.timeout} s")

    def api(self, subject, payload=None):
        _, body = self.request("$JS.API." + subject, json.dumps(payload) if payload else b"")
        reply = json.loads(body)
        return reply

    def stream_info(self, stream):
        """Stream info dict, or None when the stream does not exist."""
        reply = self.api(f"STREAM.INFO.{stream}")
        if "error" in reply:
            if reply["error"].get("err_code") == 10059:
                return None
            raise NatsProtocolError(str(reply["error"]))
        return reply

    def get(self, stream, seq):
        reply = self.api(f"STREAM.MSG.GET.{stream}", {"seq": seq})
        if "error" in reply:
            if reply["error"].get("err_code") == 10037:  # no message found (deleted)
                return None
            raise NatsProtocolError(str(reply["error"]))
        m = reply["message"]
        headers = _parse_headers(base64.b64decode(m["hdrs"])) if m.get("hdrs") else {}
        data = base64.b64decode(m["data"]) if m.get("data") else b""
        return StoredMessage(m["seq"], m["subject"], headers, data)

    def messages(self, stream, after_seq=0):
        """Every stored message of the stream with sequence > after_seq, in order."""
        info = self.stream_info(stream)
        if info is None:
            return []
        state = info["state"]
        result = []
        for seq in range(max(state["first_seq"], after_seq + 1), state["last_seq"] + 1):
            m = self.get(stream, seq)
            if m is not None:
                result.append(m)
        return result

    def all_messages(self, stream, timeout=60, batch=2000):
        """Every stored message of the stream, in order, fetched in batches through one pull
        consumer: fast for large streams (messages() asks for each message on its own)."""
        info = self.stream_info(stream)
        if info is None or info["state"]["messages"] == 0:
            return []
        last_seq = info["state"]["last_seq"]
        reply = self.api(f"CONSUMER.CREATE.{stream}", {"stream_name": stream, "config": {
            "deliver_policy": "all", "ack_policy": "none", "replay_policy": "instant",
            "inactive_threshold": 30_000_000_000}})
        if "error" in reply:
            raise NatsProtocolError(str(reply["error"]))
        consumer = reply["name"]
        sid = self.next_sid
        self.next_sid += 1
        inbox = f"_INBOX.dbcttest.all.{sid}"
        self.sock.sendall(f"SUB {inbox} {sid}\r\n".encode())
        result = []
        deadline = time.monotonic() + timeout
        while result[-1:] == [] or result[-1].seq < last_seq:
            if time.monotonic() > deadline:
                raise NatsProtocolError(f"read {len(result)} messages of {stream} within {timeout} s")
            pull = json.dumps({"batch": batch, "expires": 2_000_000_000}).encode()
            self.sock.sendall(f"PUB $JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer} {inbox} "
                              f"{len(pull)}\r\n".encode() + pull + b"\r\n")
            got = 0
            while got < batch:
                line = self._read_line()
                if line == b"PING":
                    self.sock.sendall(b"PONG\r\n")
                    continue
                parts = line.split()
                if not parts or parts[0] not in (b"HMSG", b"MSG"):
                    continue
                if parts[0] == b"MSG":
                    self._read_exact(int(parts[-1]))
                    continue
                hdr_len, total = int(parts[-2]), int(parts[-1])
                raw = self._read_exact(total)
                if int(parts[2]) != sid:
                    continue
                if len(parts) != 6:   # a status message (408 expired, 404 none): batch over
                    break
                # reply: $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>...
                seq = int(parts[3].decode().split(".")[5])
                result.append(StoredMessage(seq, parts[1].decode(), _parse_headers(raw[:hdr_len]),
                                            raw[hdr_len:]))
                got += 1
                if seq >= last_seq:
                    break
        self.sock.sendall(f"UNSUB {sid}\r\n".encode())
        self.api(f"CONSUMER.DELETE.{stream}.{consumer}")
        return result

    def delete_message(self, stream, seq):
        reply = self.api(f"STREAM.MSG.DELETE.{stream}", {"seq": seq, "no_erase": True})
        if "error" in reply:
            raise NatsProtocolError(str(reply["error"]))

    def kv_get(self, bucket, key):
        m = self.api(f"STREAM.MSG.GET.KV_{bucket}", {"last_by_subj": f"$KV.{bucket}.{key}"})
        if "error" in m:
            return None
        return json.loads(base64.b64decode(m["message"]["data"]))

    def kv_get_raw(self, bucket, key):
        """The key's last value as bytes (b"" for a delete marker), or None."""
        m = self.api(f"STREAM.MSG.GET.KV_{bucket}", {"last_by_subj": f"$KV.{bucket}.{key}"})
        if "error" in m:
            return None
        return base64.b64decode(m["message"].get("data") or "")


def stream_name(tracking):
    return f"dbchangetracking-{tracking}-stream"


def fetch_all(url, stream, after_seq=0, window=512, timeout=30.0):
    """Every stored message of `stream` after `after_seq`, in order, fetched with pipelined
    STREAM.MSG.GET requests (`window` outstanding): fast enough for 100,000s of messages."""
    with JetStreamReader(url, timeout=timeout) as r:
        info = r.stream_info(stream)
        if info is None:
            return []
        state = info["state"]
        first = max(state["first_seq"], after_seq + 1)
        last = state["last_seq"]
        sid = r.next_sid
        r.next_sid += 1
        prefix = f"_INBOX.dbctfetch.{sid}"
        r.sock.sendall(f"SUB {prefix}.* {sid}\r\n".encode())
        api = f"$JS.API.STREAM.MSG.GET.{stream}"
        got = {}
        next_seq = first
        outstanding = 0
        deadline = time.monotonic() + timeout
        while next_seq <= last or outstanding:
            if outstanding < window and next_seq <= last:
                chunk = []
                while outstanding < window and next_seq <= last:
                    body = b'{"seq":%d}' % next_seq
                    chunk.append(b"PUB %s %s.%d %d\r\n%s\r\n" % (api.encode(), prefix.encode(),
                                                                next_seq, len(body), body))
                    next_seq += 1
                    outstanding += 1
                r.sock.sendall(b"".join(chunk))
            if time.monotonic() > deadline:
                raise NatsProtocolError(f"reading stream {stream} took longer than {timeout} s")
            line = r._read_line()
            if line == b"PING":
                r.sock.sendall(b"PONG\r\n")
                continue
            if line.startswith(b"-ERR"):
                raise NatsProtocolError(line.decode())
            parts = line.split()
            if not parts or parts[0] not in (b"MSG", b"HMSG"):
                continue
            if parts[0] == b"MSG":
                body = r._read_exact(int(parts[-1]))
            else:
                raw = r._read_exact(int(parts[-1]))
                body = raw[int(parts[-2]):]
            outstanding -= 1
            reply = json.loads(body)
            if "error" in reply:
                if reply["error"].get("err_code") == 10037:  # deleted
                    continue
                raise NatsProtocolError(str(reply["error"]))
            m = reply["message"]
            headers = _parse_headers(base64.b64decode(m["hdrs"])) if m.get("hdrs") else {}
            data = base64.b64decode(m["data"]) if m.get("data") else b""
            got[m["seq"]] = StoredMessage(m["seq"], m["subject"], headers, data)
        return [got[s] for s in sorted(got)]
