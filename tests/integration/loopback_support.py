"""What the loopback tests of the real binaries share: ok/FAIL lines with a failure list, free
ports on 127.0.0.1, a bounded wait for a listening port, and a plaintext collector config.
Imported by tests/integration/*/ and tests/lab/agent/test_agent_disk_full_lab.py."""
import socket
import sys
import time

failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    sys.stdout.flush()
    if not cond:
        failures.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=20):
    """True once 127.0.0.1:PORT accepts a connection; False if PROC exits or SECONDS pass."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def write_collector_config(path, zmq_port, api_port, db, log_level="info"):
    """A plaintext collector on 127.0.0.1 with its SQLite store at DB."""
    with open(path, "w") as f:
        f.write(f"""collector:
  log_level: {log_level}
  listen: [tcp://127.0.0.1:{zmq_port}]
  insecure_plaintext: true
store:
  database: {db}
api:
  listen: 127.0.0.1:{api_port}
""")
    return path
