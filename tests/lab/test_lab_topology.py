#!/usr/bin/python3
"""End-to-end test of the pathwatch network lab (tests/lab/pwlab.py).

Builds etc/lab/municipal.yaml in namespaces pwt<pid>-<host>, checks reachability,
which line carries as-routed and pinned traffic, every fault kind, the route switch,
and that teardown leaves nothing behind.  Needs root, iproute2, nft, ping, fping.

    /usr/bin/python3 tests/lab/test_lab_topology.py        (exit status != 0 on failure)
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
import pwlab  # noqa: E402

TOPO = os.path.normpath(os.path.join(HERE, "..", "..", "etc", "lab", "municipal.yaml"))
PWLAB = os.path.join(HERE, "pwlab")
NAME = "pwt%d" % os.getpid()          # this run's lab
BROKEN = "pwb%d" % os.getpid()        # the labs that must fail to build

ASP4, ASP6 = "198.18.30.10", "fd00:5057:30::10"
PRI4, BAK4 = "198.18.101.1", "198.18.102.1"          # dc-rtr on main-primary / main-backup
PRI6, BAK6 = "fd00:5057:101::1", "fd00:5057:102::1"
SRC_PRI4, SRC_BAK4 = "198.18.1.10", "198.18.1.11"     # main-agent's pinned sources
SRC_PRI6, SRC_BAK6 = "fd00:5057:1::10", "fd00:5057:1::11"


def cli(*args, name=NAME, timeout=60):
    """Run the pwlab CLI; returns CompletedProcess (text)."""
    return subprocess.run([PWLAB, "--name", name] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def lab_namespaces(prefix):
    return [n for n in pwlab.list_netns() if n.startswith(prefix + "-")]


def reap_stale_labs():
    """Tear down labs left by earlier runs of this test that were killed (bounded)."""
    names = set(pwlab.list_labs()) | {n.split("-", 1)[0] for n in pwlab.list_netns()}
    for n in sorted(names)[:50]:
        m = re.match(r"^pw[tb](\d+)$", n)
        if m and int(m.group(1)) != os.getpid() and not os.path.exists("/proc/" + m.group(1)):
            pwlab.Lab(None, n).down()


class LabTopologyTest(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        reap_stale_labs()
        cls.lab = pwlab.Lab(TOPO, NAME)
        cls.addClassCleanup(cls.lab.down)      # runs even if up() fails half way
        t0 = time.monotonic()
        cls.lab.up()
        cls.build_s = time.monotonic() - t0

    def setUp(self):
        # every test starts from the state right after `up`
        self.lab.restore()

    # -- helpers ------------------------------------------------------------
    def hop(self, src=None, six=False):
        """Who answers a TTL=2 probe from main-agent to asp (dc-rtr's line address)."""
        return self.lab.ttl_reply_from("main-agent", ASP6 if six else ASP4, 2, src=src)

    def ping(self, dst=ASP4, src=None, host="main-agent"):
        ok, _ = self.lab.ping(host, dst, src=src)
        return ok

    def assertCli(self, *args):
        p = cli(*args)
        self.assertEqual(p.returncode, 0, "pwlab %s: %s" % (" ".join(args), p.stderr))
        return p.stdout

    # -- tests --------------------------------------------------------------
    def test_00_built(self):
        self.assertLess(self.build_s, 15, "build took %.1fs" % self.build_s)
        want = {"%s-%s" % (NAME, h) for h in self.lab.topo.hosts}
        self.assertEqual(set(lab_namespaces(NAME)), want)
        self.lab.check_isolation()                       # no default, nothing outside
        for h, v in self.lab.topo.hosts.items():
            p = self.lab.exec(h, ["/bin/cat", "/proc/sys/net/ipv4/ip_forward"], check=True)
            self.assertEqual(p.stdout.strip(), "1" if v["role"] == "router" else "0", h)
        p = self.lab.exec("main-rtr", ["/bin/cat",
                          "/proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown"])
        self.assertEqual(p.stdout.strip(), "1")
        # every address the test uses is what the topology says
        self.assertEqual(self.lab.addr("asp"), ASP4)
        self.assertEqual(self.lab.addr("asp", family=6), ASP6)
        self.assertEqual(self.lab.addr("dc-rtr", "main-primary"), PRI4)
        self.assertEqual(self.lab.addr("main-agent", hid=11), SRC_BAK4)
        self.assertEqual(cli("addr", "main-agent", "lan", "-6", "--id", "10").stdout.strip(),
                         SRC_PRI6)

    def test_01_reachability(self):
        self.assertTrue(self.ping(ASP4))
        self.assertTrue(self.ping(ASP6))
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443), "open")
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8444), "refused")
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP6, 8443), "open")
        self.assertTrue(self.ping(ASP4, host="branch-agent"))
        self.assertTrue(self.ping(self.lab.addr("dc-collector"), host="main-agent"))
        self.assertTrue(self.ping(self.lab.addr("dc-collector"), host="dc-agent"))
        self.assertTrue(self.ping(self.lab.addr("main-agent"), host="dc-collector"))

    def test_02_as_routed_uses_primary(self):
        self.assertEqual(self.hop(), PRI4)
        self.assertEqual(self.hop(six=True), PRI6)

    def test_03_pinned_sources(self):
        self.assertTrue(self.ping(src=SRC_PRI4))
        self.assertTrue(self.ping(src=SRC_BAK4))
        self.assertTrue(self.ping(ASP6, src=SRC_PRI6))
        self.assertTrue(self.ping(ASP6, src=SRC_BAK6))
        self.assertEqual(self.hop(SRC_PRI4), PRI4)
        self.assertEqual(self.hop(SRC_BAK4), BAK4)
        self.assertEqual(self.hop(SRC_BAK6, six=True), BAK6)
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443, src=SRC_BAK4), "open")

    def test_04_cut_primary_fails_over(self):
        self.assertCli("fault", "cut", "main-primary")
        self.assertEqual(self.hop(), BAK4)
        self.assertEqual(self.hop(six=True), BAK6)
        self.assertTrue(self.ping())
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443), "open")
        self.assertFalse(self.ping(src=SRC_PRI4), "primary-pinned probe must fail")
        self.assertFalse(self.ping(ASP6, src=SRC_PRI6), "primary-pinned probe must fail")
        self.assertTrue(self.ping(src=SRC_BAK4))
        self.assertIn("FAULT", self.assertCli("status"))
        self.assertCli("restore", "main-primary")
        self.assertEqual(self.hop(), PRI4)
        self.assertEqual(self.hop(six=True), PRI6)
        self.assertTrue(self.ping(src=SRC_PRI4))
        self.assertTrue(self.ping(ASP6, src=SRC_PRI6))

    def test_05_far_end_down_is_linkdown(self):
        # only dc-rtr's end goes down: main-rtr keeps its routes, flagged linkdown,
        # and ignore_routes_with_linkdown makes it use the backup line
        self.assertCli("fault", "cut", "main-primary", "--side", "dc-rtr")
        p = self.lab.exec("main-rtr", [pwlab.IP, "route", "show", "198.18.0.0/15"])
        self.assertRegex(p.stdout, r"dev primary .*linkdown")
        self.assertEqual(self.hop(), BAK4)
        self.assertFalse(self.ping(src=SRC_PRI4))
        self.assertTrue(self.ping(src=SRC_BAK4))

    def test_06_route_switch(self):
        self.assertCli("route", "main-rtr", "backup")
        self.assertEqual(self.hop(), BAK4)
        self.assertEqual(self.hop(six=True), BAK6)
        self.assertEqual(self.hop(SRC_PRI4), PRI4, "pins ignore the route preference")
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443), "open")
        self.assertCli("route", "main-rtr", "primary")
        self.assertEqual(self.hop(), PRI4)
        self.assertEqual(self.hop(six=True), PRI6)

    def test_07_drop(self):
        self.assertCli("fault", "drop", "main-primary")
        self.assertFalse(self.ping())
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443, timeout=0.5), "timeout")
        self.assertTrue(self.ping(src=SRC_BAK4), "backup line unaffected")
        self.assertCli("restore", "main-primary")
        self.assertTrue(self.ping())

    def test_08_reject_tcp_reset(self):
        self.assertCli("fault", "reject", "main-primary", "--code", "tcp-reset")
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443), "refused")
        self.assertTrue(self.ping(), "tcp-reset leaves ICMP alone")

    def test_09_reject_host_unreachable(self):
        self.assertCli("fault", "reject", "main-primary", "--code", "host-unreachable")
        self.assertEqual(self.lab.tcp_probe("main-agent", ASP4, 8443), "host-unreachable")
        ok, out = self.lab.ping("main-agent", ASP4)
        self.assertFalse(ok)
        self.assertRegex(out, r"From 198\.18\.1\.1 .*Destination Host Unreachable")
        ok, out = self.lab.ping("main-agent", ASP6)
        self.assertRegex(out, r"From fd00:5057:1::1 .*Address unreachable")

    def test_10_loss(self):
        self.assertEqual(self.lab.loss("main-agent", ASP4, count=100, period_ms=5), 0.0)
        self.assertCli("fault", "loss", "main-primary", "30")
        # each direction loses 30 %: round trip ~ 1 - 0.7^2 = 51 %
        loss = self.lab.loss("main-agent", ASP4, count=200, period_ms=5)
        self.assertTrue(25 <= loss <= 78, "round-trip loss %.0f%%" % loss)

    def test_11_cli_errors(self):
        p = cli("fault", "cut", "no-such-link")
        self.assertEqual(p.returncode, 2)
        self.assertIn("main-primary", p.stderr)           # lists the valid names
        p = cli("route", "main-agent", "backup")
        self.assertEqual(p.returncode, 2)
        p = cli("status", name="pwnosuch")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no lab named", p.stderr)
        p = cli("exec", "main-agent", "--", "/bin/echo", "hello")
        self.assertEqual((p.returncode, p.stdout), (0, "hello\n"))

    def test_12_restore_all(self):
        self.assertCli("fault", "cut", "main-backup")
        self.assertCli("fault", "drop", "dc-lan")
        self.assertCli("fault", "loss", "tgw-asp", "10")
        self.assertCli("route", "branch-rtr", "backup")
        self.assertFalse(self.ping(self.lab.addr("dc-collector")))
        self.assertCli("restore", "--all")
        for h in self.lab.topo.hosts:
            p = self.lab.exec(h, [pwlab.NFT, "list", "tables"], check=True)
            self.assertNotIn("pwlab", p.stdout, h)
        self.assertNotIn("FAULT", self.assertCli("status"))
        self.assertTrue(self.ping(self.lab.addr("dc-collector")))
        self.assertEqual(self.hop(SRC_BAK4), BAK4)
        self.assertEqual(self.lab.ttl_reply_from("branch-agent", ASP4, 2), "198.18.103.1")


class BrokenTopologyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(lambda: pwlab.Lab(None, BROKEN).down())

    def write(self, text):
        path = os.path.join(self.tmp.name, "broken.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def assertNothingLeft(self):
        self.assertEqual(lab_namespaces(BROKEN), [])
        self.assertFalse(os.path.exists(pwlab._state_path(BROKEN)))

    def test_fails_mid_build_and_cleans_up(self):
        # valid on paper, refused by the kernel after namespaces and links exist:
        # icmp_errors_use_inbound_ifaddr has no conf/all/ variant
        with open(TOPO, encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"(?m)^(  asp:\n    role: host\n)",
                          r"\1    sysctl: {net.ipv4.conf.all.icmp_errors_use_inbound_ifaddr: 1}\n",
                          text)
        self.assertEqual(n, 1)
        p = cli("up", self.write(text), name=BROKEN)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("build failed", p.stderr)
        self.assertIn("torn down", p.stderr)
        self.assertIn("icmp_errors_use_inbound_ifaddr", p.stderr)
        self.assertNothingLeft()

    def test_bad_file_exits_2(self):
        for text, needle in (
                ("hosts:\n  a: {role: host}\nlinks:\n  x:\n    ipv4: 10.1.2.0/24\n"
                 "    ipv6: fd00:5057:9::/64\n    ends: {a: {iface: e, addr: 1}}\n",
                 "outside the lab"),
                ("hosts: [\n", "not valid YAML"),
                ("hosts:\n  a: {role: host}\nroutes:\n  a: [{to: lab, via: b}]\n",
                 "unknown host 'b'")):
            p = cli("up", self.write(text), name=BROKEN)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(needle, p.stderr)
            self.assertNothingLeft()


class TeardownTest(unittest.TestCase):
    """Runs after LabTopologyTest's class cleanup has torn its lab down."""

    def test_nothing_left(self):
        self.assertEqual(lab_namespaces(NAME), [])
        self.assertFalse(os.path.exists(pwlab._state_path(NAME)))
        out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True,
                             timeout=10).stdout
        self.assertNotIn("pwt%d-" % os.getpid(), out)
        # down is idempotent
        self.assertEqual(cli("down").returncode, 0)


def _stop(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    if os.geteuid() != 0:
        print("test_lab_topology: needs root (network namespaces)", file=sys.stderr)
        return 1
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _stop)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite(loader.loadTestsFromTestCase(c) for c in
                               (LabTopologyTest, BrokenTopologyTest, TeardownTest))
    t0 = time.monotonic()
    try:
        result = unittest.TextTestRunner(verbosity=2).run(suite)
    finally:
        # whatever happened (signal, crash): nothing of ours stays behind
        for n in (NAME, BROKEN):
            try:
                pwlab.Lab(None, n).down()
            except Exception as e:  # report and go on with the other
                print("teardown of %s failed: %s" % (n, e), file=sys.stderr)
    print("lab test: %.1fs" % (time.monotonic() - t0), file=sys.stderr)
    left = lab_namespaces(NAME) + lab_namespaces(BROKEN)
    if left:
        print("namespaces left behind: %s" % left, file=sys.stderr)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
