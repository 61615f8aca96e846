#!/usr/bin/python3
"""Lab test of the real pathwatch-agent (agent runtime: scheduler, state, publisher).

Builds etc/lab/municipal.yaml as pwa<pid>, runs tests/lab/agent/fake_collector (a ZeroMQ ROUTER
that prints and acknowledges every envelope) on dc-collector and pathwatch-agent on the main
office LAN host with the example config's shape (primary pinned by source 198.18.1.10,
backup by 198.18.1.11), then checks:
  - both paths of the target come UP (StateChange UNKNOWN -> UP);
  - cutting main-primary takes (asp, primary) DOWN within down_after x interval + timeout
    (+ one interval for the probe in flight at the cut, + 0.5 s for the lab's own delay),
    dated by the StateChange's own timestamp, while (asp, backup) never leaves UP;
  - restoring it brings (asp, primary) UP again;
  - SIGTERM: exit 0, final window summaries published, every envelope numbered 1, 2, 3...

    /usr/bin/python3 tests/lab/agent/test_agent_lab.py build/bin/pathwatch-agent build/tests/fake_collector
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import pwlab  # noqa: E402

TOPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "etc", "lab", "municipal.yaml"))
NAME = "pwa%d" % os.getpid()
AGENT = COLLECTOR = None  # from argv

ASP = "198.18.30.10"
COLLECTOR_EP = "tcp://198.18.10.10:7000"
INTERVAL, TIMEOUT, DOWN_AFTER = 0.2, 0.3, 3
UP, DOWN = 2, 4  # pathwatch.v1.PathState
ICMP = 1

CONFIG = """
agent: {{id: lab-main-01, site: honcho, log_level: info}}
window: 2s
collector: {{endpoints: [{ep}], insecure_plaintext: true}}
spool: {{directory: {spool}}}
thresholds: {{down_after: {down}, up_after: 3, degraded_loss_percent: 50, degraded_rtt: 1s,
              evaluation_probes: 20}}
defaults: {{interval: {interval}ms, timeout: {timeout}ms}}
paths:
  - {{name: primary, source: 198.18.1.10}}
  - {{name: backup, source: 198.18.1.11}}
targets:
  - {{name: asp-app, address: {asp}, icmp: true, paths: [primary, backup]}}
"""


def reap_stale_labs():
    """Tear down labs left by earlier runs of this test that were killed (bounded)."""
    names = set(pwlab.list_labs()) | {n.split("-", 1)[0] for n in pwlab.list_netns()}
    for n in sorted(names)[:50]:
        m = re.match(r"^pwa(\d+)$", n)
        if m and int(m.group(1)) != os.getpid() and not os.path.exists("/proc/" + m.group(1)):
            pwlab.Lab(None, n).down()


class Collected:
    """The fake collector's JSON lines, read from its output file."""

    def __init__(self, path):
        self.path = path

    def envelopes(self):
        out = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{") and line.endswith("}"):
                    out.append(json.loads(line))
        return out

    def states(self, path, since_seq=0):
        return [e for e in self.envelopes()
                if e.get("type") == "state" and e["seq"] > since_seq
                and e["flow"]["target"] == "asp-app" and e["flow"]["path"] == path
                and e["flow"]["kind"] == ICMP]

    def wait_state(self, path, to, since_seq=0, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # bounded by timeout
            for e in self.states(path, since_seq):
                if e["to"] == to:
                    return e
            time.sleep(0.1)
        return None


class AgentLabTest(unittest.TestCase):
    def test_cut_and_restore_primary(self):
        reap_stale_labs()
        lab = pwlab.Lab(TOPO, NAME)
        tmp = tempfile.mkdtemp(prefix="pwa")
        procs = []
        log = None
        try:
            lab.up()
            out = os.path.join(tmp, "collector.jsonl")
            with open(out, "w") as f:
                procs.append(subprocess.Popen(
                    ["ip", "netns", "exec", lab.ns("dc-collector"), COLLECTOR, COLLECTOR_EP, "120"],
                    stdout=f, stderr=subprocess.STDOUT))
            cfg = os.path.join(tmp, "agent.yaml")
            with open(cfg, "w") as f:
                f.write(CONFIG.format(ep=COLLECTOR_EP, spool=os.path.join(tmp, "spool"),
                                      down=DOWN_AFTER, interval=int(INTERVAL * 1000),
                                      timeout=int(TIMEOUT * 1000), asp=ASP))
            log = open(os.path.join(tmp, "agent.log"), "w")
            agent = subprocess.Popen(
                ["ip", "netns", "exec", lab.ns("main-agent"), AGENT, "--config", cfg],
                stdout=log, stderr=subprocess.STDOUT)
            procs.append(agent)
            got = Collected(out)

            up_pri = got.wait_state("primary", UP)
            up_bak = got.wait_state("backup", UP)
            self.assertIsNotNone(up_pri, "primary never came up")
            self.assertIsNotNone(up_bak, "backup never came up")
            self.assertEqual(up_pri["from"], 1)  # UNKNOWN

            mark = max(e["seq"] for e in got.envelopes())
            cut_ns = time.time_ns()
            lab.fault_cut("main-primary")
            down = got.wait_state("primary", DOWN, since_seq=mark)
            self.assertIsNotNone(down, "primary never went down after the cut")
            limit = (DOWN_AFTER + 1) * INTERVAL + TIMEOUT + 0.5
            took = (down["at"] - cut_ns) / 1e9
            self.assertLess(took, limit, "DOWN %.3f s after the cut (limit %.2f)" % (took, limit))
            self.assertGreater(took, 0)
            sys.stderr.write("primary DOWN %.3f s after the cut (limit %.2f s)\n" % (took, limit))
            time.sleep(1.0)  # let backup show any (wrong) reaction
            self.assertEqual([e for e in got.states("backup", mark) if e["to"] != UP], [],
                             "backup changed state while only primary was cut")

            mark = max(e["seq"] for e in got.envelopes())
            lab.restore("main-primary")
            up_again = got.wait_state("primary", UP, since_seq=mark)
            self.assertIsNotNone(up_again, "primary did not come back up after restore")
            self.assertEqual(up_again["from"], DOWN)

            agent.send_signal(15)
            self.assertEqual(agent.wait(timeout=15), 0)
            envs = got.envelopes()
            seqs = [e["seq"] for e in envs]
            # A fresh agent numbers from the clock floor (docs/spool.md), not from 1.
            self.assertEqual(sorted(set(seqs)), list(range(min(seqs), max(seqs) + 1)), "seq gaps")
            self.assertEqual(envs[0]["type"], "hello")
            windows = [e for e in envs if e["type"] == "window"]
            self.assertTrue(any(w["flow"]["path"] == "primary" and w["lost"] > 0 for w in windows),
                            "no window summary shows the primary's losses")
            self.assertTrue(all(e["agent"] == "lab-main-01" and e["schema"] == 1 for e in envs))
        except Exception:
            for name in ("agent.log", "collector.jsonl"):
                p = os.path.join(tmp, name)
                if os.path.exists(p):
                    sys.stderr.write("---- %s (tail)\n" % name)
                    with open(p, encoding="utf-8", errors="replace") as f:
                        sys.stderr.write("".join(f.readlines()[-40:]))
            raise
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait(timeout=5)
            if log is not None:
                log.close()
            lab.down()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    AGENT, COLLECTOR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1])
