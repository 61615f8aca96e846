#!/usr/bin/env python3
"""CURVE on agent links, with the real binaries on loopback (127.0.0.1 only).

usage: test_curve.py BIN_DIR CURVE_DRIVER

Proves: an unregistered key delivers nothing (refusal counted); a registered key claiming
another agent or site is rejected (nothing stored); group/world-readable secret key files stop
both daemons with exit 2 naming the file and mode; rotation with SIGHUP (new key accepted while
running, old key refused once removed); insecure_plaintext warns; endpoint failover (first
collector killed -> the agent delivers to the second). Every wait is bounded; teardown always runs.
"""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN, DRIVER = sys.argv[1], sys.argv[2]
procs = []
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(d, name):
    r = subprocess.run([f"{BIN}/pathwatchctl", "keygen", "--out", d, "--name", name],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return f"{d}/{name}.key", f"{d}/{name}.pub"


def pub(path):
    return open(path).read().strip()


def collector_config(d, name, port, agents, plaintext=False):
    path = f"{d}/{name}.yaml"
    lines = ["collector:", f"  listen: [tcp://127.0.0.1:{port}]", "  log_level: info"]
    if plaintext:
        lines.append("  insecure_plaintext: true")
    else:
        lines += ["  curve:", "    public_key: server.pub", "    secret_key: server.key"]
    lines += ["store:", f"  database: {d}/{name}.db", "  synchronous: normal",
              "api:", "  listen: 127.0.0.1:0"]
    if agents:
        lines.append("agents:")
        for agent_id, site, keys in agents:
            lines.append(f"  - {{id: {agent_id}, site: {site}, public_key: [{', '.join(repr(k) for k in keys)}]}}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start_collector(cfg, log):
    p = subprocess.Popen([f"{BIN}/pathwatch-collector", "--config", cfg],
                         stdout=open(log, "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    for _ in range(100):  # up to 10 s
        if "ingest listening" in open(log).read():
            return p
        if p.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"collector did not start: {open(log).read()}")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def drive(d, port, key, agent, site, count=20, timeout=4, first=1, mode=None):
    args = [DRIVER, f"tcp://127.0.0.1:{port}", f"{d}/server.pub", f"{d}/{key}.key",
            f"{d}/{key}.pub", agent, site, str(count), str(timeout), str(first)]
    if mode:
        args.append(mode)
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout + 10)
    return r.returncode, r.stdout.strip()


def stored_count(db, agent):
    """How many of the agent's seqs the store holds (its dedup ranges)."""
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT COALESCE(SUM(r.last - r.first + 1), 0) FROM seq_ranges r "
            "JOIN agents a ON a.id = r.agent WHERE a.agent_id = ?", (agent,)).fetchone()[0]
    finally:
        con.close()


def stored_seq(db, agent):
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT last_seq FROM agents WHERE agent_id = ?", (agent,)).fetchone()
        return row[0] if row else 0
    finally:
        con.close()


def main(d):
    os.chmod(d, 0o700)
    keygen(d, "server")
    for name in ("a", "a2", "b", "stranger"):
        keygen(d, name)
    port = free_port()
    agents = [("agent-a", "honcho", [pub(f"{d}/a.pub")]), ("agent-b", "annex", ["b.pub"])]
    cfg = collector_config(d, "c1", port, agents)
    log = f"{d}/c1.log"
    c1 = start_collector(cfg, log)

    rc, out = drive(d, port, "a", "agent-a", "honcho")
    check(rc == 0 and out.startswith("sent 20 acked 20 "), f"registered key delivers ({out})")
    rc, out = drive(d, port, "stranger", "agent-x", "honcho")
    check(rc != 0 and out.startswith("sent 0 acked 0 "), f"unregistered key cannot connect ({out})")
    rc, out = drive(d, port, "a", "agent-b", "annex")
    check(rc != 0 and "acked 0" in out, f"key of agent-a claiming agent-b is rejected ({out})")
    rc, out = drive(d, port, "a", "agent-a", "annex")
    check(rc != 0 and "acked 0" in out, f"key of agent-a claiming another site is rejected ({out})")

    # Authorize first (issue 16): agent-b delivers 1..20; agent-a's valid key then claims
    # agent-b's next 1,000 seqs with never-storable defects. Before, each reject gave up that
    # seq in agent-b's ledger and an ack through 1020 went to agent-b, which would discard its
    # spool. Now every one is "unauthorized", told to agent-a only, and agent-b's 21..40 are
    # stored and acknowledged exactly.
    rc, out = drive(d, port, "b", "agent-b", "annex")
    check(rc == 0 and out.startswith("sent 20 acked 20"), f"victim agent-b delivers 1..20 ({out})")
    rc, out = drive(d, port, "a", "agent-b", "annex", count=1000, timeout=10, first=21,
                    mode="poison")
    check(rc == 0 and "rejected 1000 unauthorized=1000" in out,
          f"1,000 poisoned envelopes claiming agent-b: all unauthorized, no ack ({out})")
    rc, out = drive(d, port, "b", "agent-b", "annex", first=21)
    check(rc == 0 and out.startswith("sent 20 acked 40"),
          f"victim's next 20 acked through 40, not 1020 ({out})")

    # Rotation: add a2 beside a, SIGHUP, the agent uses a2; then remove a, SIGHUP: a refused.
    agents[0] = ("agent-a", "honcho", [pub(f"{d}/a.pub"), "a2.pub"])
    collector_config(d, "c1", port, agents)
    c1.send_signal(signal.SIGHUP)
    time.sleep(1)  # the ZAP thread polls every 100 ms
    rc, out = drive(d, port, "a2", "agent-a", "honcho", count=40)
    check(rc == 0, f"rotation: new key accepted after SIGHUP, collector still running ({out})")
    agents[0] = ("agent-a", "honcho", ["a2.pub"])
    collector_config(d, "c1", port, agents)
    c1.send_signal(signal.SIGHUP)
    time.sleep(1)
    rc, out = drive(d, port, "a", "agent-a", "honcho", count=60)
    check(rc != 0 and out.startswith("sent 0 acked 0 "),
          f"rotation: old key refused once removed ({out})")
    check(c1.poll() is None, "collector kept running through both reloads")
    stop(c1)
    text = open(log).read()
    check(c1.returncode == 0, "collector exits 0 on SIGTERM")
    check("refused (unregistered key)" in text and "denied a connection" in text,
          "refusals are counted and logged")
    check(stored_seq(f"{d}/c1.db", "agent-x") == 0, "nothing stored for the stranger")
    check(stored_seq(f"{d}/c1.db", "agent-b") == 40 and
          stored_count(f"{d}/c1.db", "agent-b") == 40,
          "agent-b: exactly its own 40 messages stored, nothing of the impostor")
    check(stored_seq(f"{d}/c1.db", "agent-a") == 40, "agent-a stored through seq 40 (2nd run)")
    for k in ("a", "a2", "b", "stranger", "server"):
        check(pub(f"{d}/{k}.pub") not in text, f"key {k} never logged")

    # A group/world-readable secret key stops both daemons with exit 2 naming file and mode.
    os.chmod(f"{d}/server.key", 0o644)
    r = subprocess.run([f"{BIN}/pathwatch-collector", "--config", cfg], capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 2 and f"{d}/server.key" in r.stderr and "0644" in r.stderr,
          f"collector refuses a 0644 secret key with exit 2 ({r.stderr.strip()[:160]})")
    os.chmod(f"{d}/server.key", 0o600)
    os.chmod(f"{d}/a.key", 0o640)
    agent_cfg = agent_config(d, "agent-a", "honcho", [port], "a")
    r = subprocess.run([f"{BIN}/pathwatch-agent", "--config", agent_cfg], capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 2 and f"{d}/a.key" in r.stderr and "0640" in r.stderr,
          f"agent refuses a 0640 secret key with exit 2 ({r.stderr.strip()[:160]})")
    os.chmod(f"{d}/a.key", 0o600)

    # Plaintext only behind the flag, and it warns.
    pport = free_port()
    pcfg = collector_config(d, "plain", pport, [], plaintext=True)
    p = start_collector(pcfg, f"{d}/plain.log")
    stop(p)
    check("insecure_plaintext" in open(f"{d}/plain.log").read(), "plaintext collector warns")
    bad = f"{d}/neither.yaml"
    with open(bad, "w") as f:
        f.write(f"collector: {{listen: [tcp://127.0.0.1:{pport}]}}\nstore: {{database: {d}/n.db}}\n")
    r = subprocess.run([f"{BIN}/pathwatch-collector", "--config", bad], capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 2 and "insecure_plaintext" in r.stderr,
          "a collector config with neither curve nor insecure_plaintext: exit 2")

    failover(d)


def agent_config(d, agent_id, site, ports, key):
    path = f"{d}/agent-{agent_id}.yaml"
    eps = ", ".join(f"tcp://127.0.0.1:{p}" for p in ports)
    os.makedirs(f"{d}/spool-{agent_id}", mode=0o700, exist_ok=True)
    with open(path, "w") as f:
        f.write(f"""agent: {{id: {agent_id}, site: {site}}}
window: 1s
collector:
  endpoints: [{eps}]
  curve: {{server_public_key: {d}/server.pub, public_key: {d}/{key}.pub, secret_key: {d}/{key}.key}}
spool: {{directory: {d}/spool-{agent_id}}}
paths:
  - {{name: primary, source: 127.0.0.1}}
targets:
  - {{name: closed, address: 127.0.0.1, icmp: false, tcp: [9], paths: [primary]}}
""")
    return path


def failover(d):
    # Two collectors sharing the server key (one deployment); the agent lists both.
    p1, p2 = free_port(), free_port()
    agents = [("agent-a", "honcho", ["a.pub"])]
    k1 = start_collector(collector_config(d, "f1", p1, agents), f"{d}/f1.log")
    k2 = start_collector(collector_config(d, "f2", p2, agents), f"{d}/f2.log")
    cfg = agent_config(d, "agent-a", "honcho", [p1, p2], "a")
    alog = f"{d}/agent.log"
    agent = subprocess.Popen([f"{BIN}/pathwatch-agent", "--config", cfg],
                             stdout=open(alog, "w"), stderr=subprocess.STDOUT)
    procs.append(agent)
    for _ in range(100):  # up to 10 s: the first collector has data
        if stored_seq(f"{d}/f1.db", "agent-a") > 0:
            break
        time.sleep(0.1)
    check(stored_seq(f"{d}/f1.db", "agent-a") > 0, "agent delivers to the first collector")
    check(stored_seq(f"{d}/f2.db", "agent-a") == 0, "one endpoint at a time: nothing at the second")
    k1.kill()
    k1.wait()
    # Failover after 20 s (+ up to 20 % jitter) of silence; allow 45 s.
    for _ in range(450):
        if stored_seq(f"{d}/f2.db", "agent-a") > 0:
            break
        time.sleep(0.1)
    check(stored_seq(f"{d}/f2.db", "agent-a") > 0, "after the first is killed: delivered to the second")
    stop(agent)
    stop(k2)
    check("moving to tcp://127.0.0.1:" in open(alog).read(), "agent logged the failover")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="pw-curve-") as d:
        try:
            main(d)
        except Exception as e:  # noqa: BLE001 - report and fail, teardown below
            failures.append(f"exception: {e!r}")
            print(f"FAIL exception: {e!r}")
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)
