#!/usr/bin/python3
"""Lab scenarios of issue 6: the real collector (topology: etc/lab/topology.yaml) and real
agents, one fault at a time from a clean state, each checked through `pathwatchctl
incidents --json` / `incident ID --json`.

  main-agent (site main): primary (.10), backup (.11) and as-routed paths to the ASP host
    (ICMP + tcp/8443) and to the collector (ICMP);
  dc-agent (boundary, site dc): direct probes of the ASP (ICMP + tcp/8443), the LGCS hop
    (198.18.20.2), the TGW hop (198.18.21.2), the TGW's ASP-side address (198.18.30.1) and
    the main office router's line addresses (198.18.101.2, 198.18.102.2); path to-main:
    the main office agent's host (198.18.1.12), over whichever line dc-rtr uses.

Probes every 500 ms, down after 2 losses (timeout 250 ms; lab RTTs are well under 1 ms): a down
state exists <= 0.5 + 0.5 + 0.25 = 1.25 s after the fault (detect multiplier x interval +
timeout), inside 3 probe intervals (1.5 s) with room for an ASan build's timer slack; the incident's verdict is stamped with the data
time its evidence was complete. Expected verdicts (hand-derived from etc/lab/topology.yaml,
see tests/unit/collector/isolation/isolation_lab_test.cpp):

  primary line cut         no incident (backup carries the service; failover logged)
  DC edge cut (dc-lgcs)    down: dc-edge
  LGCS hop cut (lgcs-tgw)  down: lgcs
  TGW hop cut (tgw-asp)    down: tgw or asp-host   (ambiguous by construction, below)
  ASP host down            down: tgw or asp-host
  ASP port closed (RST)    down: asp-service
  30 % loss on primary     degraded: main-primary  (below)
  site LAN cut (main-lan)  down: main-lan          (below)
  both lines cut           down: main-primary + main-backup  (below)
  dc-agent silent + LGCS   inconclusive, lgcs among the alternatives

TGW hop vs ASP host: with the tgw-asp link cut at either end the lab gives the same packets
(checked by hand with ping from dc-agent): the TGW still answers for 198.18.30.1, and probes
to 198.18.30.10 loop between lgcs and tgw until LGCS sends Time Exceeded from 198.18.20.2.
Nothing separates the attachment from the host; only a vantage point past the TGW would.

Site LAN cut, both lines cut: main-agent cannot reach the collector, so its last states
("up") stand until it has been silent for the collector's silence_after; then dc-agent's view
decides. The agents send a heartbeat whenever 200 ms pass without a message and
silence_after is 1 s: main-agent's last message is from at most ~0.4 s before the fault (a
200 ms tick), so it is unknown <= 1 s after the fault, before dc-agent's probes show the cut
(<= 1.25 s). Bound: 3 probe intervals, like the others.

30 % loss (injected at dc-rtr on what comes up the primary line: see line_loss()): 8 flows
cross the line (main-agent: 3 pinned + 3 as-routed; dc-agent: 198.18.101.2 and the main
office host). The verdict ranks the segments by the likelihood of every flow's probe counts
since the onset (docs/isolation.md): right after the onset it may say "main-primary or
main-lan" (main-primary first), and names main-primary alone once the counts hold 90 % for
it. The first loss hurries the agents (docs/agent.md, "Suspicion"): in the model of these
probes (isolation_loss_onset_test.cpp, which asserts floors) 96 % of onsets by 1.5 s and
100 % by 2 s. Bound: 3 probe intervals like the others, reported (SLOW) when missed, never
asserted (below); the verdict is asserted.

    /usr/bin/python3 tests/lab/isolation/test_isolation_lab.py AGENT COLLECTOR PATHWATCHCTL
"""

import email
import email.policy
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "agent"))
import agent_lab_support as s  # noqa: E402

NAME = "pwi%d" % os.getpid()
AGENT = COLLECTOR = CTL = None
RECEIVERS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "lab_receivers.py")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", ".."))
INTERVAL = 0.5
API = "http://127.0.0.1:7080"
SILENCE_AFTER = 1.0
# How long the loss scenario waits for its verdict (not its bound: 3 intervals, reported).
LOSS_WAIT = 12.0
# Scenarios whose verdict is known to be wrong today: printed, not asserted, until fixed.
KNOWN_GAPS = set()

COLLECTOR_CONFIG = """collector:
  log_level: {log_level}
  listen: [{ep}]
  insecure_plaintext: true
  batch_delay: 20ms
  silence_after: {silence}s
store:
  database: {db}
api:
  listen: 127.0.0.1:7080
topology: {topology}
alerts:
  path_down: {{after: 2s}}
notify:
  email:
    url: smtp://127.0.0.1:{smtp_port}
    from: pathwatch@lab.example
    to: [noc@lab.example]
    starttls: none
  webhooks:
    - url: http://127.0.0.1:{http_port}/hook
      language: en
  retry: {{attempts: 3, initial_backoff: 1s, max_backoff: 2s}}
"""

MAIN_CONFIG = """
agent: {{id: main-agent, site: main, log_level: info}}
window: 1s
collector: {{endpoints: [{ep}], insecure_plaintext: true, heartbeat: 200ms}}
spool: {{directory: {spool}}}
thresholds: {{down_after: 2, up_after: 2, degraded_loss_percent: 10, evaluation_probes: 6}}
defaults: {{interval: 500ms, timeout: 250ms}}
paths:
  - {{name: primary, source: 198.18.1.10}}
  - {{name: backup, source: 198.18.1.11}}
  - name: as-routed
    as_routed: true
    hop_ttl: 2
    line_hops: {{198.18.101.1: primary, 198.18.102.1: backup}}
targets:
  - {{name: asp-app, address: 198.18.30.10, icmp: true, tcp: [8443], paths: [primary, backup, as-routed]}}
  - {{name: collector, address: 198.18.10.10, icmp: true, paths: [primary, backup, as-routed]}}
"""

# Both agents judge loss over their last 6 probes (3 s at 500 ms), so one loss already puts
# a path in doubt and hurries the agent (docs/agent.md, "Suspicion"); with the defaults (5 %
# of 20 probes) the boundary agent would wait for a second loss.
DC_CONFIG = """
agent: {{id: dc-agent, site: dc, log_level: info}}
window: 1s
collector: {{endpoints: [{ep}], insecure_plaintext: true, heartbeat: 200ms}}
spool: {{directory: {spool}}}
thresholds: {{down_after: 2, up_after: 2, degraded_loss_percent: 10, evaluation_probes: 6}}
defaults: {{interval: 500ms, timeout: 250ms}}
paths:
  - {{name: direct, source: 198.18.10.20}}
  - {{name: to-main, source: 198.18.10.20}}
targets:
  - {{name: asp-app, address: 198.18.30.10, icmp: true, tcp: [8443], paths: [direct]}}
  - {{name: lgcs-hop, address: 198.18.20.2, icmp: true, paths: [direct]}}
  - {{name: tgw-hop, address: 198.18.21.2, icmp: true, paths: [direct]}}
  - {{name: tgw-asp-side, address: 198.18.30.1, icmp: true, paths: [direct]}}
  - {{name: main-rtr-primary, address: 198.18.101.2, icmp: true, paths: [direct]}}
  - {{name: main-rtr-backup, address: 198.18.102.2, icmp: true, paths: [direct]}}
  - {{name: main-office, address: 198.18.1.12, icmp: true, paths: [to-main]}}
"""


class IsolationLabTest(unittest.TestCase):
    def ctl(self, *args):
        p = self.lab.exec("dc-collector", [CTL, "--collector", API, "--json"] + list(args),
                          timeout=20)
        if p.returncode != 0:
            return None
        try:
            return json.loads(p.stdout)
        except ValueError:
            return None

    def incidents(self):
        return (self.ctl("incidents") or {}).get("incidents", [])

    def open_incident(self):
        inc = [i for i in self.incidents() if i["state"] == "open"]
        return inc[0] if inc else None

    def all_up(self):
        st = self.ctl("status") or {}
        flows = st.get("flows", [])
        return len(flows) >= 17 and all(f.get("state") == "up" for f in flows) \
            and self.open_incident() is None

    def clean(self):
        """All up now and still all up two probe intervals later: a flow that has only just
        come back (its `up` still settling through the collector) is not a clean start."""
        if not self.all_up():
            return False
        time.sleep(2 * INTERVAL)
        return self.all_up()

    def line_loss(self, percent):
        """Drop PERCENT % of the packets dc-rtr receives from the main office's primary line
        (None: stop). pwlab's fault_loss filters main-rtr's forwarding, which main-rtr's own
        replies (dc-agent's probe of 198.18.101.2) never cross: that probe would prove a
        lossy line clean. A line's loss hits every packet on it, so it is injected at the
        line's data-center end, for everything coming up the line (nft numgen, as pwlab)."""
        if percent is None:
            self.lab.exec("dc-rtr", ["nft", "delete", "table", "inet", "pwi_lineloss"])
            return
        script = ("table inet pwi_lineloss {\n chain forward {\n"
                  "  type filter hook forward priority filter; policy accept;\n"
                  "  iifname \"main-primary\" numgen random mod 100 < %d counter drop\n"
                  " }\n}\n" % int(percent))
        self.lab.exec("dc-rtr", ["nft", "-f", "-"], input=script, check=True)

    def expect(self, name, inject, check, timeout=8.0):
        """Inject a fault from a clean state; wait (bounded) for `check(incident)` to hold.
        Latency: from t0, taken before inject() (whose ip/nft commands can take a while under
        load), to the data time of the first matching verdict; also printed from when
        inject() returned."""
        self.assertTrue(s.wait_for(self.clean, 30, 0.5), "%s: lab not clean before" % name)
        t0 = time.time_ns()
        inject()
        t1 = time.time_ns()
        got = s.wait_for(lambda: check(self.open_incident()), timeout, 0.25)
        inc = self.open_incident()
        lat = None
        if inc and inc.get("history"):
            hits = [h for h in inc["history"] if check(dict(inc, summary=h["summary"]))]
            if hits:
                lat = (hits[0]["at"]["unix_nanos"] - t0) / 1e9
        sys.stderr.write("%-22s %s (verdict in data time %s s after the fault, %s s after "
                         "inject() returned; inject took %.2f s)\n" % (
                             name, inc["summary"] if inc else "no incident",
                             "%.2f" % lat if lat is not None else "-",
                             "%.2f" % (lat - (t1 - t0) / 1e9) if lat is not None else "-",
                             (t1 - t0) / 1e9))
        for h in (inc or {}).get("history", [])[:8]:  # how the verdict got there
            sys.stderr.write("    %+6.2f s  %s\n" % ((h["at"]["unix_nanos"] - t0) / 1e9,
                                                   h["summary"]))
        self.results[name] = (bool(got), inc["summary"] if inc else None, lat)
        return got, inc, lat

    def received(self, incident_id):
        """What the receivers got for one incident so far: (e-mails, webhook bodies)."""
        mails, hooks = [], []
        for name in sorted(os.listdir(os.path.join(self.rx, "mail"))):
            if name.endswith(".eml"):
                with open(os.path.join(self.rx, "mail", name), "rb") as f:
                    m = email.message_from_binary_file(f, policy=email.policy.default)
                if incident_id in str(m["Message-ID"]) + str(m.get("In-Reply-To", "")):
                    mails.append(m)
        for name in sorted(os.listdir(os.path.join(self.rx, "hook"))):
            if name.endswith(".json"):
                with open(os.path.join(self.rx, "hook", name), encoding="utf-8") as f:
                    j = json.load(f)
                if j.get("incident_id") == incident_id:
                    hooks.append(j)
        return mails, hooks

    def notifications(self):
        """The DC edge cut once more, held until its messages are out: a real SMTP server and
        a webhook receiver on the collector's host get the opened message (after
        alerts.settle, 10 s) naming the segment, its owner and contact and the JST start,
        then, after the repair, the recovery on the same thread."""
        self.assertTrue(s.wait_for(self.clean, 30, 0.5), "notifications: lab not clean")
        self.lab.fault_cut("dc-lgcs")
        try:
            self.assertTrue(s.wait_for(lambda: (self.open_incident() or {}).get("summary") ==
                                       "down: dc-edge", 10, 0.25), "no dc-edge verdict")
            inc = self.open_incident()["id"]
            opened = lambda: [m for m in self.received(inc)[0]
                              if m.get("In-Reply-To") is None]
            self.assertTrue(s.wait_for(lambda: opened() and self.received(inc)[1], 30, 0.5),
                            "no opened e-mail and webhook for %s" % inc)
        finally:
            self.lab.restore("dc-lgcs")
        self.assertTrue(s.wait_for(lambda: len(self.received(inc)[0]) >= 2 and
                                   len(self.received(inc)[1]) >= 2, 40, 0.5),
                        "no recovery e-mail and webhook for %s" % inc)
        mails, hooks = self.received(inc)
        first, last = mails[0], mails[-1]
        sys.stderr.write("notifications          %s: %d e-mails (%s), %d webhooks\n" % (
            inc, len(mails), " / ".join(str(m["Subject"]) for m in mails), len(hooks)))
        self.assertIn("障害発生", str(first["Subject"]))
        self.assertIn("DC 境界 (LGCS 接続)", str(first["Subject"]))
        body = first.get_content()
        for needle in ["責任者: データセンター事業者", "ops@dc.example", "0000-00-0003",
                       "発生時刻: ", " JST ("]:
            self.assertIn(needle, body)
        self.assertIn("復旧", str(last["Subject"]))
        self.assertEqual(last["In-Reply-To"], first["Message-ID"])
        self.assertIn("復旧時刻: ", last.get_content())
        self.assertEqual([h["kind"] for h in (hooks[0], hooks[-1])], ["opened", "recovered"])
        self.assertEqual(hooks[0]["segment"]["name"], "dc-edge")
        self.assertEqual(hooks[0]["owner"]["label"], "data-center provider")
        self.assertEqual(hooks[0]["contact"]["email"], "ops@dc.example")
        self.assertTrue(hooks[0]["started_at"]["jst"].endswith(" JST"))

    def test_scenarios(self):
        s.reap_stale_labs("pwi")
        self.lab = s.pwlab.Lab(s.TOPO, NAME)
        self.results = {}
        tmp = tempfile.mkdtemp(prefix="pwi")
        procs = s.Procs(self.lab, tmp)
        failures = []
        try:
            self.lab.up()
            # The mail relay and webhook receiver on the collector's host (its namespace).
            self.rx = os.path.join(tmp, "received")
            # Debian's python3 (python3-aiosmtpd), whichever interpreter runs this test.
            procs.start("dc-collector", ["/usr/bin/python3", RECEIVERS, self.rx],
                        "receivers.log")
            ports = os.path.join(self.rx, "ports.json")
            self.assertTrue(s.wait_for(lambda: os.path.exists(ports), 20, 0.2), "no receivers")
            with open(ports) as f:
                ports = json.load(f)
            ccfg = s.write(os.path.join(tmp, "collector.yaml"), COLLECTOR_CONFIG.format(
                log_level=os.environ.get("PWI_LOG", "info"), ep=s.COLLECTOR_EP, db=os.path.join(tmp, "pw.db"), silence=SILENCE_AFTER,
                topology=os.path.join(ROOT, "etc", "lab", "topology.yaml"),
                smtp_port=ports["smtp"], http_port=ports["http"]))
            procs.start("dc-collector", [COLLECTOR, "--config", ccfg], "collector.log")
            self.assertTrue(s.wait_for(lambda: self.ctl("status"), 30, 0.5), "no API")
            mcfg = s.write(os.path.join(tmp, "main.yaml"), MAIN_CONFIG.format(
                ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "spool-main")))
            dcfg = s.write(os.path.join(tmp, "dc.yaml"), DC_CONFIG.format(
                ep=s.COLLECTOR_EP, spool=os.path.join(tmp, "spool-dc")))
            procs.start("main-agent", [AGENT, "--config", mcfg], "main-agent.log")
            dc = procs.start("dc-agent", [AGENT, "--config", dcfg], "dc-agent.log")

            def verdict(text):
                return lambda inc: inc is not None and inc.get("summary") == text

            scenarios = [
                ("DC edge cut", lambda: self.lab.fault_cut("dc-lgcs"), ["dc-lgcs"],
                 verdict("down: dc-edge"), 3 * INTERVAL),
                ("LGCS hop cut", lambda: self.lab.fault_cut("lgcs-tgw"), ["lgcs-tgw"],
                 verdict("down: lgcs"), 3 * INTERVAL),
                ("TGW hop cut", lambda: self.lab.fault_cut("tgw-asp"), ["tgw-asp"],
                 verdict("down: tgw or asp-host (inconclusive)"), 3 * INTERVAL),
                ("ASP host down", lambda: self.lab.fault_cut("tgw-asp", side="asp"),
                 ["tgw-asp"], verdict("down: tgw or asp-host (inconclusive)"), 3 * INTERVAL),
                ("ASP port closed", lambda: self.lab.fault_reject(
                    "tgw-asp", "tcp-reset", proto="tcp", port=8443), ["tgw-asp"],
                 verdict("down: asp-service"), 3 * INTERVAL),
                ("30% loss on primary", lambda: self.line_loss(30), [],
                 verdict("degraded: main-primary"), 3 * INTERVAL),
                ("site LAN cut", lambda: self.lab.fault_cut("main-lan"), ["main-lan"],
                 verdict("down: main-lan"), 3 * INTERVAL),
                ("both lines cut", lambda: (self.lab.fault_cut("main-primary"),
                                            self.lab.fault_cut("main-backup")),
                 ["main-primary", "main-backup"],
                 verdict("down: main-primary + main-backup"), 3 * INTERVAL),
            ]
            # Primary line cut: a failover, no service incident.
            self.assertTrue(s.wait_for(self.clean, 60, 0.5), "flows never all up")
            self.lab.fault_cut("main-primary")
            time.sleep(6 * INTERVAL)
            none = self.open_incident()
            sys.stderr.write("%-22s %s\n" % ("primary line cut",
                                             none["summary"] if none else "no incident"))
            if none is not None:
                failures.append("primary line cut opened %s" % none["summary"])
            self.lab.restore("main-primary")

            # Debugging: PWI_ONLY (a comma-separated subset), PWI_REPEAT, PWI_LOG=debug (the
            # collector logs every verdict change), PWI_KEEP=1 (keep logs and store).
            only = os.environ.get("PWI_ONLY")
            if only:
                scenarios = [x for x in scenarios if x[0] in only.split(",")]
            # Measuring: each scenario N times in a row (docs/isolation.md's lab figures).
            scenarios = scenarios * int(os.environ.get("PWI_REPEAT", "1"))
            for name, inject, links, check, bound in scenarios:
                wait = max(bound + 6.0, LOSS_WAIT if "loss" in name else 0.0)
                got, inc, lat = self.expect(name, inject, check, timeout=wait)
                if name in KNOWN_GAPS:
                    sys.stderr.write("  (known gap, not asserted)\n")
                elif not got:
                    failures.append("%s: got %s" % (name, inc["summary"] if inc else None))
                    if inc:
                        sys.stderr.write("%s\n" % json.dumps(self.ctl("incident", inc["id"]),
                                                             ensure_ascii=False)[:6000])
                elif lat is None:
                    failures.append("%s: no verdict in the incident's history" % name)
                elif lat > bound:
                    # Reported, not asserted: a timed assertion on a shared 2-core ASan machine
                    # fails on scheduling noise (1.50 and 1.67 s against 1.5 s in CI), and the
                    # project measures time in bench/, not in tests. The verdict is asserted.
                    sys.stderr.write("  SLOW: %.2f s after the fault, bound %.1f s\n" % (lat, bound))
                for link in links:
                    self.lab.restore(link)
                if "loss" in name:
                    self.line_loss(None)

            self.notifications()

            # Ambiguous by construction: the boundary agent is silent, so nothing separates
            # the segments past the DC edge.
            self.assertTrue(s.wait_for(self.clean, 30, 0.5))
            dc.terminate()
            dc.wait(timeout=10)
            time.sleep(4)  # > silence_after: its measurements are unknown now
            got, inc, _ = self.expect(
                "ambiguous", lambda: self.lab.fault_cut("lgcs-tgw"),
                lambda i: i is not None and "lgcs" in i.get("summary", "") and
                " or " in i.get("summary", ""))
            if not got:
                failures.append("ambiguous: got %s" % (inc["summary"] if inc else None))
            else:
                detail = self.ctl("incident", inc["id"])
                self.assertIsNotNone(detail)
                self.assertFalse(detail["conclusive"])
            self.lab.restore("lgcs-tgw")
            self.assertEqual(failures, [])
        except Exception:
            s.dump_logs(tmp, ("collector.log", "main-agent.log", "dc-agent.log", "receivers.log"))
            raise
        finally:
            procs.end()
            self.lab.down()
            if os.environ.get("PWI_KEEP"):  # debugging: keep the logs and the store
                sys.stderr.write("kept %s\n" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    AGENT, COLLECTOR, CTL = (os.path.abspath(a) for a in sys.argv[1:4])
    unittest.main(argv=sys.argv[:1])
