#!/usr/bin/env python3
"""An agent without a spool, restarted, has every later message stored.

Before issue 16 such an agent restarted its seq at 1: the collector took the new run's
messages for duplicates of the old run's, acknowledged through the old high seq, and the agent
never sent what it made next. Now each run starts at the clock floor (microseconds since the
epoch) and its Hello's first_seq lets the collector give up the seqs below at once.

Three runs of the real pathwatch-agent (1 s windows, TCP probes of the collector's own port on
127.0.0.1) against the real pathwatch-collector: run 1 stops with SIGTERM, run 2 is killed
with SIGKILL, run 3 stops with SIGTERM. Checked in the collector's SQLite file: each run's
seqs are above every earlier run's, each run's windows are stored, the watermark reaches run
3's last seq (so nothing of run 3 waits behind a gap), and no window is stored twice.
Every wait is bounded; the test takes about 20 s."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
from loopback_support import check, failures, free_port, wait_port, write_collector_config  # noqa: E402

collector, agent = sys.argv[1], sys.argv[2]
RUN_SECONDS = 4.5


with tempfile.TemporaryDirectory(prefix="pw-seq-continuity-") as tmp:
    zmq_port, api_port = free_port(), free_port()
    db = os.path.join(tmp, "pw.db")
    collector_config = write_collector_config(os.path.join(tmp, "collector.yaml"), zmq_port,
                                              api_port, db)
    agent_config = os.path.join(tmp, "agent.yaml")
    with open(agent_config, "w") as f:
        # No `spool:`: the case of etc/local/agent.yaml.
        f.write(f"""agent: {{id: continuity-01, site: local, log_level: info}}
window: 1s
collector:
  endpoints: [tcp://127.0.0.1:{zmq_port}]
  insecure_plaintext: true
paths:
  - {{name: primary, source: 127.0.0.1}}
targets:
  - name: collector-port
    address: 127.0.0.1
    icmp: false
    tcp: [{zmq_port}]
    interval: 200ms
    paths: [primary]
""")
    collector_log = open(os.path.join(tmp, "collector.log"), "w+")
    col = subprocess.Popen([collector, "--config", collector_config], stdout=collector_log,
                           stderr=collector_log)
    runs = []
    try:
        if not wait_port(api_port, col):
            collector_log.seek(0)
            raise SystemExit("collector did not start:\n" + collector_log.read())
        for i, stop in enumerate([signal.SIGTERM, signal.SIGKILL, signal.SIGTERM], start=1):
            log_path = os.path.join(tmp, f"agent-{i}.log")
            with open(log_path, "w") as log:
                p = subprocess.Popen([agent, "--config", agent_config], stdout=log, stderr=log)
                time.sleep(RUN_SECONDS)
                p.send_signal(stop)
                rc = p.wait(timeout=20)
            text = open(log_path).read()
            m = re.search(r"first seq of this run (\d+)", text)
            first = int(m.group(1)) if m else None
            runs.append({"first": first, "stop": stop, "rc": rc, "log": text})
            check(f"run {i}: started and said its first seq", first is not None, text[-2000:])
            if stop == signal.SIGTERM:
                check(f"run {i}: exits 0 on SIGTERM with everything acknowledged",
                      rc == 0 and "all messages acknowledged" in text, text[-2000:])
            time.sleep(1.1)  # the clock floor moves on by > 1,000,000 between runs
        # Give the collector a moment to commit the last acks.
        time.sleep(1.0)
        col.send_signal(signal.SIGTERM)
        check("collector exits 0 on SIGTERM", col.wait(timeout=20) == 0)

        con = sqlite3.connect(db)
        firsts = [r["first"] for r in runs]
        check("each run starts above the one before", all(
            a is not None and b is not None and b > a for a, b in zip(firsts, firsts[1:])),
            firsts)
        bounds = firsts[1:] + [2**63 - 1]
        for i, (lo, hi) in enumerate(zip(firsts, bounds), start=1):
            windows = con.execute("SELECT COUNT(*) FROM windows WHERE seq >= ? AND seq < ?",
                                  (lo, hi)).fetchone()[0]
            # ~4 windows of 1 s in 4.5 s (the first window is partial, a stop publishes one more).
            check(f"run {i}: its windows are stored (not taken for duplicates)", windows >= 3,
                  f"{windows} windows with seq in [{lo}, {hi})")
        count, distinct = con.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM windows").fetchone()
        check("no window stored twice", count == distinct, (count, distinct))
        last_seq, through = con.execute("SELECT last_seq, through_seq FROM agents").fetchone()
        check("the watermark reaches run 3's last seq (nothing waits behind a gap)",
              through == last_seq and last_seq >= firsts[-1], (through, last_seq, firsts))
        hellos = [r[0] for r in con.execute("SELECT seq FROM hellos ORDER BY seq")]
        check("one Hello per run, within its run's seqs", len(hellos) == len(firsts) and all(
            lo <= h < hi for h, lo, hi in zip(hellos, firsts, bounds)), (hellos, firsts))
    finally:
        if col.poll() is None:
            col.kill()
            col.wait()
        if failures:
            collector_log.seek(0)
            print(collector_log.read()[-4000:])
            for i, r in enumerate(runs, start=1):
                print(f"--- agent run {i}\n" + r["log"][-2000:])

sys.exit(1 if failures else 0)
