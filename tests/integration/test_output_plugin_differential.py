"""Differential check of the dbchangetracking output plugin against wal2json (format-version 2).

Two slots are created back to back before any change is made, one per plugin. One workload of
DBCT_DIFF_CHANGES row changes (default 100,000) runs: inserts, updates, primary key changes and
deletes, in single- and multi-statement transactions, on a REPLICA IDENTITY FULL table and a
DEFAULT one, with int8, text, numeric (declared scale and without), timestamptz, bool, jsonb,
uuid, float8 (NaN and infinity included), date (before and after 1970), bytea and int8[]/text[]
columns. Both slots are then read to the end and every decoded change must agree: the same
changes, in the same order, with the same transaction id, LSN, table, operation, before and
after images and values. The two formats write values differently; `to_common` is the one place
where each difference is mapped, and the mapping never guesses (an unexpected form fails).
"""

import base64
import datetime
import decimal
import json
import os
import time

import pytest

CHANGES = int(os.environ.get("DBCT_DIFF_CHANGES", "100000"))

# Column name -> type; the same columns in both tables, in this order.
COLUMNS = {
    "id": "int8",
    "txt": "text",
    "num": "numeric(12,4)",
    "nv": "numeric",
    "ts": "timestamptz",
    "flag": "bool",
    "doc": "jsonb",
    "uid": "uuid",
    "f8": "float8",
    "d": "date",
    "b": "bytea",
    "ia": "int8[]",
    "ta": "text[]",
}
TABLES = {"t_full": "FULL", "t_default": "DEFAULT"}

# Values as SQL expressions of the row number g (int8); nulls, quoting, escapes, non-ASCII text,
# negative and fractional numbers, non-finite floats, dates before 1970 and empty bytea included.
ROW_EXPRESSIONS = """
    g,
    CASE WHEN mod(g, 11) = 0 THEN NULL
         WHEN mod(g, 13) = 0 THEN E'quote " back\\\\ tab\\t nl\\n \u00e9 \u2713 ' || g
         ELSE 'row ' || g END,
    CASE WHEN mod(g, 17) = 0 THEN NULL
         ELSE mod(g * 12345, 100000000)::numeric / 10000 * (CASE WHEN mod(g, 2) = 0 THEN 1 ELSE -1 END)
    END,
    CASE WHEN mod(g, 29) = 0 THEN NULL ELSE g::numeric / 8 END,
    timestamptz '2024-01-01 00:00:00+00' + g * interval '1.234567 seconds',
    CASE WHEN mod(g, 19) = 0 THEN NULL ELSE mod(g, 2) = 0 END,
    jsonb_build_object('id', g, 'tags', jsonb_build_array('a', mod(g, 5), true),
                       'nested', jsonb_build_object('s', 'x"y', 'n', NULL)),
    md5(g::text)::uuid,
    CASE WHEN mod(g, 101) = 0 THEN 'NaN'::float8 WHEN mod(g, 103) = 0 THEN '-Infinity'::float8
         ELSE g::float8 / 7 END,
    date '1950-01-01' + (mod(g, 40000))::int,
    CASE WHEN mod(g, 23) = 0 THEN '\\x'::bytea ELSE decode(lpad(to_hex(g), 8, '0') || '00ff', 'hex') END,
    ARRAY[g, -g, NULL, g * 1000000000]::int8[],
    ARRAY['a', 'b,c', 'q"x', NULL, 'sp ace', g::text]
"""

UPDATE_SET = """
    txt = coalesce(txt, '') || ' u', num = num + 1.5, ts = ts + interval '1 day 1 microsecond',
    flag = NOT flag, doc = doc || '{"u": 1}', f8 = f8 * 2, d = d + 1, b = b || '\\x01'::bytea,
    ia = ia || 7::int8, ta = ta || 'u'::text
"""


def _create_tables(server):
    conn = server.connect()
    with conn.cursor() as cur:
        for table, identity in TABLES.items():
            columns = ", ".join(f"{name} {typ}" for name, typ in COLUMNS.items())
            cur.execute(f"CREATE TABLE {table} ({columns}, PRIMARY KEY (id))")
            cur.execute(f"ALTER TABLE {table} REPLICA IDENTITY {identity}")
    conn.close()


def _run_workload(server, target):
    """Makes exactly `target` row changes (as wal2json counts them) and returns the count."""
    conn = server.connect(autocommit=False)
    cur = conn.cursor()
    done = 0

    def run(sql, params=None):
        nonlocal done
        cur.execute(sql, params)
        done += cur.rowcount

    # Bulk phases make ~94% of the target per table pair; the rest is multi-statement transactions.
    rows = max(20, int(target * 0.30))
    batch = max(10, rows // 8)
    for start in range(1, rows + 1, batch):
        end = min(rows, start + batch - 1)
        for table in TABLES:
            run(f"INSERT INTO {table} SELECT {ROW_EXPRESSIONS} "
                "FROM generate_series(%s::int8, %s::int8) g", (start, end))
        conn.commit()
    for start in range(1, rows + 1, batch):
        end = start + batch - 1
        for table in ("t_default", "t_full"):
            run(f"UPDATE {table} SET {UPDATE_SET} WHERE id %% 3 = 0 AND id BETWEEN %s AND %s",
                (start, end))
        conn.commit()
    for table in TABLES:
        # primary key changes: Debezium's delete + create
        run(f"UPDATE {table} SET id = id + 100000000, txt = 'moved' WHERE mod(id, 10) = 1")
        conn.commit()
    for table in TABLES:
        run(f"DELETE FROM {table} WHERE mod(id, 7) = 2")
        conn.commit()

    # Multi-statement transactions that interleave both tables, until the target is reached.
    g = 10 ** 9
    while done < target:
        g += 10
        steps = [
            (f"INSERT INTO t_full SELECT {ROW_EXPRESSIONS} FROM (SELECT %s::int8 AS g) s", (g,)),
            ("UPDATE t_default SET " + UPDATE_SET + " WHERE id = %s", ((g - 10 ** 9) // 10,)),
            (f"INSERT INTO t_default SELECT {ROW_EXPRESSIONS} FROM (SELECT %s::int8 AS g) s", (g,)),
            ("UPDATE t_full SET id = id + 1, flag = true WHERE id = %s", (g,)),
            ("DELETE FROM t_default WHERE id = %s", (g,)),
            ("UPDATE t_full SET " + UPDATE_SET + " WHERE id = %s", (g + 1,)),
        ]
        for sql, params in steps:
            if done >= target:
                break
            run(sql, params)
        conn.commit()
    conn.close()
    return done


# -- the two formats mapped to one ---------------------------------------------------------


def _decimal_from_unscaled(b64, scale):
    raw = base64.b64decode(b64)
    unscaled = int.from_bytes(raw, "big", signed=True)
    return decimal.Decimal(unscaled).scaleb(-scale)


def _pg_array(text):
    """Parses PostgreSQL's one-dimensional array text form ({a,"b,c",NULL}) to a list."""
    if not (text.startswith("{") and text.endswith("}")):
        raise AssertionError(f"not a one-dimensional array literal: {text!r}")
    items, i, body = [], 0, text[1:-1]
    if body == "":
        return items
    while i <= len(body):
        if i < len(body) and body[i] == '"':
            i += 1
            chars = []
            while body[i] != '"':
                if body[i] == "\\":
                    i += 1
                chars.append(body[i])
                i += 1
            items.append("".join(chars))
            i += 1
        else:
            end = body.find(",", i)
            end = len(body) if end < 0 else end
            word = body[i:end]
            items.append(None if word == "NULL" else word)
            i = end
        i += 1  # the comma
    return items


EPOCH = datetime.date(1970, 1, 1)


def to_common(column_type, value, source):
    """One column value, written by `source` ('debezium' for dbchangetracking, 'wal2json'), in
    a form both must agree on. The differences between the two formats, all of them:

    | type          | dbchangetracking (Debezium)                 | wal2json v2                    |
    |---------------|---------------------------------------------|--------------------------------|
    | numeric(p,s)  | base64 of the unscaled two's complement     | JSON number (exact digits)     |
    | numeric       | {"scale": s, "value": base64 unscaled}      | JSON number                    |
    | timestamptz   | "2024-01-01T00:00:01.234567Z" (ISO, UTC)    | "2024-01-01 00:00:01.234567+00"|
    | date          | days since 1970-01-01 (int)                 | "1950-01-01"                   |
    | bytea         | base64 (binary.handling.mode=bytes)         | hex without the \\x prefix      |
    | float8 NaN/±∞ | "NaN", "Infinity", "-Infinity"              | null (not a JSON number)       |
    | float8        | JSON number                                 | JSON number                    |
    | int8[]/text[] | JSON array                                  | array text form "{1,NULL,3}"   |
    | jsonb         | jsonb text as a string                      | jsonb text as a string         |

    Numbers are compared exactly (wal2json's JSON is read with Decimal); jsonb strings by
    their parsed value (both use jsonb's output text, compared as JSON to stay independent of
    spacing). Besides values, `_wal2json_events` maps the two event shapes: a key-changing UPDATE
    is one wal2json "U" and Debezium's delete + create; a DEFAULT identity's old image is the
    key alone in wal2json and the key with nulls for the other (nullable) columns in Debezium.
    """
    if value is None:
        return None
    debezium = source == "debezium"
    if column_type in ("int8", "text", "uuid", "bool"):
        return value
    if column_type == "numeric(12,4)":
        return _decimal_from_unscaled(value, 4) if debezium else value
    if column_type == "numeric":
        if debezium:
            return _decimal_from_unscaled(value["value"], value["scale"]).normalize()
        return value.normalize()
    if column_type == "timestamptz":
        if debezium:
            assert value.endswith("Z"), value
            return datetime.datetime.fromisoformat(value[:-1] + "+00:00")
        return datetime.datetime.fromisoformat(value + ":00" if value[-3] in "+-" else value)
    if column_type == "date":
        if debezium:
            return value
        return (datetime.date.fromisoformat(value) - EPOCH).days
    if column_type == "bytea":
        return base64.b64decode(value) if debezium else bytes.fromhex(value)
    if column_type == "float8":
        if debezium:
            if isinstance(value, str):
                assert value in ("NaN", "Infinity", "-Infinity"), value
                return None  # wal2json's form of a non-finite float
            return float(value)
        return float(value)
    if column_type == "int8[]":
        if debezium:
            return value
        return [None if item is None else int(item) for item in _pg_array(value)]
    if column_type == "text[]":
        return value if debezium else _pg_array(value)
    if column_type == "jsonb":
        return json.loads(value)
    raise AssertionError(f"no mapping for column type {column_type}")


def _row(columns, source, identity_only=False):
    if columns is None:
        return None
    if identity_only:
        # wal2json: the key alone; Debezium: the key and null for every other column
        row = {name: None for name in COLUMNS}
        row.update(columns)
        columns = row
    assert list(columns) == list(COLUMNS), f"columns {list(columns)}"
    return {name: to_common(COLUMNS[name], value, source) for name, value in columns.items()}


def _lsn(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _debezium_events(rows):
    for (data,) in rows:
        event = json.loads(data)
        source = event["source"]
        yield (source["txId"], source["lsn"], source["table"], event["op"],
               _row(event["before"], "debezium"), _row(event["after"], "debezium"))


def _wal2json_events(rows):
    for (data,) in rows:
        change = json.loads(data, parse_float=decimal.Decimal)
        action = change["action"]
        if action in ("B", "C"):
            continue
        columns = {c["name"]: c["value"] for c in change.get("columns", [])}
        identity = {c["name"]: c["value"] for c in change.get("identity", [])}
        table = change["table"]
        full = TABLES[table] == "FULL"
        head = (change["xid"], _lsn(change["lsn"]), table)
        if action == "I":
            yield head + ("c", None, _row(columns, "wal2json"))
        elif action == "D":
            yield head + ("d", _row(identity, "wal2json", identity_only=not full), None)
        elif action == "U":
            if identity["id"] != columns["id"]:
                yield head + ("d", _row(identity, "wal2json", identity_only=not full), None)
                yield head + ("c", None, _row(columns, "wal2json"))
            else:
                # Debezium has an old image only when PostgreSQL logged one (FULL)
                before = _row(identity, "wal2json") if full else None
                yield head + ("u", before, _row(columns, "wal2json"))
        else:
            raise AssertionError(f"unexpected wal2json action {action}: {data}")


def _stream(server, sql):
    """Rows of a decoding query, fetched in batches through a server-side cursor."""
    conn = server.connect(autocommit=False)
    cur = conn.cursor(name="decode")
    cur.itersize = 5000
    cur.execute(sql)
    try:
        yield from cur
    finally:
        cur.close()
        conn.close()


def test_same_changes_as_wal2json(decoding_server):
    server = decoding_server
    started = time.monotonic()
    _create_tables(server)
    # Both slots start at the same point: back to back, before any change.
    server.execute("SELECT pg_create_logical_replication_slot('diff_dbct', 'dbchangetracking')")
    server.execute("SELECT pg_create_logical_replication_slot('diff_w2j', 'wal2json')")
    made = _run_workload(server, CHANGES)
    assert made >= CHANGES

    ours = _debezium_events(_stream(
        server, "SELECT data FROM pg_logical_slot_get_changes('diff_dbct', NULL, NULL)"))
    theirs = _wal2json_events(_stream(
        server, "SELECT data FROM pg_logical_slot_get_changes('diff_w2j', NULL, NULL, "
                "'format-version', '2', 'include-xids', '1', 'include-lsn', '1', "
                "'include-types', '0', 'include-transaction', '0')"))

    compared = ops = 0
    seen_ops = set()
    sentinel = object()
    while True:
        a = next(ours, sentinel)
        b = next(theirs, sentinel)
        if a is sentinel or b is sentinel:
            assert a is sentinel and b is sentinel, (
                f"after {compared} equal events one side has more: "
                f"dbchangetracking {a if a is not sentinel else 'ended'}, "
                f"wal2json {b if b is not sentinel else 'ended'}")
            break
        if a != b:
            fields = ("txId", "lsn", "table", "op", "before", "after")
            diffs = {}
            for field, x, y in zip(fields, a, b):
                if x != y and isinstance(x, dict) and isinstance(y, dict):
                    diffs[field] = {c: (x[c], y[c]) for c in x if x[c] != y.get(c)}
                elif x != y:
                    diffs[field] = (x, y)
            pytest.fail(f"event {compared} differs (dbchangetracking, wal2json): {diffs}\n"
                        f"dbchangetracking: {a}\nwal2json: {b}")
        seen_ops.add((a[2], a[3], a[4] is not None))
        compared += 1
    ops = len(seen_ops)
    # wal2json counts a key change once, Debezium twice: at least as many events as changes
    assert compared >= made, (compared, made)
    # every kind of event on both tables, with and without an old image where one exists
    assert {("t_full", "u", True), ("t_default", "u", False), ("t_full", "d", True),
            ("t_default", "d", True), ("t_full", "c", False),
            ("t_default", "c", False)} <= seen_ops, seen_ops
    print(f"\n{made} changes, {compared} events equal ({ops} kinds) in "
          f"{time.monotonic() - started:.1f} s")
