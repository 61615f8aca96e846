#!/usr/bin/env python3
"""Exactly-once storage under collector crashes: the agent's publishing code (exactly_once_driver:
Publisher + ZmqTransport + DiskSpool) sends N window summaries while the real pathwatch-collector
is killed with SIGKILL five times and restarted. At the end the SQLite file holds every seq
exactly once: N windows, N distinct seqs, and one seq range 1..acked (no gap, no duplicate).
Loopback only; every wait is bounded (the whole test stays under 2 minutes)."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
from loopback_support import check, failures, free_port, wait_port, write_collector_config  # noqa: E402

collector, driver = sys.argv[1], sys.argv[2]
N = int(os.environ.get("PW_EXACTLY_ONCE_N", "100000"))
RATE = 5000          # summaries/s: 100,000 take ~20 s, so the five kills land mid-stream
KILLS = 5
DEADLINE = time.monotonic() + 110


with tempfile.TemporaryDirectory(prefix="pw-exactly-once-") as tmp:
    zmq_port, api_port = free_port(), free_port()
    db = os.path.join(tmp, "pw.db")
    config = write_collector_config(os.path.join(tmp, "collector.yaml"), zmq_port, api_port, db,
                                    log_level="warn")
    log = open(os.path.join(tmp, "collector.log"), "w+")
    procs = []

    def start():
        p = subprocess.Popen([collector, "--config", config], stdout=log, stderr=log)
        procs.append(p)
        if not wait_port(api_port, p):
            log.seek(0)
            print(log.read())
            raise SystemExit("collector did not start")
        return p

    drv = None
    try:
        proc = start()
        drv = subprocess.Popen([driver, f"tcp://127.0.0.1:{zmq_port}", os.path.join(tmp, "spool"),
                                str(N), str(RATE), "100"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        kills = 0
        for _ in range(KILLS):
            # Kill while data flows (every ~3 s of the ~20 s stream), restart at once.
            time.sleep(3)
            if drv.poll() is not None:
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            proc = start()
        check(f"collector killed with SIGKILL {KILLS} times while the stream ran", kills == KILLS,
              f"only {kills}: the driver finished early")
        out, err = drv.communicate(timeout=max(1, DEADLINE - time.monotonic()))
        result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        check("driver: every seq acknowledged", drv.returncode == 0 and result.get("done"),
              out + err[-2000:])
        print("driver:", result)
        proc.send_signal(signal.SIGTERM)
        check("collector exits 0 on SIGTERM", proc.wait(timeout=20) == 0)

        con = sqlite3.connect(db)
        count, distinct, lo, hi = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM windows").fetchone()
        check(f"{N} windows stored, each seq once", count == N and distinct == N,
              f"count {count}, distinct seqs {distinct}")
        hellos = con.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM hellos").fetchone()
        check("every Hello stored once", hellos[0] == hellos[1], hellos)
        acked = result.get("acked_through", -1)
        # The rest of the seqs are Heartbeats (stored as the agent's last-seen times only).
        check("windows + hellos fit the seqs the agent used", count + hellos[0] <= acked,
              f"{count} + {hellos[0]} > {acked}")
        ranges = con.execute("SELECT first, last FROM seq_ranges").fetchall()
        check("stored seqs are exactly 1..acked (no gap)", ranges == [(1, acked)], ranges)
        through = con.execute("SELECT through_seq FROM agents").fetchall()
        check("the stored watermark is the last seq", through == [(acked,)], through)
        gaps = con.execute("SELECT COUNT(*) FROM gaps").fetchone()[0]
        print(f"gaps recorded (and later filled by resends): {gaps}; "
              f"resent by the agent: {result.get('resent')}")
    finally:
        if drv is not None and drv.poll() is None:
            drv.kill()
            drv.wait()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if failures:
            log.seek(0)
            print(log.read()[-4000:])

sys.exit(1 if failures else 0)
