#!/usr/bin/python3
"""Lab test (d): a site cut off for minutes keeps measuring, and its backlog reaches the real
collector with the agent's original timestamps.

The real pathwatch-collector runs on dc-collector (SQLite store, API on the namespace's own
loopback, one service "asp" measured from honcho with unknown time *excluded*, so only
measured DOWN time can count as unavailable). The agent on the main-office LAN host probes
asp over the primary- and backup-pinned paths. Both lines of the main office are cut for
OUTAGE seconds (the agent can reach neither the targets nor the collector), then restored.
Checked through `pathwatchctl --json`:
  - every message is acknowledged (through_seq == last_seq) and no gap was given up on (the
    backlog arrives after the reconnect's Hello, so a gap is recorded, then filled);
  - the stored state changes say DOWN at times inside the outage and UP after it: the times
    the agent observed, not the time of delivery;
  - the link is back (the reconnect's Hello made) within 4.5 s of the repair, so the first
    acknowledged message follows within 5 s;
  - the availability for the month has an unavailable period covering the outage (within
    detection time and one window), counted from the delivered data, not from unknown time.

    /usr/bin/python3 tests/lab/agent/test_agent_outage_lab.py AGENT COLLECTOR PATHWATCHCTL [OUTAGE_S]
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import agent_lab_support as s
from agent_lab_support import utc_ns  # noqa: E402

NAME = "pwo%d" % os.getpid()
AGENT = COLLECTOR = CTL = None
OUTAGE = 150.0  # s; the issue says "several minutes": bounded here to keep CI short
WINDOW = 5.0
INTERVAL, TIMEOUT, DOWN_AFTER = 1.0, 1.0, 3
API = "http://127.0.0.1:7080"
COLLECTOR_EP6 = "tcp://[fd00:5057:10::10]:7000"  # dc-collector on dc-lan, fd00:5057:10::/64

COLLECTOR_CONFIG = """collector:
  log_level: info
  listen: ["{ep}", "{ep6}"]
  insecure_plaintext: true
  batch_delay: 20ms
store:
  database: {db}
api:
  listen: 127.0.0.1:7080
services:
  - name: asp
    targets: [asp-app]
    reference_sites: [honcho]
    unknown_counts_as: excluded
"""

AGENT_CONFIG = """
agent: {{id: lab-outage, site: honcho, log_level: info}}
window: 5s
collector: {{endpoints: ["{ep}"], insecure_plaintext: true}}
spool: {{directory: {spool}}}
thresholds: {{down_after: 3, up_after: 3}}
defaults: {{interval: 1s, timeout: 1s}}
paths:
  - {{name: primary, source: 198.18.1.10}}
  - {{name: backup, source: 198.18.1.11}}
targets:
  - {{name: asp-app, address: {asp}, icmp: true, paths: [primary, backup]}}
"""




class AgentOutageLabTest(unittest.TestCase):
    def ctl(self, lab, *args):
        p = lab.exec("dc-collector", [CTL, "--collector", API, "--json"] + list(args), timeout=30)
        if p.returncode not in (0, 3):
            return None
        try:
            return json.loads(p.stdout)
        except ValueError:
            return None

    @staticmethod
    def reconnect_hello_s(db, restore_ns):
        """Seconds from the repair to the first Hello the agent made after it (stored)."""
        con = sqlite3.connect(db)
        try:
            row = con.execute("SELECT MIN(at) FROM hellos WHERE at > ?", (restore_ns,)).fetchone()
        finally:
            con.close()
        return (row[0] - restore_ns) / 1e9 if row and row[0] else float("inf")

    def test_site_cut_for_minutes_then_backlog_delivered(self):
        s.reap_stale_labs("pwo")
        lab = s.pwlab.Lab(s.TOPO, NAME)
        tmp = tempfile.mkdtemp(prefix="pwo")
        procs = s.Procs(lab, tmp)
        try:
            lab.up()
            ccfg = s.write(os.path.join(tmp, "collector.yaml"), COLLECTOR_CONFIG.format(
                ep=s.COLLECTOR_EP, ep6=COLLECTOR_EP6, db=os.path.join(tmp, "pw.db")))
            procs.start("dc-collector", [COLLECTOR, "--config", ccfg], "collector.log")
            self.assertTrue(s.wait_for(lambda: self.ctl(lab, "status"), 30, 0.5),
                            "collector API never answered")
            acfg = s.write(os.path.join(tmp, "agent.yaml"), AGENT_CONFIG.format(
                ep=COLLECTOR_EP6, spool=os.path.join(tmp, "spool"), asp=s.ASP))
            agent = procs.start("main-agent", [AGENT, "--config", acfg], "agent.log")

            def flows_up():
                st = self.ctl(lab, "status")
                fl = [f for f in (st or {}).get("flows", []) if f.get("agent_id") == "lab-outage"
                      or f.get("flow", {}).get("agent_id") == "lab-outage"]
                return st if len(fl) == 2 and all(f.get("state") == "up" for f in fl) else None
            self.assertIsNotNone(s.wait_for(flows_up, 40, 1.0), "flows never stored UP")
            time.sleep(WINDOW)

            cut_ns = time.time_ns()
            lab.fault_cut("main-primary")
            lab.fault_cut("main-backup")
            sys.stderr.write("both lines of the main office cut for %.0f s\n" % OUTAGE)
            time.sleep(OUTAGE)
            restore_ns = time.time_ns()
            lab.restore("main-primary")
            lab.restore("main-backup")

            def caught_up():
                st = self.ctl(lab, "status")
                ag = [a for a in (st or {}).get("agents", []) if a["agent_id"] == "lab-outage"]
                if not ag or ag[0]["through_seq"] != ag[0]["last_seq"]:
                    return None
                ev = self.ctl(lab, "events", "--site", "honcho")
                ups = [c for c in (ev or {}).get("state_changes", [])
                       if c["to"] == "up" and utc_ns(c["at"]) > restore_ns]
                return (ag[0], ev, st) if len(ups) >= 2 else None
            got = s.wait_for(caught_up, 90, 1.0)
            self.assertIsNotNone(got, "backlog not delivered and acknowledged after the restore")
            agent_row, events, status = got
            # Back within 5 s (issue 15, docs/security.md): the reconnect's Hello is created the
            # moment the link is up again, and acknowledged a commit (~20 ms) later. Before,
            # the DEALER's connect sat in SYN-SENT under the kernel's SYN back-off: 24-32 s.
            back = self.reconnect_hello_s(os.path.join(tmp, "pw.db"), restore_ns)
            sys.stderr.write("link back %.2f s after the repair\n" % back)
            self.assertLessEqual(back, 4.5, "first message after the repair too late")
            sys.stderr.write("collector: agent through_seq %d = last_seq %d\n"
                             % (agent_row["through_seq"], agent_row["last_seq"]))
            # The reconnect's Hello comes first (docs/protocol.md), so the collector records
            # the backlog below it as a gap when it arrives; through_seq == last_seq says every
            # seq was then stored, and none was given up on (no DropReport, no gap_timeout).
            self.assertEqual(status["ingest"].get("gaps_given_up"), 0, status["ingest"])
            for gap in events.get("gaps", []):
                self.assertLessEqual(gap["last_seq"], agent_row["through_seq"], gap)
            changes = events["state_changes"]
            for path in ("primary", "backup"):
                downs = [utc_ns(c["at"]) for c in changes
                         if c["path"] == path and c["to"] == "down"]
                self.assertTrue(downs, "%s: no stored DOWN" % path)
                at = downs[-1]
                # Measured during the cut, within detection time (down_after x interval +
                # timeout + one interval in flight, + 1 s lab slack).
                self.assertGreater(at, cut_ns)
                self.assertLess(at - cut_ns, ((DOWN_AFTER + 1) * INTERVAL + TIMEOUT + 1) * 1e9)
                sys.stderr.write("%s: DOWN stored at the agent's time, %.2f s into the cut\n"
                                 % (path, (at - cut_ns) / 1e9))

            month = datetime.datetime.fromtimestamp(
                cut_ns / 1e9, datetime.timezone(datetime.timedelta(hours=9))).strftime("%Y-%m")
            av = self.ctl(lab, "availability", "--month", month, "--service", "asp")
            self.assertIsNotNone(av, "availability query failed")
            figs = av.get("services", av if isinstance(av, list) else [av])
            fig = [f for f in figs if f.get("service") == "asp"][0]
            covering = [p for p in fig["unavailable_periods"]
                        if utc_ns(p["start"]) < restore_ns and utc_ns(p["end"]) > cut_ns]
            self.assertTrue(covering, "the outage is not counted as unavailable: %s" % fig)
            span = max(min(utc_ns(p["end"]), restore_ns) - max(utc_ns(p["start"]), cut_ns)
                       for p in covering) / 1e9
            sys.stderr.write("availability: %s unavailable min, %s unknown min (excluded); "
                             "outage covered %.0f of %.0f s\n" % (
                                 fig["unavailable_minutes"], fig["unknown_minutes"], span,
                                 (restore_ns - cut_ns) / 1e9))
            # Covered from detection (a few s) to the restore, at the analysis' resolution.
            self.assertGreater(span, OUTAGE - 2 * WINDOW - 10)

            agent.send_signal(15)
            self.assertEqual(agent.wait(timeout=15), 0)
        except Exception:
            s.dump_logs(tmp, ("agent.log", "collector.log"))
            raise
        finally:
            procs.end()
            lab.down()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    AGENT, COLLECTOR, CTL = (os.path.abspath(a) for a in sys.argv[1:4])
    if len(sys.argv) > 4:
        OUTAGE = float(sys.argv[4])
    unittest.main(argv=sys.argv[:1])
