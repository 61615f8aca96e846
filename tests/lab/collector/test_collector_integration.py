#!/usr/bin/python3
"""A real pathwatch-collector on 127.0.0.1 fed by ingest_driver (a ZeroMQ DEALER): acks cover
every message; pathwatchctl status/events --json show the data; an acked batch survives a
SIGKILL (ack only after commit); SIGTERM exits 0. Loopback only; every wait is bounded."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

bin_dir, driver = sys.argv[1], sys.argv[2]
collector = os.path.join(bin_dir, "pathwatch-collector")
ctl = os.path.join(bin_dir, "pathwatchctl")
failures = []
passes = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    (passes if cond else failures).append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_api(port, proc, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def ctl_json(api, *args):
    r = subprocess.run([ctl, "--collector", f"http://127.0.0.1:{api}", "--json", *args],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, (json.loads(r.stdout) if r.returncode in (0, 3) and r.stdout else None), r.stderr


with tempfile.TemporaryDirectory(prefix="pw-collector-it-") as tmp:
    zmq_port, api_port = free_port(), free_port()
    config = os.path.join(tmp, "collector.yaml")
    with open(config, "w") as f:
        f.write(f"""collector:
  log_level: info
  listen: [tcp://127.0.0.1:{zmq_port}]
  insecure_plaintext: true
  batch_delay: 20ms
store:
  database: {tmp}/pw.db
  synchronous: full
api:
  listen: 127.0.0.1:{api_port}
""")
    log = open(os.path.join(tmp, "collector.log"), "w+")

    def start():
        p = subprocess.Popen([collector, "--config", config], stdout=log, stderr=log)
        if not wait_api(api_port, p):
            p.kill()
            log.seek(0)
            print(log.read())
            sys.exit("collector did not start")
        return p

    proc = start()
    try:
        endpoint = f"tcp://127.0.0.1:{zmq_port}"
        # 1 hello + 20 windows + 1 state change + 1 route change = 23 seqs.
        r = subprocess.run([driver, endpoint, "it-agent-1", "honcho", "20"], capture_output=True,
                           text=True, timeout=60)
        check("driver: every message acked", r.returncode == 0 and "acked 23" in r.stdout,
              r.stdout + r.stderr)

        rc, status, err = ctl_json(api_port, "status")
        check("ctl status exits 0", rc == 0, err)
        agents = status["agents"] if status else []
        check("status: one agent, seq 23 acked",
              len(agents) == 1 and agents[0]["agent_id"] == "it-agent-1"
              and agents[0]["through_seq"] == 23 and agents[0]["hostname"] == "driver-host",
              agents)
        flows = status["flows"] if status else []
        check("status: the flow is down (last 3 windows)",
              len(flows) == 1 and flows[0]["state"] == "down", flows)
        ingest = status["ingest"] if status else {}
        check("status: 23 stored, 1 duplicate, 1 malformed",
              ingest.get("stored") == 23 and ingest.get("duplicates") == 1
              and ingest.get("rejected", {}).get("malformed") == 1, ingest)

        rc, events, err = ctl_json(api_port, "events", "--site", "honcho")
        check("ctl events exits 0", rc == 0, err)
        check("events: the state change and the route change",
              events is not None and len(events["state_changes"]) == 1
              and events["state_changes"][0]["to"] == "down"
              and len(events["route_changes"]) == 1
              and events["route_changes"][0]["to_path"] == "backup", events)

        rc, _, err = ctl_json(api_port, "maintenance", "add", "--start", "2026-11-03 01:00",
                              "--end", "2026-11-03 03:00", "--note", "it")
        check("maintenance add", rc == 0, err)

        # Ack only after commit: a second agent's batch, acked, then SIGKILL: no graceful
        # shutdown, yet after a restart every acked message is there.
        r = subprocess.run([driver, endpoint, "it-agent-2", "shisho", "10"], capture_output=True,
                           text=True, timeout=60)
        check("driver 2: acked", r.returncode == 0 and "acked 13" in r.stdout, r.stdout + r.stderr)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc = start()
        rc, status, err = ctl_json(api_port, "status")
        agents = {a["agent_id"]: a for a in (status or {}).get("agents", [])}
        check("after SIGKILL + restart: both agents' acked messages are stored",
              agents.get("it-agent-1", {}).get("last_seq") == 23
              and agents.get("it-agent-2", {}).get("through_seq") == 13, agents)
        rc, maint, err = ctl_json(api_port, "maintenance", "list")
        check("maintenance survives the restart",
              maint is not None and len(maint["maintenance"]) == 1, maint)
        # Resending everything after the restart stores nothing new (dedup by the store).
        r = subprocess.run([driver, endpoint, "it-agent-1", "honcho", "20"], capture_output=True,
                           text=True, timeout=60)
        check("resend after restart: acked again", r.returncode == 0 and "acked 23" in r.stdout,
              r.stdout + r.stderr)
        # A reload signal (logrotate, systemctl reload) never kills a plaintext collector.
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        check("SIGHUP without CURVE: still running", proc.poll() is None, proc.poll())
        rc, status, err = ctl_json(api_port, "status")
        check("resend after restart: nothing stored twice",
              status is not None and status["ingest"]["stored"] == 0, status and status["ingest"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "timeout"
    check("SIGTERM: exit 0", code == 0, code)
    if failures:
        log.seek(0)
        print("collector log:\n" + log.read())

print(f"{len(passes)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
