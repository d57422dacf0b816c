#!/usr/bin/env python3
"""make demo: a throwaway PostgreSQL 15 and nats-server, a tracked table, events on the terminal.

Everything runs on 127.0.0.1 on free ports in temporary directories and is removed at the end.
The extension must be installed (make demo does that first).
"""
import json
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from servers import NatsServer, PostgresServer, pg_extension_installed  # noqa: E402
from nats_client import NatsClient  # noqa: E402

TRACKING = "demo-orders"
SUBJECT = f"dbchangetracking.{TRACKING}"


def say(text):
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def main():
    if not pg_extension_installed():
        sys.exit("demo: the dbchangetracking extension is not installed; run `make demo`, "
                 "which builds and installs it first")
    nats = NatsServer()
    pg = PostgresServer(preload=True)
    try:
        say("starting nats-server (JetStream) and PostgreSQL 15")
        nats.start()
        pg.start()
        print(f"nats-server at {nats.url}, PostgreSQL on port {pg.port}")

        say("a table with rows that exist before tracking starts")
        pg.execute("""
            CREATE TABLE public.orders (id serial PRIMARY KEY, customer text NOT NULL,
                                        amount numeric(10,2), placed_at timestamptz DEFAULT now());
            INSERT INTO public.orders (customer, amount) VALUES ('ada', 12.50), ('grace', 99.99);
        """)

        client = NatsClient(nats.url)
        sid = client.subscribe(f"dbchangetrackingprocessing.{TRACKING}")

        say(f"CREATE EXTENSION dbchangetracking; SELECT dbchangetracking.track('{TRACKING}', ...)")
        pg.execute("CREATE EXTENSION dbchangetracking")
        pg.execute("SELECT dbchangetracking.track(%s, 'public.orders', %s::jsonb)",
                   (TRACKING, json.dumps({"nats": {"url": nats.url}})))

        say("the initial snapshot: the existing rows arrive as op r")
        deadline = time.monotonic() + 30
        while pg.execute("SELECT state FROM dbchangetracking.trackings WHERE name = %s",
                         (TRACKING,))[0][0] != "streaming" and time.monotonic() < deadline:
            time.sleep(0.1)

        say("INSERT, UPDATE, DELETE")
        pg.execute("INSERT INTO public.orders (customer, amount) VALUES ('linus', 5.00)")
        pg.execute("UPDATE public.orders SET amount = 13.75 WHERE customer = 'ada'")
        pg.execute("DELETE FROM public.orders WHERE customer = 'grace'")

        say(f"events arriving on {SUBJECT} (republished to dbchangetrackingprocessing.{TRACKING})")
        expected = 5  # 2 snapshot reads + insert + update + delete
        got = 0
        deadline = time.monotonic() + 30
        while got < expected and time.monotonic() < deadline:
            msg = client.next_msg(sid, timeout=max(0.1, deadline - time.monotonic()))
            if msg is None:
                break
            got += 1
            event = msg.json()
            print(f"\n[{got}] op={event.get('op')} Nats-Msg-Id={msg.headers.get('Nats-Msg-Id')}")
            print(json.dumps(event, indent=2))
        status = pg.execute("SELECT name, state, events_published FROM dbchangetracking.status")
        say(f"dbchangetracking.status: {status}")
        client.close()
        if got < expected:
            sys.exit(f"demo: only {got} of {expected} events arrived within 30 s")
        say("done: every change arrived once, in commit order")
    finally:
        pg.cleanup()
        nats.cleanup()


if __name__ == "__main__":
    main()
