#!/usr/bin/env python3
"""SIGHUP reloads the whole collector config or refuses it whole (issue 16 item 9).

The real pathwatch-collector on 127.0.0.1 (plaintext, a topology so incidents are on), its
config file rewritten between SIGHUPs:
  1. the same file: reloaded, "no key changed";
  2. the live keys (log level, alerts, notify with a webhook): applied; the incident service
     restarts with notifications on; debug lines appear;
  3. four keys bound at start changed (collector.listen, store.database, api.listen, services)
     beside a live one: refused, one error line per key, nothing applied (not the log level,
     the API still answers on its old port);
  4. a YAML error: refused with FILE:LINE:COL; the file of step 2 again: "no key changed", so
     neither refusal moved the config in force;
  5. a SIGHUP storm (20 signals): the collector keeps serving and exits 0 on SIGTERM.
Before this change a plaintext collector ignored SIGHUP and a CURVE one re-read `agents:` only.
Every wait is bounded; the test takes about 10 s."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
from loopback_support import (check, failures, free_port, wait_port,  # noqa: E402
                              write_collector_config)

collector, topology = sys.argv[1], sys.argv[2]


def write(path, zmq_port, api_port, db, extra=""):
    write_collector_config(path, zmq_port, api_port, db)
    with open(path, "a") as f:
        f.write(f"topology: {topology}\n" + extra)


def wait_log(log_path, text, after, seconds=10):
    """True once TEXT appears in the log beyond offset AFTER."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with open(log_path) as f:
            f.seek(after)
            if text in f.read():
                return True
        time.sleep(0.05)
    return False


def api_ok(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


with tempfile.TemporaryDirectory(prefix="pw-reload-") as tmp:
    zmq_port, api_port, hook_port = free_port(), free_port(), free_port()
    db = os.path.join(tmp, "pw.db")
    config = os.path.join(tmp, "collector.yaml")
    write(config, zmq_port, api_port, db)
    log_path = os.path.join(tmp, "collector.log")
    log = open(log_path, "w")
    col = subprocess.Popen([collector, "--config", config], stdout=log, stderr=log)
    try:
        if not wait_port(api_port, col):
            raise SystemExit("collector did not start:\n" + open(log_path).read())

        def hup_and_wait(text):
            mark = os.path.getsize(log_path)
            col.send_signal(signal.SIGHUP)
            found = wait_log(log_path, text, mark)
            with open(log_path) as f:
                f.seek(mark)
                return found, f.read()

        ok, out = hup_and_wait("SIGHUP: reloaded")
        check("same file: reloaded, no key changed", ok and "no key changed" in out, out)
        check("same file: the incident service is not restarted", "incidents:" not in out, out)

        live = """alerts:
  path_down: {after: 45s}
notify:
  webhooks:
    - url: http://127.0.0.1:%d/hook
""" % hook_port
        write(config, zmq_port, api_port, db, live)
        with open(config) as f:
            text = f.read().replace("log_level: info", "log_level: debug")
        with open(config, "w") as f:
            f.write(text)
        ok, out = hup_and_wait("SIGHUP: reloaded")
        check("live keys: applied", ok and "alerts added" in out and "notify added" in out
              and "collector.log_level changed" in out, out)
        check("live keys: incidents restarted with notifications on",
              "notifications on" in out, out)
        check("live keys: the new log level is in force", "SIGHUP: log level debug" in out, out)

        other = os.path.join(tmp, "other.db")
        bound = text.replace(f"tcp://127.0.0.1:{zmq_port}", f"tcp://127.0.0.1:{free_port()}")
        bound = bound.replace(f"database: {db}", f"database: {other}")
        bound = bound.replace(f"listen: 127.0.0.1:{api_port}", f"listen: 127.0.0.1:{free_port()}")
        bound = bound.replace("log_level: debug", "log_level: warn")
        bound += """services:
  - name: asp
    targets: [asp-app]
    reference_sites: [main]
"""
        with open(config, "w") as f:
            f.write(bound)
        ok, out = hup_and_wait("reload refused")
        check("bound keys: refused whole", ok and "nothing applied (4 keys need a restart)" in out,
              out)
        for key in ["collector.listen: changed", "store.database: changed",
                    "api.listen: changed", "services: added"]:
            check(f"bound keys: one line for {key.split(':')[0]}", key in out, out)
        check("bound keys: the live key beside them was not applied (log level unchanged)",
              "log level" not in out and "collector.log_level" not in out, out)
        check("bound keys: the API still answers on its old port", api_ok(api_port))
        check("bound keys: the other database was not created", not os.path.exists(other))

        with open(config, "w") as f:
            f.write(text + "alerts: [unclosed\n")
        ok, out = hup_and_wait("reload refused")
        check("YAML error: refused with FILE:LINE:COL", ok and config + ":" in out, out)

        with open(config, "w") as f:
            f.write(text)
        ok, out = hup_and_wait("SIGHUP: reloaded")
        check("after the refusals: the config in force is still the applied one",
              ok and "no key changed" in out, out)
        for _ in range(20):
            col.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        check("SIGHUP storm: still serving", col.poll() is None and api_ok(api_port))
    finally:
        col.send_signal(signal.SIGTERM)
        try:
            rc = col.wait(timeout=20)
        except subprocess.TimeoutExpired:
            col.kill()
            rc = col.wait()
    check("exits 0 on SIGTERM", rc == 0, open(log_path).read()[-3000:])

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
