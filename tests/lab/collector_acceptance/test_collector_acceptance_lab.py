#!/usr/bin/python3
"""Lab acceptance tests of the collector (issue 4 "Done when"), with the real agent and collector.

One lab, one collector (dc-collector, SQLite, API on the namespace's loopback), one agent on the
main-office LAN host probing asp every 500 ms over the primary-pinned, backup-pinned and
as-routed paths (the as-routed path names its line from the TTL-2 hop: 198.18.101.1 primary,
198.18.102.1 backup). Service "asp": 24x7, measured from honcho, any_path, unknown excluded.

  (b) failover then failback: `route main-rtr backup`, hold ~10 s, `route main-rtr primary` ->
      `events --json` has one failover event (route evidence) whose duration matches the
      test's own timing within two probe intervals;
  (a) outage of known length: both main-office lines cut for ~20 s, then restored; once the
      backlog is delivered, the month's availability counts unavailable time equal to the
      measured outage within one probe interval (derivation in check_outage_figure).

    /usr/bin/python3 tests/lab/collector_acceptance/test_collector_acceptance_lab.py \
        AGENT COLLECTOR PATHWATCHCTL
"""

import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "agent"))
import agent_lab_support as s  # noqa: E402
from agent_lab_support import utc_ns, timed, mid  # noqa: E402

NAME = "pwca%d" % os.getpid()
AGENT = COLLECTOR = CTL = None
API = "http://127.0.0.1:7080"
AGENT_ID = "lab-accept"
INTERVAL, TIMEOUT, DOWN_AFTER, UP_AFTER = 0.5, 0.4, 3, 3  # agent config below
OUTAGE_HOLD, FAILOVER_HOLD = 20.0, 10.0
JST = datetime.timezone(datetime.timedelta(hours=9))

COLLECTOR_CONFIG = """collector:
  log_level: info
  listen: [{ep}]
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
    paths: any_path
    calendar: 24x7
    unknown_counts_as: excluded
failover:
  primary_path: primary
"""

AGENT_CONFIG = """
agent: {{id: {id}, site: honcho, log_level: info}}
window: 2s
collector: {{endpoints: [{ep}], insecure_plaintext: true}}
spool: {{directory: {spool}}}
thresholds: {{down_after: {down}, up_after: {up}}}
defaults: {{interval: {interval}ms, timeout: {timeout}ms}}
paths:
  - {{name: primary, source: 198.18.1.10}}
  - {{name: backup, source: 198.18.1.11}}
  - name: as-routed
    as_routed: true
    hop_ttl: 2
    line_hops: {{198.18.101.1: primary, 198.18.102.1: backup}}
targets:
  - {{name: asp-app, address: {asp}, icmp: true, paths: [primary, backup, as-routed]}}
"""








class CollectorAcceptanceLabTest(unittest.TestCase):
    def ctl(self, *args):
        p = self.lab.exec("dc-collector", [CTL, "--collector", API, "--json"] + list(args),
                          timeout=30)
        if p.returncode not in (0, 3):
            return None
        try:
            return json.loads(p.stdout)
        except ValueError:
            return None

    def flows_up(self):
        st = self.ctl("status")
        fl = [f for f in (st or {}).get("flows", []) if f.get("agent_id") == AGENT_ID]
        return st if len(fl) == 3 and all(f.get("state") == "up" for f in fl) else None

    def caught_up(self, since_ns):
        """Every seq acknowledged and every flow's UP after SINCE_NS stored: the backlog (the
        DOWNs during the cut) and the recovery are in the store."""
        st = self.ctl("status")
        ag = [a for a in (st or {}).get("agents", []) if a["agent_id"] == AGENT_ID]
        if not ag or ag[0]["through_seq"] != ag[0]["last_seq"]:
            return None
        ev = self.ctl("events", "--site", "honcho") or {}
        up_paths = {c["path"] for c in ev.get("state_changes", [])
                    if c["agent_id"] == AGENT_ID and c["to"] == "up"
                    and utc_ns(c["at"]) > since_ns}
        return self.flows_up() if len(up_paths) == 3 else None

    def route_changes(self, since_ns):
        ev = self.ctl("events", "--site", "honcho") or {}
        return [c for c in ev.get("route_changes", [])
                if c["agent_id"] == AGENT_ID and utc_ns(c["at"]) > since_ns]

    def test_acceptance(self):
        s.reap_stale_labs("pwca")
        self.lab = s.pwlab.Lab(s.TOPO, NAME)
        tmp = tempfile.mkdtemp(prefix="pwca")
        procs = s.Procs(self.lab, tmp)
        try:
            self.lab.up()
            ccfg = s.write(os.path.join(tmp, "collector.yaml"), COLLECTOR_CONFIG.format(
                ep=s.COLLECTOR_EP, db=os.path.join(tmp, "pw.db")))
            procs.start("dc-collector", [COLLECTOR, "--config", ccfg], "collector.log")
            self.assertTrue(s.wait_for(lambda: self.ctl("status"), 30, 0.5),
                            "collector API never answered")
            acfg = s.write(os.path.join(tmp, "agent.yaml"), AGENT_CONFIG.format(
                id=AGENT_ID, ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "spool"), asp=s.ASP,
                down=DOWN_AFTER, up=UP_AFTER, interval=int(INTERVAL * 1000),
                timeout=int(TIMEOUT * 1000)))
            agent = procs.start("main-agent", [AGENT, "--config", acfg], "agent.log")
            self.assertIsNotNone(s.wait_for(self.flows_up, 40, 0.5), "flows never stored UP")
            # The as-routed path must have named its line before the switch is timed.
            self.assertTrue(s.wait_for(lambda: [c for c in self.route_changes(0)
                                                if c["to_path"] == "primary"], 20, 0.5),
                            "as-routed path never reported the primary line")

            self.failover_then_failback()
            self.outage_of_known_length()

            agent.send_signal(15)
            self.assertEqual(agent.wait(timeout=15), 0)
        except Exception:
            s.dump_logs(tmp, ("agent.log", "collector.log"))
            raise
        finally:
            procs.end()
            self.lab.down()
            shutil.rmtree(tmp, ignore_errors=True)

    def failover_then_failback(self):
        t0 = time.time_ns()
        switch = timed(self.lab.route, "main-rtr", "backup")
        self.assertTrue(s.wait_for(lambda: [c for c in self.route_changes(t0)
                                            if c["to_path"] == "backup"], 15, 0.5),
                        "no RouteChange to backup stored")
        time.sleep(max(0.0, FAILOVER_HOLD - (time.time_ns() - switch[1]) / 1e9))
        back = timed(self.lab.route, "main-rtr", "primary")
        self.assertTrue(s.wait_for(lambda: [c for c in self.route_changes(back[0])
                                            if c["to_path"] == "primary"], 15, 0.5),
                        "no RouteChange back to primary stored")
        ev = self.ctl("events", "--site", "honcho")
        events = [e for e in ev["failovers"]
                  if switch[0] - 1e9 < utc_ns(e["at"]) < back[1] + 1e9]
        self.assertEqual(len(events), 1, ev["failovers"])
        e = events[0]
        self.assertFalse(e["ongoing"], e)
        self.assertIn(e["detected_by"], ("route_change", "both"), e)
        self.assertEqual(e["backup_path"], "backup", e)
        # Both edges are seen the same way (the hop of the next as-routed probe, confirmed
        # alike), so the detection delays cancel up to their spread: at most one probe
        # interval each way from the probe phase, hence 2 intervals; plus half of each
        # route command's own duration (the switch took effect somewhere inside it).
        measured = (mid(back) - mid(switch)) / 1e9
        slack = ((switch[1] - switch[0]) + (back[1] - back[0])) / 2e9
        tolerance = 2 * INTERVAL + slack
        sys.stderr.write("failover: event %s .. %s duration %.3f s; measured hold %.3f s "
                         "(tolerance %.3f s = 2 x %.1f s + %.3f s command time)\n" % (
                             e["at"], e["end"], e["duration_s"], measured, tolerance,
                             INTERVAL, slack))
        self.assertLessEqual(abs(e["duration_s"] - measured), tolerance, e)

    def outage_of_known_length(self):
        self.lab.fault_cut("main-primary")
        cut_backup = timed(self.lab.fault_cut, "main-backup")
        time.sleep(max(0.0, OUTAGE_HOLD - (time.time_ns() - cut_backup[1]) / 1e9))
        restore_primary = timed(self.lab.restore, "main-primary")
        restore_backup = timed(self.lab.restore, "main-backup")
        got = s.wait_for(lambda: self.caught_up(restore_primary[0]), 90, 1.0)
        self.assertIsNotNone(got, "backlog not delivered, or flows not UP again")

        # C = the instant the service lost its last path: inside the backup line's cut.
        # R = the instant a path worked again: from the start of the primary's restore to the
        # end of the backup's (the primary normally, inside its own restore call).
        c_span = cut_backup
        r_span = (restore_primary[0], restore_backup[1])
        measured = (mid(r_span) - mid(c_span)) / 1e9
        slack = ((c_span[1] - c_span[0]) + (r_span[1] - r_span[0])) / 2e9

        month = datetime.datetime.fromtimestamp(c_span[0] / 1e9, JST).strftime("%Y-%m")
        av = self.ctl("availability", "--month", month, "--service", "asp")
        self.assertIsNotNone(av, "availability query failed")
        figs = av.get("services", [av]) if isinstance(av, dict) else av
        fig = [f for f in figs if f.get("service") == "asp"][0]
        lo, hi = c_span[0] - 30 * 10**9, r_span[1] + 30 * 10**9
        periods = [(utc_ns(p["start"]), utc_ns(p["end"])) for p in fig["unavailable_periods"]]
        near = [p for p in periods if p[0] < hi and p[1] > lo]
        self.assertEqual(len(near), 1, "expected one unavailable period: %s" % fig)
        # Nothing else in the month is unavailable (the failover kept a path up throughout).
        self.assertEqual(len(periods), 1, fig)
        unavailable = (near[0][1] - near[0][0]) / 1e9
        self.assertAlmostEqual(fig["unavailable_minutes"] * 60, unavailable, delta=0.1)

        # The contract (docs/agent.md): a StateChange is stamped with the outcome that caused
        # it: send time + RTT (answer or ICMP error) or send time + timeout. Flows of one
        # target share a phase. With t1 the first probe sent after C (t1 - C in [0, I)):
        #   DOWN at = t1 + (down_after - 1) I + e,  e = RTT (main-rtr's ICMP unreachable, the
        #             line's routes are deleted on a cut) or = timeout T (a probe lost silently)
        # and with r1 the first probe sent after R (r1 - R in [0, I)):
        #   UP at   = r1 + (up_after - 1) I + RTT.
        # any_path: unavailable from the last path's DOWN to the first path's UP, so
        #   unavailable - (R - C) = (r1 - R) - (t1 - C) + (up_after - down_after) I - e + RTT
        #                         in (-I - T, +I)   with up_after = down_after,
        # widened by the command durations (slack) inside which C and R lie.
        expected = measured + (UP_AFTER - DOWN_AFTER) * INTERVAL
        low = expected - INTERVAL - TIMEOUT - slack
        high = expected + INTERVAL + slack
        changes = [c for c in self.ctl("events", "--site", "honcho")["state_changes"]
                   if c["agent_id"] == AGENT_ID and lo < utc_ns(c["at"]) < hi]
        downs = [utc_ns(c["at"]) for c in changes if c["to"] == "down"]
        ups = [utc_ns(c["at"]) for c in changes if c["to"] == "up"]
        sys.stderr.write(
            "outage: measured %.3f s (cut of the last line %.3f s, restores %.3f s); "
            "unavailable %.3f s (%s .. %s, %.4f min); expected %.3f s in (%.3f, %.3f); "
            "DOWN %.3f..%.3f s after the cut, first UP %.3f s after the restore began\n" % (
                measured, (c_span[1] - c_span[0]) / 1e9, (r_span[1] - r_span[0]) / 1e9,
                unavailable, fig["unavailable_periods"][0]["start"],
                fig["unavailable_periods"][0]["end"], fig["unavailable_minutes"], expected,
                low, high, (min(downs) - c_span[0]) / 1e9, (max(downs) - c_span[0]) / 1e9,
                (min([u for u in ups if u > max(downs)] or [0]) - r_span[0]) / 1e9))
        # The period is exactly the stored edges: last DOWN .. first UP after it.
        self.assertEqual(len(downs), 3, changes)
        self.assertEqual(near[0][0], max(downs))
        self.assertEqual(near[0][1], min(u for u in ups if u > max(downs)))
        self.assertGreater(unavailable, low)
        self.assertLess(unavailable, high)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    AGENT, COLLECTOR, CTL = (os.path.abspath(a) for a in sys.argv[1:4])
    unittest.main(argv=sys.argv[:1])
