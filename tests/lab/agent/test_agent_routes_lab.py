#!/usr/bin/python3
"""Lab test of the agent's route detection at the main office, with real routing:

  (a) an agent on the LAN host (main-agent) with an as-routed path whose line_hops name
      dc-rtr's line addresses (198.18.101.1 primary, 198.18.102.1 backup; hop_ttl 2):
      `pwlab route main-rtr backup` -> RouteChange SOURCE_HOPS primary -> backup published
      within 3 probe intervals of the switch, and back on `route main-rtr primary`;
  (b) an agent on the site router (main-rtr) watching the DC prefix with interfaces
      primary/backup: the same switch -> RouteChange SOURCE_NETLINK within 1 s. Its window
      summaries carry the interface counters of its interface-pinned paths; when the backup
      line loses carrier (far end cut) it publishes a LinkChange and a window counts it.

Both agents publish to tests/lab/agent/fake_collector on dc-collector. The delay is measured
from just before the pwlab command (which itself takes a while) to the envelope's
created_unix_nanos: an upper bound of the agent's reaction (namespaces share one clock).

    /usr/bin/python3 tests/lab/agent/test_agent_routes_lab.py AGENT FAKE_COLLECTOR
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

import agent_lab_support as s

NAME = "pwr%d" % os.getpid()
AGENT = COLLECTOR = None
INTERVAL = 1.0  # s, the default probe interval

LAN_CONFIG = """
agent: {{id: lab-lan, site: honcho, log_level: info}}
window: 2s
collector: {{endpoints: [{ep}], insecure_plaintext: true}}
spool: {{directory: {spool}}}
defaults: {{interval: {interval}ms, timeout: 800ms}}
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

RTR_CONFIG = """
agent: {{id: lab-rtr, site: honcho, log_level: info}}
window: 2s
collector: {{endpoints: [{ep}], insecure_plaintext: true}}
spool: {{directory: {spool}}}
defaults: {{interval: {interval}ms, timeout: 800ms}}
paths:
  - {{name: primary, interface: primary}}
  - {{name: backup, interface: backup}}
targets:
  - {{name: dc-collector, address: 198.18.10.10, icmp: true, paths: [primary, backup]}}
route_watch:
  - {{prefix: 198.18.10.0/24, interfaces: {{primary: primary, backup: backup}}}}
"""


class AgentRoutesLabTest(unittest.TestCase):
    def test_route_switch_seen_by_lan_and_router_agents(self):
        s.reap_stale_labs("pwr")
        lab = s.pwlab.Lab(s.TOPO, NAME)
        tmp = tempfile.mkdtemp(prefix="pwr")
        procs = s.Procs(lab, tmp)
        try:
            lab.up()
            out = os.path.join(tmp, "collector.jsonl")
            procs.start("dc-collector", [COLLECTOR, s.COLLECTOR_EP, "200"], "collector.jsonl")
            iv = int(INTERVAL * 1000)
            lan_cfg = s.write(os.path.join(tmp, "lan.yaml"), LAN_CONFIG.format(
                ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "lan-spool"), interval=iv, asp=s.ASP))
            rtr_cfg = s.write(os.path.join(tmp, "rtr.yaml"), RTR_CONFIG.format(
                ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "rtr-spool"), interval=iv))
            lan = procs.start("main-agent", [AGENT, "--config", lan_cfg], "lan-agent.log")
            rtr = procs.start("main-rtr", [AGENT, "--config", rtr_cfg], "rtr-agent.log")
            got = s.Collected(out)

            hops = lambda frm, to: lambda e: (e["source"] == s.SOURCE_HOPS and e["from"] == frm
                                              and e["to"] == to and e["prefix"] == s.ASP)
            netlink = lambda frm, to: lambda e: (e["source"] == s.SOURCE_NETLINK
                                                 and e["from"] == frm and e["to"] == to)
            # The initial decisions: both agents see the primary line.
            self.assertIsNotNone(got.wait("lab-lan", "route", hops("", "primary"), timeout=20),
                                 "LAN agent never identified the primary line")
            self.assertIsNotNone(got.wait("lab-rtr", "route", netlink("", "primary"), timeout=20),
                                 "router agent never reported the primary route")

            for frm, to in (("primary", "backup"), ("backup", "primary")):
                mark_lan, mark_rtr = got.last_seq("lab-lan"), got.last_seq("lab-rtr")
                t0 = time.time_ns()
                lab.route("main-rtr", to)
                t1 = time.time_ns()
                ev = got.wait("lab-rtr", "route", netlink(frm, to), mark_rtr, timeout=10)
                self.assertIsNotNone(ev, "router agent: no NETLINK %s -> %s" % (frm, to))
                took = (ev["created"] - t0) / 1e9
                sys.stderr.write("(b) NETLINK %s -> %s published %.3f s after the switch began "
                                 "(pwlab took %.3f s; limit 1 s)\n" % (frm, to, took, (t1 - t0) / 1e9))
                self.assertLess(took, 1.0)
                self.assertEqual(ev["out_interface"], to)
                ev = got.wait("lab-lan", "route", hops(frm, to), mark_lan, timeout=15)
                self.assertIsNotNone(ev, "LAN agent: no HOPS %s -> %s" % (frm, to))
                took = (ev["created"] - t0) / 1e9
                limit = 3 * INTERVAL
                sys.stderr.write("(a) HOPS %s -> %s published %.3f s after the switch began "
                                 "(limit %.1f s = 3 probe intervals)\n" % (frm, to, took, limit))
                self.assertLess(took, limit)
                self.assertEqual(ev["gateway"], "198.18.101.1" if to == "primary" else "198.18.102.1")
                time.sleep(2 * INTERVAL)  # settle before switching back

            # No spurious route events: exactly the two switches after the initial ones.
            lan_routes = got.of("lab-lan", "route")
            self.assertEqual([(e["from"], e["to"]) for e in lan_routes],
                             [("", "primary"), ("primary", "backup"), ("backup", "primary")])

            # Interface counters in the router agent's window summaries (interface-pinned
            # paths), then a far-end cut of the backup line: a LinkChange (carrier lost) and a
            # window that counts the transition.
            wins = got.of("lab-rtr", "window", where=lambda e: e["flow"]["path"] == "backup")
            self.assertTrue(wins and all(len(w["interfaces"]) == 1 for w in wins), wins[-3:])
            self.assertEqual(wins[-1]["interfaces"][0]["interface"], "backup")
            self.assertTrue(wins[-1]["interfaces"][0]["oper_up"])
            mark = got.last_seq("lab-rtr")
            lab.fault_cut("main-backup", side="dc-rtr")
            link = got.wait("lab-rtr", "link", lambda e: e["interface"] == "backup"
                            and not e["oper_up"], mark, timeout=10)
            self.assertIsNotNone(link, "no LinkChange for the backup line's carrier loss")
            self.assertEqual(link["path"], "backup")
            win = got.wait("lab-rtr", "window", lambda e: e["flow"]["path"] == "backup"
                           and e["interfaces"][0]["link_changes"] >= 1, mark, timeout=10)
            self.assertIsNotNone(win, "no window counted the backup link change")
            self.assertFalse(win["interfaces"][0]["oper_up"])
            lab.restore("main-backup")

            for p in (lan, rtr):
                p.send_signal(15)
                self.assertEqual(p.wait(timeout=15), 0)
        except Exception:
            s.dump_logs(tmp, ("lan-agent.log", "rtr-agent.log", "collector.jsonl"))
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
