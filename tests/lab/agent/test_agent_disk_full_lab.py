#!/usr/bin/python3
"""The agent's spool on a full disk (issue 16), with the real agent and the real collector on
loopback and the spool on a 2 MB tmpfs (root: mount). Not in a lab namespace: nothing crosses
a network but 127.0.0.1.

  run 1: the collector is unreachable; the tmpfs is filled up to the last byte while the
         agent spools; then a clean stop (SIGTERM) with messages waiting in memory;
  run 2: starts while the disk is still full (it must), then is killed with SIGKILL;
  run 3: the disk is freed and the collector started: the backlog is delivered.

Checked in the collector's SQLite file and the agents' logs:
  - no seq reused: each run's seqs are above the previous run's (first seq in its log; the
    next run's "highest seq held" is the last seq it used), and every stored message lies
    inside the range of the run that made it;
  - reported drops equal real drops: the DropReports' counts add up to exactly the number
    of seqs runs 1 and 2 assigned that were never stored;
  - at most one error line a minute per kind (each run lasts well under a minute: at most one
    spool error line and one seq store error line per run).

    /usr/bin/python3 tests/lab/agent/test_agent_disk_full_lab.py AGENT COLLECTOR
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "integration"))
from loopback_support import check, failures, free_port, wait_port, write_collector_config  # noqa: E402

agent, collector = sys.argv[1], sys.argv[2]


def fill(path):
    """Writes zeros into PATH until the file system is full (bounded: 2 MB tmpfs)."""
    with open(path, "wb", buffering=0) as f:
        block = b"\0" * 4096
        for _ in range(10000):
            try:
                f.write(block)
            except OSError:
                break
        for _ in range(4096):  # the last partial block, byte by byte
            try:
                f.write(b"\0")
            except OSError:
                break


if os.geteuid() != 0:
    print("SKIP: needs root to mount a tmpfs")
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="pw-disk-full-")
mnt = os.path.join(tmp, "mnt")
os.mkdir(mnt)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mnt], check=True)
procs = []
logs = {}
try:
    zmq_port, api_port, closed_port = free_port(), free_port(), free_port()
    db = os.path.join(tmp, "pw.db")
    collector_config = write_collector_config(os.path.join(tmp, "collector.yaml"), zmq_port,
                                              api_port, db)
    agent_config = os.path.join(tmp, "agent.yaml")
    ports = ", ".join(str(closed_port) for _ in range(1))
    with open(agent_config, "w") as f:
        # 20 targets x 2 paths, TCP to a closed port (refused at once): 40 summaries a second.
        targets = "".join(f"""  - name: t{i:02}
    address: 127.0.0.1
    icmp: false
    tcp: [{closed_port}]
    interval: 250ms
    paths: [primary, backup]
""" for i in range(20))
        f.write(f"""agent: {{id: disk-full-01, site: local, log_level: info}}
window: 1s
collector:
  endpoints: [tcp://127.0.0.1:{zmq_port}]
  insecure_plaintext: true
spool:
  directory: {mnt}/spool
  max_bytes: 64MiB
paths:
  - {{name: primary, source: 127.0.0.1}}
  - {{name: backup, source: 127.0.0.2}}
targets:
{targets}""")

    def run_agent(n):
        path = os.path.join(tmp, f"agent-{n}.log")
        log = open(path, "w")
        p = subprocess.Popen([agent, "--config", agent_config], stdout=log, stderr=log)
        procs.append(p)
        logs[n] = path
        return p

    def log_of(n):
        with open(logs[n], errors="replace") as f:
            return f.read()

    # Run 1: spool, then the disk fills, then a clean stop.
    a1 = run_agent(1)
    time.sleep(3)
    fill(os.path.join(mnt, "filler"))
    time.sleep(4)
    a1.send_signal(signal.SIGTERM)
    check("run 1: exits 0 on SIGTERM with the disk full", a1.wait(timeout=30) == 0, log_of(1)[-3000:])

    def show_state(when):
        with open(os.path.join(mnt, "spool", "acked"), errors="replace") as f:
            print(f"spool state {when}: " + " ".join(f.read().split()))

    show_state("after run 1")
    # Run 2: starts on the full disk, killed.
    a2 = run_agent(2)
    time.sleep(5)
    check("run 2: starts and runs on a full disk", a2.poll() is None, log_of(2)[-3000:])
    a2.send_signal(signal.SIGKILL)
    a2.wait(timeout=10)

    show_state("after run 2")
    print("spool files:", sorted(os.listdir(os.path.join(mnt, "spool"))))
    # Run 3: space again, the collector reachable: everything that survived is delivered.
    os.unlink(os.path.join(mnt, "filler"))
    col_log = open(os.path.join(tmp, "collector.log"), "w+")
    col = subprocess.Popen([collector, "--config", collector_config], stdout=col_log,
                           stderr=col_log)
    procs.append(col)
    if not wait_port(api_port, col):
        col_log.seek(0)
        raise SystemExit("collector did not start:\n" + col_log.read())
    a3 = run_agent(3)
    time.sleep(8)
    a3.send_signal(signal.SIGTERM)
    check("run 3: everything acknowledged at its stop",
          a3.wait(timeout=30) == 0 and "all messages acknowledged" in log_of(3), log_of(3)[-3000:])
    col.send_signal(signal.SIGTERM)
    check("collector exits 0", col.wait(timeout=20) == 0)

    texts = {n: log_of(n) for n in (1, 2, 3)}
    firsts = {}
    for n, text in texts.items():
        m = re.search(r"first seq of this run (\d+)", text)
        firsts[n] = int(m.group(1)) if m else None
    highest = {}
    for n in (2, 3):
        m = re.search(r"highest seq held (\d+)", texts[n])
        highest[n] = int(m.group(1)) if m else None
    check("every run says its first seq, runs 2 and 3 the highest seq held",
          None not in firsts.values() and None not in highest.values(), (firsts, highest))
    last1, last2 = highest[2], highest[3]  # the last seq runs 1 and 2 used
    check("no seq reused: each run starts above everything the one before used",
          firsts[1] <= last1 < firsts[2] <= last2 < firsts[3], (firsts, last1, last2))

    con = sqlite3.connect(db)
    stored = set()
    for lo, hi in con.execute("SELECT first, last FROM seq_ranges"):
        stored.update(range(lo, hi + 1))
    outside = [s for s in stored if not (firsts[1] <= s <= last1 or firsts[2] <= s <= last2
                                         or s >= firsts[3])]
    check("every stored seq lies in the range of a run", not outside, outside[:10])
    real = {1: (last1 - firsts[1] + 1) - sum(1 for s in stored if firsts[1] <= s <= last1),
            2: (last2 - firsts[2] + 1) - sum(1 for s in stored if firsts[2] <= s <= last2)}
    reports = con.execute("SELECT dropped_summaries, dropped_events, first_dropped_seq, "
                          "last_dropped_seq FROM drop_reports").fetchall()
    reported = sum(r[0] + r[1] for r in reports)
    print(f"runs: {firsts}, last seqs {last1}, {last2}; lost for real {real}; "
          f"DropReports {reports}")
    check("something was really lost (the test exercised the loss)", real[1] + real[2] > 0, real)
    check("reported drops equal real drops", reported == real[1] + real[2],
          f"reported {reported}, real {real}")
    for n, text in texts.items():
        spool_errors = [l for l in text.splitlines() if " error " in l and "agent.spool" in l]
        seq_errors = [l for l in text.splitlines() if " error " in l and "agent.seq" in l]
        check(f"run {n}: at most one error line per kind (< 1 minute)",
              len(spool_errors) <= 1 and len(seq_errors) <= 1, spool_errors + seq_errors)
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run(["umount", mnt], check=False)
    if failures:
        for n, path in sorted(logs.items()):
            with open(path, errors="replace") as f:
                print(f"--- agent run {n}\n" + f.read()[-3000:])
    if not os.environ.get("PW_KEEP"):
        subprocess.run(["rm", "-rf", tmp], check=False)
    else:
        print("kept", tmp)

sys.exit(1 if failures else 0)
