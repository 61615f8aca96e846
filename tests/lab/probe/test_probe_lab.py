#!/usr/bin/python3
"""Lab test of the probe engines (agent/probe) through tests/lab/probe/probe_driver.

Builds etc/lab/municipal.yaml as pwp<pid>, runs the driver inside the main office LAN host
(main-agent) and checks: TCP outcome classes from real situations (open 8443 -> ok, closed
8444 -> refused, nft drop -> timeout, nft reject host-unreachable -> unreachable with code 1
from the rejecting router), ICMP unreachable recorded with the router's address, TTL-2 probes
answered by dc-rtr's line address (as routed and pinned, IPv4 and IPv6), and RTT agreeing
with the system ping (median difference within 20 us over 100 probes). ICMP checks run with
both socket kinds: raw (the namespace default ping_group_range "1 0") and unprivileged
datagram sockets (ping_group_range opened inside the lab namespace only).

    /usr/bin/python3 tests/lab/probe/test_probe_lab.py build/tests/probe_driver
"""

import json
import os
import re
import statistics
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import pwlab  # noqa: E402

TOPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "etc", "lab", "municipal.yaml"))
NAME = "pwp%d" % os.getpid()
DRIVER = None  # set from argv

ASP4, ASP6 = "198.18.30.10", "fd00:5057:30::10"
PRI4, BAK4 = "198.18.101.1", "198.18.102.1"          # dc-rtr on main-primary / main-backup
PRI6 = "fd00:5057:101::1"
SRC_BAK4 = "198.18.1.11"                              # main-agent's backup-pinned source
HOST = "main-agent"


def reap_stale_labs():
    """Tear down labs left by earlier runs of this test that were killed (bounded)."""
    names = set(pwlab.list_labs()) | {n.split("-", 1)[0] for n in pwlab.list_netns()}
    for n in sorted(names)[:50]:
        m = re.match(r"^pwp(\d+)$", n)
        if m and int(m.group(1)) != os.getpid() and not os.path.exists("/proc/" + m.group(1)):
            pwlab.Lab(None, n).down()


class ProbeLabTest(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        reap_stale_labs()
        cls.lab = pwlab.Lab(TOPO, NAME)
        cls.addClassCleanup(cls.lab.down)      # runs even if up() fails half way
        cls.lab.up()

    def setUp(self):
        self.lab.restore()
        self.set_ping_sockets(False)

    # -- helpers ------------------------------------------------------------
    def set_ping_sockets(self, allowed):
        """Unprivileged ICMP datagram sockets on or off, in main-agent's namespace only."""
        rng = "0 2147483647" if allowed else "1 0"
        self.lab.exec(HOST, ["/sbin/sysctl", "-q", "-w", "net.ipv4.ping_group_range=" + rng],
                      check=True)

    def drive(self, *args, count=1, timeout_ms=1000, interval_ms=50, expect_exit=0):
        cmd = [DRIVER, "--count", str(count), "--timeout-ms", str(timeout_ms),
               "--interval-ms", str(interval_ms)] + list(args)
        p = self.lab.exec(HOST, cmd, timeout=count * interval_ms / 1000 + timeout_ms / 1000 + 30)
        self.assertEqual(p.returncode, expect_exit, "driver %s: %s" % (args, p.stderr))
        lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
        summary = [x for x in lines if x.get("summary")]
        self.assertEqual(len(summary), 1, p.stdout)
        return [x for x in lines if not x.get("summary")], summary[0]

    def finals(self, results):
        return [r for r in results if not r["duplicate"] and not r["late"]]

    def tgw_addresses(self):
        return set(self.lab.addr("tgw", "lgcs-tgw", all_=True)
                   + self.lab.addr("tgw", "tgw-asp", all_=True)
                   + self.lab.addr("tgw", "lgcs-tgw", family=6, all_=True)
                   + self.lab.addr("tgw", "tgw-asp", family=6, all_=True))

    # -- TCP outcome classes --------------------------------------------------
    def test_tcp_open_port_ok(self):
        for target in (ASP4, ASP6):
            results, _ = self.drive("--kind", "tcp", "--target", target, "--port", "8443",
                                    count=3)
            self.assertEqual([r["outcome"] for r in self.finals(results)], ["ok"] * 3, target)
            self.assertTrue(all("rtt_ns" in r for r in results))

    def test_tcp_handshake_rtt_from_kernel(self):
        """Handshake time comes from TCP_INFO (whole microseconds) and matches the ICMP RTT
        of the same path within 50 us (medians of 20; the SYN crosses the same hops)."""
        tcp, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8443", count=20,
                            interval_ms=10)
        icmp, _ = self.drive("--kind", "icmp", "--target", ASP4, count=20, interval_ms=10)
        tcp_rtts = [r["rtt_ns"] for r in self.finals(tcp)]
        self.assertEqual(len(tcp_rtts), 20)
        self.assertTrue(all(x % 1000 == 0 for x in tcp_rtts), tcp_rtts)
        m_tcp = statistics.median(tcp_rtts) / 1000.0
        m_icmp = statistics.median(r["rtt_ns"] for r in self.finals(icmp)) / 1000.0
        print("handshake median %.1f us, echo median %.1f us" % (m_tcp, m_icmp), file=sys.stderr)
        self.assertLess(abs(m_tcp - m_icmp), 50.0)

    def test_tcp_closed_port_refused(self):
        results, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8444", count=3)
        self.assertEqual([r["outcome"] for r in self.finals(results)], ["refused"] * 3)
        self.assertTrue(all("router" not in r for r in results))   # an RST, not ICMP

    def test_tcp_drop_timeout(self):
        self.lab.fault_drop("tgw-asp", proto="tcp", port=8443)
        results, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8443", count=2,
                                timeout_ms=500)
        self.assertEqual([r["outcome"] for r in self.finals(results)], ["timeout"] * 2)
        self.assertTrue(all("rtt_ns" not in r for r in results))

    def test_tcp_reject_host_unreachable(self):
        self.lab.fault_reject("tgw-asp", "host-unreachable", proto="tcp", port=8443)
        for target, utype in ((ASP4, 3), (ASP6, 1)):
            results, _ = self.drive("--kind", "tcp", "--target", target, "--port", "8443",
                                    count=2)
            finals = self.finals(results)
            self.assertEqual([r["outcome"] for r in finals], ["unreachable"] * 2, target)
            for r in finals:
                # ICMPv4 3/1 host unreachable; ICMPv6 1/3 address unreachable (pwlab's mapping)
                self.assertEqual(r["icmp_type"], utype, r)
                self.assertEqual(r["icmp_code"], 1 if utype == 3 else 3, r)
                self.assertIn(r["router"], self.tgw_addresses(), r)

    # -- path pinning and marking -----------------------------------------------
    def test_interface_pinning(self):
        results, _ = self.drive("--kind", "icmp", "--target", ASP4, "--interface", "lan", count=2)
        self.assertEqual([r["outcome"] for r in self.finals(results)], ["ok"] * 2)
        results, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8443",
                                "--interface", "lan", "--fwmark", "7", count=1)
        self.assertEqual(self.finals(results)[0]["outcome"], "ok")
        # An unknown interface is a start-up error naming the path, the option and the reason.
        for kind in ("icmp", "tcp"):
            p = self.lab.exec(HOST, [DRIVER, "--kind", kind, "--target", ASP4, "--port", "8443",
                                     "--path", "backup", "--interface", "backup0"], timeout=30)
            self.assertEqual(p.returncode, 2, p.stdout)
            self.assertIn("path 'backup': SO_BINDTODEVICE backup0: No such device", p.stderr)

    def nft_counter(self, host, table):
        """Packets counted by each rule of TABLE's chain, in rule order."""
        p = self.lab.exec(host, ["nft", "-j", "list", "table", "inet", table], check=True)
        counts = []
        for item in json.loads(p.stdout)["nftables"]:
            rule = item.get("rule")
            if rule:
                counts += [e["counter"]["packets"] for e in rule["expr"] if "counter" in e]
        return counts

    def test_dscp_and_payload_on_the_wire(self):
        """DSCP EF (46) and a 1000-byte payload, counted by nft on the main-rtr forward path."""
        table = "pwprobe%d" % os.getpid()
        self.lab.exec("main-rtr", ["nft", "-f", "-"], check=True, input=(
            "table inet %s {\n chain count_probes {\n  type filter hook forward priority -10;\n"
            "  ip dscp ef icmp type echo-request ip length 1028 counter\n"
            "  ip6 dscp ef icmpv6 type echo-request ip6 length 1008 counter\n"
            "  ip dscp ef tcp dport 8443 tcp flags syn counter\n"
            " }\n}\n" % table))
        try:
            for kind in self.icmp_kinds():
                for target in (ASP4, ASP6):
                    results, _ = self.drive("--kind", "icmp", "--target", target, "--dscp", "46",
                                            "--payload", "1000", count=2)
                    self.assertEqual([r["outcome"] for r in self.finals(results)], ["ok"] * 2)
            results, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8443",
                                    "--dscp", "46", count=2)
            self.assertEqual([r["outcome"] for r in self.finals(results)], ["ok"] * 2)
            # IPv4: 20 + 8 + 1000 = 1028 bytes; IPv6 payload length: 8 + 1000 = 1008.
            # 2 probes x 2 socket kinds per family; 2 SYNs.
            self.assertEqual(self.nft_counter("main-rtr", table), [4, 4, 2])
        finally:
            self.lab.exec("main-rtr", ["nft", "delete", "table", "inet", table])

    # -- ICMP ----------------------------------------------------------------
    def test_icmp_drop_timeout(self):
        self.lab.fault_drop("tgw-asp", proto="icmp")
        for kind in self.icmp_kinds():
            results, _ = self.drive("--kind", "icmp", "--target", ASP4, count=2, timeout_ms=300)
            self.assertEqual([r["outcome"] for r in self.finals(results)], ["timeout"] * 2, kind)

    def icmp_kinds(self):
        for allowed, kind in ((False, "raw"), (True, "datagram")):
            self.set_ping_sockets(allowed)
            yield kind

    def test_icmp_echo_ok(self):
        for kind in self.icmp_kinds():
            for target in (ASP4, ASP6):
                results, summary = self.drive("--kind", "icmp", "--target", target, count=5,
                                              interval_ms=20)
                self.assertEqual(summary["socket"], kind)
                self.assertEqual([r["outcome"] for r in self.finals(results)], ["ok"] * 5)
                self.assertEqual(summary["malformed"], 0)

    def test_icmp_many_flows_one_socket(self):
        """2000 flows x 3 probes at 1 s through one socket per engine: 6000 ok results, each
        (flow, seq) exactly once, nothing malformed or unmatched."""
        for kind in self.icmp_kinds():
            results, summary = self.drive("--kind", "icmp", "--target", ASP4, "--flows", "2000",
                                          count=3, interval_ms=1000)
            finals = self.finals(results)
            self.assertEqual(len(finals), 6000, kind)
            self.assertEqual(len({(r["flow"], r["seq"]) for r in finals}), 6000)
            self.assertEqual({r["outcome"] for r in finals}, {"ok"}, kind)
            self.assertEqual((summary["malformed"], summary["unmatched_errors"],
                              summary["send_errors"]), (0, 0, 0))

    def test_icmp_unreachable_from_router(self):
        self.lab.fault_reject("tgw-asp", "host-unreachable", proto="icmp")
        for kind in self.icmp_kinds():
            for target in (ASP4, ASP6):
                results, summary = self.drive("--kind", "icmp", "--target", target, count=2)
                finals = self.finals(results)
                self.assertEqual([r["outcome"] for r in finals], ["unreachable"] * 2,
                                 (kind, target, results))
                for r in finals:
                    self.assertIn(r["router"], self.tgw_addresses(), r)
                    self.assertEqual(r["icmp_code"], 1 if ":" not in target else 3, r)

    def test_ttl2_time_exceeded_from_line_address(self):
        cases = [((), ASP4, PRI4),                         # as routed: primary preferred
                 (("--source", SRC_BAK4), ASP4, BAK4),     # pinned to backup
                 ((), ASP6, PRI6)]
        for kind in self.icmp_kinds():
            for extra, target, router in cases:
                results, _ = self.drive("--kind", "icmp", "--target", target, "--ttl", "2",
                                        *extra, count=2)
                finals = self.finals(results)
                self.assertEqual([r["outcome"] for r in finals], ["time-exceeded"] * 2,
                                 (kind, extra, results))
                self.assertEqual({r["router"] for r in finals}, {router}, (kind, extra))
        # and the TCP engine learns the same router from a TTL-2 SYN
        results, _ = self.drive("--kind", "tcp", "--target", ASP4, "--port", "8443",
                                "--ttl", "2", count=1)
        self.assertEqual(self.finals(results)[0]["outcome"], "time-exceeded")
        self.assertEqual(self.finals(results)[0]["router"], PRI4)

    def rtt_medians(self, kind):
        """The engine's and ping's median RTT (us) over 100 probes each, run side by side."""
        ping = subprocess.Popen(["ip", "netns", "exec", self.lab.ns(HOST), "ping", "-n",
                                 "-c", "100", "-i", "0.01", "-W", "1", ASP4],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            results, summary = self.drive("--kind", "icmp", "--target", ASP4, count=100,
                                          interval_ms=10)
            out, _ = ping.communicate(timeout=30)
        finally:
            if ping.poll() is None:
                ping.kill()
                ping.wait(timeout=5)
        self.assertEqual(summary["socket"], kind)
        self.assertEqual(summary["malformed"], 0)
        ours = [r["rtt_ns"] / 1000.0 for r in self.finals(results) if r["outcome"] == "ok"]
        self.assertEqual(len(ours), 100)
        theirs = [float(x) * 1000.0 for x in re.findall(r"time=([0-9.]+) ms", out)]
        self.assertGreaterEqual(len(theirs), 95, out[-500:])
        m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
        print("rtt median (%s socket): engine %.1f us, ping %.1f us; foreign replies "
              "ignored: %d" % (kind, m_ours, m_theirs, summary["foreign_replies"]),
              file=sys.stderr)
        return m_ours, m_theirs

    def test_rtt_agrees_with_system_ping(self):
        """Median RTT of 100 probes within 20 us of ping's median over 100 (same path).

        Both run at the same time, 10 ms apart each, so they see the same load on this
        shared machine; with raw sockets each also sees the other's replies (and must
        ignore them). A burst of load from the tests running beside this one can still
        move one median by 20 us (CI: 48.2 against 69.0 us once, datagram sockets), so a
        second series is taken when the first disagrees: a real bias (a user-space clock,
        a wrong unit) disagrees in both."""
        for kind in self.icmp_kinds():
            m_ours, m_theirs = self.rtt_medians(kind)
            if abs(m_ours - m_theirs) >= 20.0:
                m_ours, m_theirs = self.rtt_medians(kind)
            self.assertLess(abs(m_ours - m_theirs), 20.0, (kind, m_ours, m_theirs))

if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_probe_lab.py PATH/TO/probe_driver")
    DRIVER = os.path.realpath(sys.argv.pop(1))
    if os.geteuid() != 0:
        print("test_probe_lab: needs root (network namespaces); skipped", file=sys.stderr)
        sys.exit(0)
    unittest.main(verbosity=2)
