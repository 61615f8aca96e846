#!/usr/bin/python3
"""Lab test of the agent's disk spool and reload, with the real agent on the main-office LAN
host and tests/lab/agent/fake_collector (acks the contiguous watermark, as the real one) on
dc-collector:

  (c) the collector host is cut off (dc-lan, dc-collector's side) while the agent probes;
      the agent is killed with SIGKILL and restarted, still cut off; after the restore every
      spooled message of both runs arrives, oldest first; seqs continue above the first run's
      without collision, and the seqs the crashed run reserved but never used are covered by
      one DropReport; nothing the first run published is lost (docs/spool.md: SIGKILL loses
      nothing push() returned for), so its windows tile time up to the kill, and only the
      window in progress at the kill is missing (< 1 window length);
  (4) SIGHUP with a config that adds a target: a new Hello, the new flow comes UP from
      UNKNOWN, the unchanged flows keep their state (no new UNKNOWN -> UP), seq continues.

    /usr/bin/python3 tests/lab/agent/test_agent_spool_lab.py AGENT FAKE_COLLECTOR
"""

import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

import agent_lab_support as s

NAME = "pws%d" % os.getpid()
AGENT = COLLECTOR = None
WINDOW = 2.0
ID = "lab-spool"

CONFIG = """
agent: {{id: {id}, site: honcho, log_level: info}}
window: 2s
collector: {{endpoints: [{ep}], insecure_plaintext: true}}
spool: {{directory: {spool}}}
thresholds: {{down_after: 3, up_after: 3}}
defaults: {{interval: 200ms, timeout: 300ms}}
paths:
  - {{name: primary, source: 198.18.1.10}}
  - {{name: backup, source: 198.18.1.11}}
targets:
  - {{name: asp-app, address: {asp}, icmp: true, paths: [primary, backup]}}
{extra}"""

EXTRA_TARGET = "  - {name: asp-tcp, address: 198.18.30.10, icmp: false, tcp: [8443], paths: [primary]}\n"


def flows_windows(envs):
    by_flow = {}
    for e in envs:
        if e["type"] == "window":
            f = e["flow"]
            by_flow.setdefault((f["target"], f["path"], f["kind"], f["port"]), {})[e["start"]] = e
    return by_flow


class AgentSpoolLabTest(unittest.TestCase):
    def test_sigkill_while_cut_off_then_deliver_and_reload(self):
        s.reap_stale_labs("pws")
        lab = s.pwlab.Lab(s.TOPO, NAME)
        tmp = tempfile.mkdtemp(prefix="pws")
        procs = s.Procs(lab, tmp)
        try:
            lab.up()
            out = os.path.join(tmp, "collector.jsonl")
            procs.start("dc-collector", [COLLECTOR, s.COLLECTOR_EP, "240"], "collector.jsonl")
            cfg = os.path.join(tmp, "agent.yaml")
            fmt = dict(id=ID, ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "spool"), asp=s.ASP)
            s.write(cfg, CONFIG.format(extra="", **fmt))
            run1 = procs.start("main-agent", [AGENT, "--config", cfg], "agent1.log")
            got = s.Collected(out)
            for path in ("primary", "backup"):
                self.assertIsNotNone(got.wait(ID, "state", lambda e, p=path: e["flow"]["path"] == p
                                              and e["to"] == s.UP, timeout=20), path + " never UP")
            # Let a window or two be acknowledged, then cut the collector host off.
            time.sleep(2 * WINDOW)
            seen_before_cut = got.last_seq(ID)
            cut_ns = time.time_ns()
            lab.fault_cut("dc-lan", side="dc-collector")
            time.sleep(3 * WINDOW)
            kill_ns = time.time_ns()
            run1.send_signal(signal.SIGKILL)
            run1.wait(timeout=10)
            time.sleep(1.0)
            run2 = procs.start("main-agent", [AGENT, "--config", cfg], "agent2.log")
            time.sleep(3 * WINDOW)
            restore_ns = time.time_ns()
            lab.restore("dc-lan")

            def delivered():
                envs = got.envelopes(ID)
                seqs = {e["seq"] for e in envs}
                covered = set()
                for d in (e for e in envs if e["type"] == "drop"):
                    covered |= set(range(d["first_seq"], d["last_seq"] + 1))
                newest = [e for e in envs if e["type"] == "window" and e["start"] > restore_ns]
                if not newest:
                    return None
                # Run 1 starts at the clock floor (no next_seq yet): from its first seq on.
                missing = set(range(min(seqs), max(seqs) + 1)) - seqs - covered
                return (envs, covered) if not missing else None

            result = s.wait_for(delivered, timeout=60, step=0.25)
            self.assertIsNotNone(result, "the spooled backlog did not arrive complete")
            envs, covered = result
            # Run 2 started a second after the kill: its messages are the ones created after it
            # (the first is its DropReport, published before it connects).
            first_of_run2 = min(e["seq"] for e in envs if e["created"] > kill_ns)
            run1_seqs = sorted({e["seq"] for e in envs if e["seq"] < first_of_run2})
            run1_max = run1_seqs[-1]
            sys.stderr.write("run 1: seqs 1..%d (%d seen before the cut); run 2 starts at %d; "
                             "DropReport covers %d seqs\n" % (run1_max, seen_before_cut,
                                                             first_of_run2, len(covered)))
            # The first run spooled while cut off, and delivered it through the second run.
            self.assertGreater(run1_max, seen_before_cut)
            self.assertEqual(run1_seqs, list(range(run1_seqs[0], run1_max + 1)))
            # No collision: the second run numbers above everything of the first; the gap is
            # exactly the first run's unused reservation, reported as dropped (0 messages).
            drops = [e for e in envs if e["type"] == "drop"]
            self.assertEqual(len(drops), 1, drops)
            self.assertEqual((drops[0]["first_seq"], drops[0]["last_seq"]),
                             (run1_max + 1, first_of_run2 - 1))
            self.assertEqual((drops[0]["summaries"], drops[0]["events"]), (0, 0))
            # Each seq is one message: copies (resends) are identical.
            by_seq = {}
            for e in envs:
                self.assertEqual(by_seq.setdefault(e["seq"], e), e, "seq %d reused" % e["seq"])
            # Original timestamps, oldest first: the backlog (first received after the cut)
            # came in seq order, carrying creation times from inside the cut.
            order, seen = [], set()
            for e in envs:
                if e["seq"] > seen_before_cut and e["seq"] not in seen:
                    seen.add(e["seq"])
                    order.append(e["seq"])
            backlog = [q for q in order if q <= run1_max]
            self.assertEqual(backlog, sorted(backlog), "backlog not delivered oldest first")
            self.assertTrue(any(cut_ns < by_seq[q]["created"] < kill_ns for q in backlog))
            # Loss bound under SIGKILL: run 1's windows tile time with no hole up to the last
            # one, which ended less than one window before the kill.
            w1 = flows_windows(e for e in envs if e["seq"] <= run1_max)
            self.assertEqual(len(w1), 2)
            for flow, wins in w1.items():
                starts = sorted(wins)
                for a, b in zip(starts, starts[1:]):
                    self.assertEqual(wins[a]["end"], b, "hole in %s windows" % (flow,))
                last_end = wins[starts[-1]]["end"]
                lost = (kill_ns - last_end) / 1e9
                sys.stderr.write("%s: last window before the kill ended %.3f s before it\n"
                                 % (flow[1], lost))
                self.assertLess(lost, WINDOW + 0.5)
                self.assertGreater(last_end, cut_ns)

            # (4) SIGHUP adds a target; unchanged flows keep their state and seq continues.
            mark = got.last_seq(ID)
            s.write(cfg, CONFIG.format(extra=EXTRA_TARGET, **fmt))
            run2.send_signal(signal.SIGHUP)
            hello = got.wait(ID, "hello", lambda e: e["targets"] == 2, mark, timeout=10)
            self.assertIsNotNone(hello, "no Hello for the reloaded config")
            self.assertGreater(hello["seq"], mark)
            up = got.wait(ID, "state", lambda e: e["flow"]["target"] == "asp-tcp"
                          and e["to"] == s.UP, mark, timeout=15)
            self.assertIsNotNone(up, "the added target never came UP")
            self.assertEqual(up["from"], s.UNKNOWN)
            time.sleep(WINDOW)
            restarted = got.of(ID, "state", mark, lambda e: e["flow"]["target"] == "asp-app")
            self.assertEqual(restarted, [], "unchanged flows changed state on reload")

            run2.send_signal(signal.SIGTERM)
            self.assertEqual(run2.wait(timeout=15), 0)
        except Exception:
            s.dump_logs(tmp, ("agent1.log", "agent2.log", "collector.jsonl"))
            raise
        finally:
            procs.end()
            lab.down()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    AGENT, COLLECTOR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1])
