#!/usr/bin/python3
"""pwlab: the pathwatch network lab.

Builds a topology described by a YAML file (etc/lab/municipal.yaml) in Linux
network namespaces and injects faults by name.  Runs as root.  Python 3 stdlib
and PyYAML only.  See tests/lab/README.md.

Library use:

    from pwlab import Lab
    with Lab("etc/lab/municipal.yaml", name="pwt123") as lab:
        lab.ping("main-agent", lab.addr("asp"))
        lab.fault_cut("main-primary")
        lab.restore()
    # torn down here, whatever happened inside

Rules enforced whatever the YAML says: addresses and routes only inside
198.18.0.0/15 and fd00:5057::/32, no default route, forwarding only on routers,
every loop bounded in count and time, every subprocess call with a timeout.
"""

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time

import yaml

LAB4 = ipaddress.ip_network("198.18.0.0/15")
LAB6 = ipaddress.ip_network("fd00:5057::/32")
STATE_DIR = os.environ.get("PWLAB_STATE_DIR", "/run/pwlab")
DEFAULT_NAME = "pw"
CMD_TIMEOUT = 15.0          # seconds, any single helper command
PIN_RULE_PREF = 1000        # ip rule preference of the first pin
LINE_RULE_PREF = 900        # ... of the first "a line address answers over its line" rule
LINE_TABLE_BASE = 300       # its table (pins use 1..250)
FALLBACK_METRIC = 4000      # metric of the unreachable fallback of a pin
LISTENER_LIFETIME = 86400   # seconds a service listener lives at most
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")
HOST_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
IFACE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$")   # <= 15 chars (IFNAMSIZ-1)
SYSCTL_RE = re.compile(r"^net\.[a-z0-9_.-]+$")
ROLES = ("router", "host", "switch")
REJECT_CODES = {
    # code: (IPv4 reject, IPv6 reject); None = not ICMP
    "host-unreachable": ("icmp type host-unreachable", "icmpv6 type addr-unreachable"),
    "net-unreachable": ("icmp type net-unreachable", "icmpv6 type no-route"),
    "port-unreachable": ("icmp type port-unreachable", "icmpv6 type port-unreachable"),
    "admin-prohibited": ("icmp type admin-prohibited", "icmpv6 type admin-prohibited"),
    "tcp-reset": None,
}
FAULT_KINDS = ("cut", "drop", "reject", "loss")
# The kernel's default ICMP error rate limit per destination (net.ipv4.icmp_ratelimit,
# net.ipv6.icmp.ratelimit: 1000 ms), plus a margin: what a careful prober waits between
# probes that need a router's ICMP error.
ICMP_SPACING = 1.1


class LabError(Exception):
    """An error with a message for the user.  exit_code 2: bad input or topology."""

    def __init__(self, msg, exit_code=1):
        super().__init__(msg)
        self.exit_code = exit_code


class TopologyError(LabError):
    def __init__(self, msg):
        super().__init__("topology error: " + msg, exit_code=2)


class UsageError(LabError):
    def __init__(self, msg):
        super().__init__(msg, exit_code=2)


def _tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    return path or name


IP = _tool("ip")
NFT = _tool("nft")
SYSCTL = _tool("sysctl")
PING = _tool("ping")
FPING = _tool("fping")
PYTHON = "/usr/bin/python3"


def run(cmd, timeout=CMD_TIMEOUT, check=True, input=None):
    """Run a command with a timeout; raise LabError with its stderr on failure."""
    try:
        p = subprocess.run(cmd, input=input, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %ss: %s" % (timeout, shlex.join(cmd)))
    except FileNotFoundError:
        raise LabError("command not found: %s" % cmd[0])
    if check and p.returncode != 0:
        msg = (p.stderr or p.stdout).strip()
        raise LabError("command failed (exit %d): %s%s" % (
            p.returncode, shlex.join(cmd), (": " + msg) if msg else ""))
    return p


# ---------------------------------------------------------------------------
# Topology: parsing and validation, no side effects
# ---------------------------------------------------------------------------

def _v6_host(hid):
    """Host number written with the same digits in IPv6 (12 -> ::12)."""
    return int(str(hid), 16)


class End:
    def __init__(self, link, host, iface, addr, extra, port):
        self.link, self.host, self.iface = link, host, iface
        self.addr, self.extra, self.port = addr, extra, port

    def ids(self):
        return [self.addr] + list(self.extra)

    def ip(self, family, hid=None):
        hid = self.addr if hid is None else hid
        net = self.link.net4 if family == 4 else self.link.net6
        off = hid if family == 4 else _v6_host(hid)
        return net.network_address + off

    def ifaddrs(self, family):
        net = self.link.net4 if family == 4 else self.link.net6
        return ["%s/%d" % (self.ip(family, h), net.prefixlen) for h in self.ids()]


class Link:
    def __init__(self, name, net4, net6, switch, fault_at):
        self.name, self.net4, self.net6 = name, net4, net6
        self.switch, self.fault_at = switch, fault_at
        self.ends = {}          # host -> End

    def net(self, family):
        return self.net4 if family == 4 else self.net6

    @property
    def kind(self):
        return "segment" if self.switch else "link"


class Topology:
    """A validated topology.  `raw` is the parsed YAML (kept in the state file)."""

    def __init__(self, raw, source="<topology>"):
        self.raw = raw
        self.source = source
        try:
            self._parse(raw)
        except TopologyError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise TopologyError("%s: malformed (%s: %s)" % (source, type(e).__name__, e))

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as f:
                raw = yaml.safe_load(f)
        except OSError as e:
            raise TopologyError("cannot read %s: %s" % (path, e.strerror))
        except yaml.YAMLError as e:
            raise TopologyError("%s is not valid YAML: %s" % (path, e))
        return cls(raw, source=os.path.abspath(path))

    # -- helpers ------------------------------------------------------------
    def _err(self, where, msg):
        raise TopologyError("%s: %s: %s" % (self.source, where, msg))

    @staticmethod
    def _map(v, where, self_):
        if v is None:
            return {}
        if not isinstance(v, dict):
            self_._err(where, "must be a mapping")
        return v

    def _sysctls(self, v, where):
        v = self._map(v, where, self)
        out = {}
        for k, val in v.items():
            if not isinstance(k, str) or not SYSCTL_RE.match(k):
                self._err(where, "bad sysctl key %r (net.* keys only)" % (k,))
            if isinstance(val, bool) or not isinstance(val, (int, str)):
                self._err(where + "." + k, "value must be an integer or a string")
            out[k] = str(val)
        return out

    def _host(self, name, where):
        if name not in self.hosts:
            self._err(where, "unknown host %r (hosts: %s)" % (name, ", ".join(self.hosts)))
        return name

    def _in_lab(self, net, where):
        lab = LAB4 if net.version == 4 else LAB6
        if not (net.version == lab.version and net.subnet_of(lab)):
            self._err(where, "%s is outside the lab (%s only)" % (net, lab))

    # -- parsing ------------------------------------------------------------
    def _parse(self, raw):
        if not isinstance(raw, dict):
            self._err("top level", "must be a mapping")
        unknown = set(raw) - {"version", "description", "common_sysctl", "roles",
                              "hosts", "links", "sites", "routes", "profiles"}
        if unknown:
            self._err("top level", "unknown keys: %s" % ", ".join(sorted(unknown)))
        if raw.get("version", 1) != 1:
            self._err("version", "only version 1 is understood")
        self.common_sysctl = self._sysctls(raw.get("common_sysctl"), "common_sysctl")
        roles = self._map(raw.get("roles"), "roles", self)
        self.role_sysctl = {}
        for r in ROLES:
            rr = self._map(roles.get(r), "roles." + r, self)
            self.role_sysctl[r] = self._sysctls(rr.get("sysctl"), "roles.%s.sysctl" % r)
        for r in roles:
            if r not in ROLES:
                self._err("roles", "unknown role %r (roles: %s)" % (r, ", ".join(ROLES)))

        # hosts
        hosts = self._map(raw.get("hosts"), "hosts", self)
        if not hosts:
            self._err("hosts", "no hosts")
        self.hosts = {}
        for name, h in hosts.items():
            where = "hosts.%s" % name
            if not isinstance(name, str) or not HOST_RE.match(name):
                self._err(where, "bad host name (lower case, digits, '-', <= 31 chars)")
            h = self._map(h, where, self)
            role = h.get("role")
            if role not in ROLES:
                self._err(where, "role must be one of %s" % ", ".join(ROLES))
            services = []
            for i, s in enumerate(h.get("services") or []):
                sw = "%s.services[%d]" % (where, i)
                s = self._map(s, sw, self)
                if s.get("proto", "tcp") != "tcp":
                    self._err(sw, "only proto tcp is supported")
                port = s.get("port")
                if not isinstance(port, int) or not 0 < port < 65536:
                    self._err(sw, "port must be 1..65535")
                if s.get("behaviour", "accept-close") != "accept-close":
                    self._err(sw, "behaviour must be accept-close")
                services.append({"proto": "tcp", "port": port, "behaviour": "accept-close"})
            if services and role == "switch":
                self._err(where, "a switch cannot run services")
            self.hosts[name] = {
                "role": role,
                "note": str(h.get("note", "")),
                "sysctl": self._sysctls(h.get("sysctl"), where + ".sysctl"),
                "services": services,
                "closed_ports": list(h.get("closed_ports") or []),
                "ends": {},             # iface -> End
                "ports": {},            # switch port -> End (switches only)
            }

        # links
        links = self._map(raw.get("links"), "links", self)
        self.links = {}
        seen4, seen6, seen_ip = {}, {}, {}
        for lname, l in links.items():
            where = "links.%s" % lname
            if not isinstance(lname, str) or not HOST_RE.match(lname):
                self._err(where, "bad link name")
            if lname in self.hosts:
                self._err(where, "a link may not share its name with a host")
            l = self._map(l, where, self)
            try:
                net4 = ipaddress.ip_network(str(l.get("ipv4")))
                net6 = ipaddress.ip_network(str(l.get("ipv6")))
            except ValueError as e:
                self._err(where, "ipv4/ipv6 must be network prefixes (%s)" % e)
            if net4.version != 4 or net6.version != 6:
                self._err(where, "ipv4 must be an IPv4 prefix, ipv6 an IPv6 prefix")
            self._in_lab(net4, where + ".ipv4")
            self._in_lab(net6, where + ".ipv6")
            if net4.prefixlen > 29 or net6.prefixlen > 120:
                self._err(where, "prefix too long")
            for net, seen in ((net4, seen4), (net6, seen6)):
                for other, oname in seen.items():
                    if net.overlaps(other):
                        self._err(where, "%s overlaps link %s (%s)" % (net, oname, other))
                seen[net] = lname
            switch = l.get("switch")
            if switch is not None:
                self._host(switch, where + ".switch")
                if self.hosts[switch]["role"] != "switch":
                    self._err(where + ".switch", "%s is not a switch" % switch)
            fault_at = l.get("fault_at")
            link = Link(lname, net4, net6, switch, fault_at)
            ends = self._map(l.get("ends"), where + ".ends", self)
            if switch is None and len(ends) != 2:
                self._err(where, "a link (no switch) has exactly two ends")
            if switch is not None and len(ends) < 2:
                self._err(where, "a segment has at least two ends")
            for host, e in ends.items():
                ew = "%s.ends.%s" % (where, host)
                self._host(host, ew)
                if self.hosts[host]["role"] == "switch":
                    self._err(ew, "a switch cannot be an end (use switch:)")
                e = self._map(e, ew, self)
                iface = e.get("iface")
                if not isinstance(iface, str) or not IFACE_RE.match(iface) or iface == "lo":
                    self._err(ew, "iface must be an interface name of at most 15 characters")
                if iface in self.hosts[host]["ends"]:
                    self._err(ew, "host %s already has an interface %s" % (host, iface))
                ids = [e.get("addr")] + list(e.get("extra") or [])
                for hid in ids:
                    if isinstance(hid, bool) or not isinstance(hid, int) or not 1 <= hid <= 254:
                        self._err(ew, "addr/extra must be host numbers 1..254")
                if len(set(ids)) != len(ids):
                    self._err(ew, "duplicate host numbers")
                port = None
                if switch:
                    port = str(e.get("port", host))
                    if not IFACE_RE.match(port):
                        self._err(ew, "switch port name %r too long (give port: <=15 chars)" % port)
                    if port in self.hosts[switch]["ports"] or port == "br0":
                        self._err(ew, "switch port name %r used twice" % port)
                end = End(link, host, iface, ids[0], ids[1:], port)
                for fam in (4, 6):
                    for hid in end.ids():
                        a = end.ip(fam, hid)
                        if a not in link.net(fam) or a in (link.net(fam).network_address,
                                                          link.net(fam).broadcast_address):
                            self._err(ew, "host number %d does not fit %s" % (hid, link.net(fam)))
                        if a in seen_ip:
                            self._err(ew, "address %s already used by %s" % (a, seen_ip[a]))
                        seen_ip[a] = "%s/%s" % (host, lname)
                link.ends[host] = end
                self.hosts[host]["ends"][iface] = end
                if switch:
                    self.hosts[switch]["ports"][port] = end
            if fault_at is None:
                routers = [h for h in link.ends if self.hosts[h]["role"] == "router"]
                if not routers:
                    self._err(where, "no router on this link: give fault_at")
                link.fault_at = routers[0]
            else:
                self._host(fault_at, where + ".fault_at")
                if fault_at not in link.ends or self.hosts[fault_at]["role"] != "router":
                    self._err(where + ".fault_at", "must be a router at an end of the link")
            self.links[lname] = link

        # sites
        sites = self._map(raw.get("sites"), "sites", self)
        self.sites = {}
        site_of_router = {}
        for sname, s in sites.items():
            where = "sites.%s" % sname
            s = self._map(s, where, self)
            router = self._host(s.get("router"), where + ".router")
            hub = self._host(s.get("hub"), where + ".hub")
            for h in (router, hub):
                if self.hosts[h]["role"] != "router":
                    self._err(where, "%s is not a router" % h)
            if router in site_of_router:
                self._err(where, "router %s already serves site %s" % (router, site_of_router[router]))
            site_of_router[router] = sname
            lan = s.get("lan")
            if lan not in self.links or router not in self.links[lan].ends:
                self._err(where + ".lan", "must be a link of %s" % router)
            lines = self._map(s.get("lines"), where + ".lines", self)
            if len(lines) < 2:
                self._err(where + ".lines", "a site needs at least two lines")
            lmap = {}
            for line, lv in lines.items():
                lw = "%s.lines.%s" % (where, line)
                lv = self._map(lv, lw, self)
                lk = lv.get("link")
                if lk not in self.links or set(self.links[lk].ends) != {router, hub}:
                    self._err(lw, "link must join %s and %s directly" % (router, hub))
                m = lv.get("metric")
                if not isinstance(m, int) or not 1 <= m < FALLBACK_METRIC:
                    self._err(lw, "metric must be 1..%d" % (FALLBACK_METRIC - 1))
                lmap[str(line)] = {"link": lk, "metric": m}
            if len({v["metric"] for v in lmap.values()}) != len(lmap):
                self._err(where + ".lines", "metrics must differ")
            prefer = str(s.get("prefer", min(lmap, key=lambda k: lmap[k]["metric"])))
            if prefer not in lmap:
                self._err(where + ".prefer", "unknown line %r" % prefer)
            pins = []
            tables = set()
            for i, p in enumerate(s.get("pins") or []):
                pw = "%s.pins[%d]" % (where, i)
                p = self._map(p, pw, self)
                ph = self._host(p.get("host"), pw + ".host")
                end = self.links[lan].ends.get(ph)
                if end is None:
                    self._err(pw, "%s is not on %s" % (ph, lan))
                if p.get("addr") not in end.ids():
                    self._err(pw, "addr must be one of %s's host numbers %s" % (ph, end.ids()))
                if p.get("line") not in lmap:
                    self._err(pw, "line must be one of %s" % ", ".join(lmap))
                t = p.get("table")
                if not isinstance(t, int) or not 1 <= t <= 250 or t in tables:
                    self._err(pw, "table must be a distinct number 1..250")
                tables.add(t)
                pins.append({"host": ph, "addr": p["addr"], "line": p["line"], "table": t})
            self.sites[sname] = {"router": router, "hub": hub, "lan": lan, "lines": lmap,
                                 "prefer": prefer, "pins": pins}
        self.site_of_router = site_of_router

        # static routes
        routes = self._map(raw.get("routes"), "routes", self)
        self.routes = {}
        for host, lst in routes.items():
            self._host(host, "routes.%s" % host)
            if not isinstance(lst, list):
                self._err("routes.%s" % host, "must be a list")
            out = []
            for i, r in enumerate(lst):
                rw = "routes.%s[%d]" % (host, i)
                r = self._map(r, rw, self)
                via = self._host(r.get("via"), rw + ".via")
                shared = [l for l in self.links.values() if host in l.ends and via in l.ends]
                if len(shared) != 1:
                    self._err(rw, "%s and %s must share exactly one link (they share %d)"
                              % (host, via, len(shared)))
                link = shared[0]
                tos = r.get("to")
                tos = tos if isinstance(tos, list) else [tos]
                dsts = {4: [], 6: []}
                for t in tos:
                    if t == "lab":
                        dsts[4].append(LAB4)
                        dsts[6].append(LAB6)
                    elif t in self.links:
                        dsts[4].append(self.links[t].net4)
                        dsts[6].append(self.links[t].net6)
                    else:
                        try:
                            n = ipaddress.ip_network(str(t))
                        except ValueError:
                            self._err(rw, "to: %r is neither 'lab', a link nor a prefix" % (t,))
                        self._in_lab(n, rw + ".to")
                        dsts[n.version].append(n)
                m = r.get("metric", 100)
                if not isinstance(m, int) or not 0 <= m < 100000:
                    self._err(rw, "bad metric")
                src = r.get("src")
                if src is not None and src not in link.ends[host].ids():
                    self._err(rw, "src must be one of %s" % link.ends[host].ids())
                out.append({"dsts": dsts, "via": via, "link": link.name,
                            "metric": m, "src": src})
            self.routes[host] = out

        # profiles: how the routers treat ICMP errors on top of the kernel's defaults
        profiles = self._map(raw.get("profiles"), "profiles", self)
        self.profiles = {"field": {"note": "kernel defaults", "icmp_errors": {}}}
        for pname, pv in profiles.items():
            pw = "profiles.%s" % pname
            if not isinstance(pname, str) or not NAME_RE.match(pname):
                self._err(pw, "bad profile name")
            pv = self._map(pv, pw, self)
            if set(pv) - {"note", "icmp_errors"}:
                self._err(pw, "unknown keys: %s" % ", ".join(sorted(set(pv) - {"note", "icmp_errors"})))
            errs = {}
            for h, spec in self._map(pv.get("icmp_errors"), pw + ".icmp_errors", self).items():
                hw = "%s.icmp_errors.%s" % (pw, h)
                self._host(h, hw)
                if self.hosts[h]["role"] != "router":
                    self._err(hw, "%s is not a router" % h)
                spec = self._map(spec, hw, self)
                if set(spec) - {"time_exceeded", "per_second"}:
                    self._err(hw, "keys: time_exceeded (never), per_second (N)")
                te = spec.get("time_exceeded")
                if te not in (None, "never"):
                    self._err(hw + ".time_exceeded", "only 'never' is understood")
                rate = spec.get("per_second")
                if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int)
                                         or not 1 <= rate <= 1000):
                    self._err(hw + ".per_second", "must be 1..1000")
                errs[h] = {"time_exceeded": te, "per_second": rate}
            self.profiles[pname] = {"note": str(pv.get("note", "")), "icmp_errors": errs}

    # -- derived ------------------------------------------------------------
    def ns(self, name, host):
        return "%s-%s" % (name, host)

    def routers(self):
        return [h for h, v in self.hosts.items() if v["role"] == "router"]

    def line_metrics(self, site, prefer):
        """{line: metric}, the preferred line getting the lowest metric."""
        lines = self.sites[site]["lines"]
        metrics = sorted(v["metric"] for v in lines.values())
        order = [prefer] + [l for l in lines if l != prefer]
        return dict(zip(order, metrics))

    def route_plan(self, host, prefs):
        """Desired routes and rules of a host.

        Returns (routes, rules).  A route is a dict: family, table, dst, type
        ('via' | 'unreachable'), gw, dev, metric, src.  prefs: {site: line}.
        """
        routes, rules = [], []

        def via(fam, table, dst, link, metric, src=None):
            end = self.links[link].ends[host]
            other = [e for h, e in self.links[link].ends.items() if h != host]
            return {"family": fam, "table": table, "dst": str(dst), "type": "via",
                    "gw": str(other[0].ip(fam)) if len(other) == 1 else None,
                    "dev": end.iface, "metric": metric,
                    "src": str(end.ip(fam, src)) if src is not None else None}

        def via_host(fam, table, dst, link, gwhost, metric, src=None):
            r = via(fam, table, dst, link, metric, src)
            r["gw"] = str(self.links[link].ends[gwhost].ip(fam))
            return r

        def unreach(fam, table, dst):
            return {"family": fam, "table": table, "dst": str(dst), "type": "unreachable",
                    "gw": None, "dev": None, "metric": FALLBACK_METRIC, "src": None}

        for r in self.routes.get(host, []):
            for fam in (4, 6):
                for d in r["dsts"][fam]:
                    routes.append(via_host(fam, "main", d, r["link"], r["via"],
                                           r["metric"], r["src"]))
        for sname, s in self.sites.items():
            metrics = self.line_metrics(sname, prefs.get(sname, s["prefer"]))
            if host == s["router"]:
                for line, lv in s["lines"].items():
                    for fam, lab in ((4, LAB4), (6, LAB6)):
                        routes.append(via(fam, "main", lab, lv["link"], metrics[line]))
                # What the router itself sends from a line's address (an answer to a probe
                # of that address) leaves over that line, as the topology says such a probe
                # crosses only that line: without this, main-rtr answered a probe of its
                # backup address over the primary.
                for j, (line, lv) in enumerate(sorted(s["lines"].items())):
                    t = str(LINE_TABLE_BASE + j)
                    line_end = self.links[lv["link"]].ends[host]
                    for fam, lab in ((4, LAB4), (6, LAB6)):
                        routes.append(via(fam, t, lab, lv["link"], lv["metric"]))
                        routes.append(unreach(fam, t, lab))
                        rules.append({"family": fam, "pref": LINE_RULE_PREF + j,
                                      "from": str(line_end.ip(fam)), "iif": "lo",
                                      "table": t})
                for i, p in enumerate(s["pins"]):
                    t = str(p["table"])
                    lan_end = self.links[s["lan"]].ends[p["host"]]
                    for fam, lab in ((4, LAB4), (6, LAB6)):
                        routes.append(via(fam, t, lab, s["lines"][p["line"]]["link"],
                                          s["lines"][p["line"]]["metric"]))
                        routes.append(unreach(fam, t, lab))
                        rules.append({"family": fam, "pref": PIN_RULE_PREF + i,
                                      "from": str(lan_end.ip(fam, p["addr"])),
                                      "iif": self.links[s["lan"]].ends[host].iface,
                                      "table": t})
            if host == s["hub"]:
                lan = self.links[s["lan"]]
                for line, lv in s["lines"].items():
                    for fam in (4, 6):
                        routes.append(via(fam, "main", lan.net(fam), lv["link"], metrics[line]))
                for p in s["pins"]:
                    pe = lan.ends[p["host"]]
                    for fam in (4, 6):
                        dst = ipaddress.ip_network(pe.ip(fam, p["addr"]))
                        routes.append(via(fam, "main", dst, s["lines"][p["line"]]["link"],
                                          s["lines"][p["line"]]["metric"]))
                        routes.append(unreach(fam, "main", dst))
        return routes, rules


# ---------------------------------------------------------------------------
# The lab
# ---------------------------------------------------------------------------

def _state_path(name):
    return os.path.join(STATE_DIR, name + ".json")


def _check_name(name):
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise UsageError("bad lab name %r: a lower-case letter then up to 11 letters "
                         "or digits (no '-': namespaces are NAME-HOST)" % (name,))
    return name


def list_netns():
    p = run([IP, "netns", "list"], check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def list_labs():
    try:
        return sorted(f[:-5] for f in os.listdir(STATE_DIR) if f.endswith(".json"))
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def _locked(name, timeout=10.0):
    os.makedirs(STATE_DIR, exist_ok=True)
    fd = os.open(os.path.join(STATE_DIR, name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / 0.05) + 1):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabError("lab %s is locked by another pwlab command" % name)
                time.sleep(0.05)
        else:
            raise LabError("lab %s is locked by another pwlab command" % name)
        yield
    finally:
        os.close(fd)


_LISTENER = r"""
import os, socket, sys, time
port, life = int(sys.argv[1]), float(sys.argv[2])
deadline = time.monotonic() + life
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
s.listen(128)
s.settimeout(1.0)
sys.stdout.write("ready\n"); sys.stdout.flush(); os.close(1)
while time.monotonic() < deadline:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    except OSError:
        time.sleep(0.1)
        continue
    c.close()
"""

_TCP_PROBE = r"""
import errno, socket, sys
dst, port, src, t = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(t)
if src:
    s.bind((src, 0))
try:
    s.connect((dst, port)); print("open")
except socket.timeout:
    print("timeout")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print({errno.EHOSTUNREACH: "host-unreachable", errno.ENETUNREACH: "net-unreachable",
           errno.EACCES: "admin-prohibited", errno.EPERM: "admin-prohibited"}.get(
           e.errno, "error:" + (errno.errorcode.get(e.errno) or str(e.errno))))
"""


class Lab:
    """A lab: build with up() (or `with Lab(path, name) as lab:`), tear down with down()."""

    def __init__(self, topology=None, name=DEFAULT_NAME, profile=None):
        self.name = _check_name(name)
        # The field profile (kernel defaults) unless asked otherwise: what CI runs.
        self.profile = profile or os.environ.get("PWLAB_PROFILE") or "field"
        self.topo = None
        if topology is not None:
            self.topo = topology if isinstance(topology, Topology) else Topology.load(topology)
        self.state = None

    # -- context manager ----------------------------------------------------
    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    # -- state --------------------------------------------------------------
    @classmethod
    def attach(cls, name=DEFAULT_NAME):
        """The running lab NAME (from its state file)."""
        _check_name(name)
        try:
            with open(_state_path(name), encoding="utf-8") as f:
                state = json.load(f)
        except FileNotFoundError:
            labs = list_labs()
            raise UsageError("no lab named %s is up (labs up: %s)"
                             % (name, ", ".join(labs) or "none"))
        lab = cls(Topology(state["topology"], source=state.get("source", name)), name,
                  state.get("profile", "field"))
        lab.state = state
        return lab

    def _reload(self):
        with open(_state_path(self.name), encoding="utf-8") as f:
            self.state = json.load(f)

    def _save(self):
        os.makedirs(STATE_DIR, exist_ok=True)
        path = _state_path(self.name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)

    def ns(self, host):
        self._check_host(host)
        return self.topo.ns(self.name, host)

    def _check_host(self, host):
        if host not in self.topo.hosts:
            raise UsageError("unknown host %r; hosts: %s" % (host, ", ".join(self.topo.hosts)))

    def _check_link(self, link):
        if link not in self.topo.links:
            raise UsageError("unknown link or segment %r; valid names: %s"
                             % (link, ", ".join(self.topo.links)))
        return self.topo.links[link]

    def _describe(self):
        hosts = {}
        for h, v in self.topo.hosts.items():
            ifs = {}
            for iface, e in v["ends"].items():
                ifs[iface] = {"link": e.link.name, "ipv4": [str(e.ip(4, i)) for i in e.ids()],
                              "ipv6": [str(e.ip(6, i)) for i in e.ids()]}
            hosts[h] = {"ns": self.ns(h), "role": v["role"], "note": v["note"],
                        "interfaces": ifs,
                        "services": v["services"], "closed_ports": v["closed_ports"]}
        links = {}
        for l, v in self.topo.links.items():
            links[l] = {"kind": v.kind, "ipv4": str(v.net4), "ipv6": str(v.net6),
                        "switch": v.switch, "fault_at": v.fault_at,
                        "fault_iface": v.ends[v.fault_at].iface,
                        "ends": {h: e.iface for h, e in v.ends.items()}}
        return hosts, links

    # -- build / teardown ---------------------------------------------------
    def up(self):
        """Build the lab; on any failure (or signal) tear down what was built and raise."""
        if self.topo is None:
            raise UsageError("no topology given")
        os.makedirs(STATE_DIR, exist_ok=True)
        with _locked(self.name):
            if self.profile not in self.topo.profiles:
                raise UsageError("unknown profile %r; profiles: %s"
                                 % (self.profile, ", ".join(self.topo.profiles)))
            if os.path.exists(_state_path(self.name)):
                raise UsageError("lab %s is already up (pwlab down --name %s)"
                                 % (self.name, self.name))
            clash = [n for n in list_netns() if n.startswith(self.name + "-")]
            if clash:
                raise UsageError("namespaces of lab %s already exist: %s (pwlab down --name %s)"
                                 % (self.name, ", ".join(clash), self.name))
            hosts, links = self._describe()
            self.state = {"name": self.name, "source": self.topo.source,
                          "topology": self.topo.raw, "building": True,
                          "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                          "hosts": hosts, "links": links, "faults": {}, "prefer": {},
                          "pids": {}, "profile": self.profile}
            self._save()
            step = "start"
            try:
                step = "create namespaces"
                self._build_namespaces()
                step = "create links"
                self._build_links()
                step = "set role and host sysctls"
                for h in self.topo.hosts:
                    v = self.topo.hosts[h]
                    self._sysctl(h, dict(self.topo.role_sysctl[v["role"]], **v["sysctl"]))
                step = "install routes and rules"
                for h in self.topo.hosts:
                    self._apply_routes(h, strict=True, with_rules=True)
                step = "apply profile %s" % self.profile
                self._apply_profile()
                step = "start services"
                self._start_services()
                step = "check isolation"
                self.check_isolation()
                self.state["building"] = False
                self._save()
            except BaseException as e:
                try:
                    self._teardown()
                except Exception as te:  # report, but the first error matters more
                    sys.stderr.write("pwlab: cleanup after failure also failed: %s\n" % te)
                if isinstance(e, LabError):
                    raise TopologyError("%s: build failed at step '%s' (lab %s torn down): %s"
                                        % (self.topo.source, step, self.name, e)) from None
                raise
        return self

    def _build_namespaces(self):
        for h, v in self.topo.hosts.items():
            ns = self.ns(h)
            run([IP, "netns", "add", ns])
            run([IP, "-n", ns, "link", "set", "lo", "up"])
            self._sysctl(h, self.topo.common_sysctl)
            if v["role"] == "switch":
                run([IP, "-n", ns, "link", "add", "br0", "type", "bridge",
                     "mcast_snooping", "0", "stp_state", "0"])
                run([IP, "-n", ns, "link", "set", "br0", "up"])

    def _build_links(self):
        root = []
        per_ns = {h: [] for h in self.topo.hosts}
        for l in self.topo.links.values():
            ends = list(l.ends.values())
            if l.switch:
                sw = self.ns(l.switch)
                for e in ends:
                    root.append("link add %s netns %s type veth peer name %s netns %s"
                                % (e.iface, self.ns(e.host), e.port, sw))
                    per_ns[l.switch].append("link set %s master br0" % e.port)
                    per_ns[l.switch].append("link set %s up" % e.port)
            else:
                a, b = ends
                root.append("link add %s netns %s type veth peer name %s netns %s"
                            % (a.iface, self.ns(a.host), b.iface, self.ns(b.host)))
            for e in ends:
                cmds = per_ns[e.host]
                for fam in (4, 6):
                    for a in e.ifaddrs(fam):
                        cmds.append("address add %s dev %s%s" % (a, e.iface,
                                                                 " nodad" if fam == 6 else ""))
                cmds.append("link set %s up" % e.iface)
        run([IP, "-batch", "-"], input="\n".join(root) + "\n")
        for h, cmds in per_ns.items():
            if cmds:
                run([IP, "-n", self.ns(h), "-batch", "-"], input="\n".join(cmds) + "\n")

    def _sysctl(self, host, kv):
        if not kv:
            return
        args = ["%s=%s" % (k, v) for k, v in kv.items()]
        p = run([IP, "netns", "exec", self.ns(host), SYSCTL, "-q", "-w"] + args, check=False)
        if p.returncode != 0:
            raise LabError("sysctl in %s failed: %s" % (host, (p.stderr or p.stdout).strip()))

    def _apply_profile(self):
        """The profile's ICMP error behaviour, as nftables rules on what a router sends itself
        (its ICMP errors leave through the output hook; forwarded traffic is untouched).
        `time_exceeded: never`: it drops every Time Exceeded it would send (vendor routers
        configured not to answer traceroute). `per_second: N`: all its ICMP errors together
        (Time Exceeded and Destination Unreachable, v4 and v6) at most N a second, burst 1,
        on top of the kernel's own per-destination limit."""
        for h, spec in self.topo.profiles[self.profile]["icmp_errors"].items():
            rules = []
            if spec["time_exceeded"] == "never":
                rules += ["icmp type time-exceeded drop", "icmpv6 type time-exceeded drop"]
            objs = ""
            if spec["per_second"]:
                objs = (" limit icmp_errors { rate over %d/second burst 1 packets }\n"
                        % spec["per_second"])
                rules += ['icmp type { time-exceeded, destination-unreachable } '
                          'limit name "icmp_errors" drop',
                          'icmpv6 type { time-exceeded, destination-unreachable } '
                          'limit name "icmp_errors" drop']
            script = ("table inet pwlab_profile {\n%s chain output {\n"
                      "  type filter hook output priority filter; policy accept;\n%s }\n}\n"
                      % (objs, "".join("  %s\n" % r for r in rules)))
            run([IP, "netns", "exec", self.ns(h), NFT, "-f", "-"], input=script)

    def _start_services(self):
        for h, v in self.topo.hosts.items():
            for s in v["services"]:
                proc = subprocess.Popen(
                    [IP, "netns", "exec", self.ns(h), PYTHON, "-c", _LISTENER,
                     str(s["port"]), str(LISTENER_LIFETIME), "pwlab:%s:%s" % (self.name, h)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, start_new_session=True)
                self.state["pids"].setdefault(h, []).append(proc.pid)
                self._save()
                ready, _, _ = select.select([proc.stdout], [], [], 5.0)
                line = proc.stdout.readline() if ready else b""
                proc.stdout.close()
                if line.strip() != b"ready":
                    raise LabError("service tcp/%d on %s did not start" % (s["port"], h))

    def check_isolation(self):
        """Raise unless every route in every namespace stays inside the lab."""
        bad = []
        allowed = {4: [LAB4, ipaddress.ip_network("127.0.0.0/8")],
                   6: [LAB6, ipaddress.ip_network("::1/128"),
                       ipaddress.ip_network("fe80::/10"), ipaddress.ip_network("ff00::/8")]}
        for h in self.topo.hosts:
            for fam in (4, 6):
                p = run([IP, "-%d" % fam, "-n", self.ns(h), "-j", "route", "show",
                         "table", "all"])
                for r in json.loads(p.stdout or "[]"):
                    dst = r.get("dst", "")
                    if dst == "default":
                        bad.append("%s: default route %s" % (h, r))
                        continue
                    try:
                        n = ipaddress.ip_network(dst if "/" in dst else
                                                 dst + ("/32" if fam == 4 else "/128"),
                                                 strict=False)
                    except ValueError:
                        bad.append("%s: unparsable route %s" % (h, r))
                        continue
                    if not any(n.version == a.version and n.subnet_of(a) for a in allowed[fam]):
                        bad.append("%s: route to %s leaves the lab" % (h, dst))
        if bad:
            raise LabError("isolation check failed: " + "; ".join(bad))

    def down(self):
        """Tear down everything of this lab.  Idempotent."""
        with _locked(self.name):
            if self.state is None and os.path.exists(_state_path(self.name)):
                with contextlib.suppress(Exception):
                    self._reload()
            self._teardown()

    def _teardown(self):
        names = set(n for n in list_netns() if n.startswith(self.name + "-"))
        if self.state:
            names |= {v["ns"] for v in self.state.get("hosts", {}).values()} & set(list_netns())
        # end every process living in our namespaces (services, things run by exec)
        pids = set()
        for ns in names:
            p = run([IP, "netns", "pids", ns], check=False)
            pids |= {int(x) for x in p.stdout.split() if x.isdigit()}
        if self.state:
            for lst in self.state.get("pids", {}).values():
                pids |= {pid for pid in lst if _pid_in(pid, names)}
        _kill_all(pids)
        errors = []
        for ns in sorted(names):
            p = run([IP, "netns", "del", ns], check=False)
            if p.returncode != 0 and ns in list_netns():
                errors.append("%s: %s" % (ns, p.stderr.strip()))
        for suffix in (".json", ".json.tmp", ".lock"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_state_path(self.name)[:-5] + suffix)
        self.state = None
        if errors:
            raise LabError("could not delete namespaces: " + "; ".join(errors))

    # -- routes -------------------------------------------------------------
    def _links_state(self, host):
        """{iface: (admin_up, carrier)} in a host."""
        p = run([IP, "-n", self.ns(host), "-j", "link", "show"])
        out = {}
        for l in json.loads(p.stdout or "[]"):
            flags = l.get("flags", [])
            out[l["ifname"]] = ("UP" in flags, "LOWER_UP" in flags)
        return out

    def _apply_routes(self, host, strict=False, with_rules=False):
        """Make the host's managed routes match the plan.

        Routes over an interface that is administratively down are skipped (the
        kernel removed them; restore puts them back).  strict: any failure raises.
        """
        prefs = (self.state or {}).get("prefer", {})
        routes, rules = self.topo.route_plan(host, prefs)
        if not routes and not rules:
            return
        links = self._links_state(host)
        ns = self.ns(host)
        cmds = {4: [], 6: []}
        for r in routes:
            if r["type"] == "via" and not links.get(r["dev"], (False, False))[0]:
                continue
            cmds[r["family"]].append(_route_cmd("replace", r))
        if with_rules:
            for ru in rules:
                cmds[ru["family"]].append("rule add pref %d from %s iif %s lookup %s"
                                          % (ru["pref"], ru["from"], ru["iif"], ru["table"]))
        for fam in (4, 6):
            if cmds[fam]:
                p = run([IP, "-%d" % fam, "-n", ns, "-force", "-batch", "-"],
                        input="\n".join(cmds[fam]) + "\n", check=False)
                if p.returncode != 0:
                    msg = "routes in %s: %s" % (host, p.stderr.strip())
                    if strict:
                        raise LabError(msg)
                    sys.stderr.write("pwlab: warning: %s\n" % msg)
        # remove stale managed routes (e.g. the old metric after a `route` switch)
        want = {}
        for r in routes:
            want.setdefault((r["family"], r["table"], r["dst"]), set()).add(_route_key(r))
        tables = {(f, t) for f, t, _ in want}
        dels = {4: [], 6: []}
        for fam, table in sorted(tables):
            p = run([IP, "-%d" % fam, "-n", ns, "-j", "route", "show", "table", table])
            for cur in json.loads(p.stdout or "[]"):
                dst = cur.get("dst")
                if dst and "/" not in dst and dst != "default":
                    dst += "/32" if fam == 4 else "/128"
                keyset = want.get((fam, table, dst))
                if keyset is None:
                    continue
                kind = "unreachable" if cur.get("type") == "unreachable" else "via"
                key = (kind, cur.get("gateway"), cur.get("dev") if kind == "via" else None,
                       int(cur.get("metric", 0)))
                if key not in keyset:
                    spec = "%s%s%s metric %d table %s" % (
                        "unreachable " if kind == "unreachable" else "", dst,
                        (" via %s dev %s" % (key[1], key[2])) if kind == "via" and key[1] else
                        (" dev %s" % key[2] if key[2] else ""), key[3], table)
                    dels[fam].append("route del " + spec)
        for fam in (4, 6):
            if dels[fam]:
                run([IP, "-%d" % fam, "-n", ns, "-force", "-batch", "-"],
                    input="\n".join(dels[fam]) + "\n", check=False)

    # -- queries ------------------------------------------------------------
    def addr(self, host, iface=None, family=4, hid=None, all_=False):
        """An address of a host: its first interface (or IFACE, or a link name)."""
        self._check_host(host)
        ends = self.topo.hosts[host]["ends"]
        if not ends:
            raise UsageError("host %s has no addresses" % host)
        if iface is None:
            end = next(iter(ends.values()))
        elif iface in ends:
            end = ends[iface]
        elif iface in self.topo.links and host in self.topo.links[iface].ends:
            end = self.topo.links[iface].ends[host]
        else:
            raise UsageError("host %s has no interface or link %r; interfaces: %s"
                             % (host, iface, ", ".join(ends)))
        if all_:
            return [str(end.ip(family, i)) for i in end.ids()]
        if hid is not None and hid not in end.ids():
            raise UsageError("%s %s has host numbers %s, not %s" % (host, end.iface, end.ids(), hid))
        return str(end.ip(family, hid))

    def exec(self, host, cmd, timeout=CMD_TIMEOUT, check=False, input=None):
        """Run CMD (a list) inside HOST; returns subprocess.CompletedProcess."""
        return run([IP, "netns", "exec", self.ns(host)] + list(cmd), timeout=timeout,
                   check=check, input=input)

    def ping(self, host, dst, src=None, count=1, wait=1.0, ttl=None):
        """(ok, output) of ping -n from HOST."""
        fam = 6 if ":" in dst else 4
        cmd = [PING, "-%d" % fam, "-n", "-c", str(count), "-W", str(wait), "-i", "0.2"]
        if src:
            cmd += ["-I", src]
        if ttl:
            cmd += ["-t", str(ttl)]
        p = self.exec(host, cmd + [dst], timeout=count * 0.2 + wait + 5)
        return p.returncode == 0, p.stdout + p.stderr

    def ttl_reply_from(self, host, dst, ttl, src=None, wait=1.0, tries=3):
        """The address that answered a TTL-limited ping with an ICMP error, or None.

        Routers rate-limit ICMP errors (the lab keeps the kernel's default: 1 a second per
        destination, burst 6), so like any traceroute this asks again, at most TRIES times,
        waiting out the limit (ICMP_SPACING) before each retry instead of reading a
        rate-limited silence as "nobody answers"."""
        for attempt in range(max(1, tries)):
            if attempt:
                time.sleep(ICMP_SPACING)
            _, out = self.ping(host, dst, src=src, ttl=ttl, wait=wait)
            m = re.search(r"^From ([0-9a-fA-F:.]+)", out, re.M)
            if m:
                return m.group(1)
        return None

    def tcp_probe(self, host, dst, port, src=None, timeout=1.0):
        """'open' | 'refused' | 'timeout' | 'host-unreachable' | 'net-unreachable' | ..."""
        p = self.exec(host, [PYTHON, "-c", _TCP_PROBE, dst, str(port), src or "",
                             str(timeout)], timeout=timeout + 10)
        return (p.stdout.strip() or "error:" + p.stderr.strip()[-200:])

    def loss(self, host, dst, count=200, period_ms=10, src=None):
        """Round-trip loss in percent measured with fping."""
        cmd = [FPING, "-q", "-c", str(count), "-p", str(period_ms), "-t", "300"]
        if src:
            cmd += ["-S", src]
        p = self.exec(host, cmd + [dst], timeout=count * period_ms / 1000.0 + 10)
        m = re.search(r"xmt/rcv/%loss = (\d+)/(\d+)/(\d+)%", p.stderr + p.stdout)
        if not m:
            raise LabError("fping gave no summary: %s" % (p.stderr + p.stdout).strip())
        return 100.0 * (int(m.group(1)) - int(m.group(2))) / max(1, int(m.group(1)))

    # -- faults -------------------------------------------------------------
    def _mutate(self, fn):
        with _locked(self.name):
            self._reload()
            result = fn()
            self._save()
            return result

    def fault_cut(self, link, side=None):
        """Set both ends (or only SIDE's end) of LINK administratively down."""
        l = self._check_link(link)
        if side is not None and side not in l.ends:
            raise UsageError("%s is not an end of %s; ends: %s" % (side, link, ", ".join(l.ends)))

        def do():
            for h, e in l.ends.items():
                if side is None or side == h:
                    run([IP, "-n", self.ns(h), "link", "set", e.iface, "down"])
                    if l.switch and side is None:
                        run([IP, "-n", self.ns(l.switch), "link", "set", e.port, "down"])
            self.state["faults"].setdefault(link, {})["cut"] = {"side": side}
        self._mutate(do)

    def _nft_fault(self, link, kind, rules, desc):
        l = self._check_link(link)
        table = _nft_table(link)
        script = "table inet %s\ndelete table inet %s\ntable inet %s {\n" \
                 " chain forward {\n  type filter hook forward priority filter; policy accept;\n" \
                 "%s }\n}\n" % (table, table, table, "".join("  %s\n" % r for r in rules))

        def do():
            run([IP, "netns", "exec", self.ns(l.fault_at), NFT, "-f", "-"], input=script)
            f = self.state["faults"].setdefault(link, {})
            for k in ("drop", "reject", "loss"):
                f.pop(k, None)
            f[kind] = desc
        self._mutate(do)

    def _selectors(self, link, direction):
        l = self._check_link(link)
        iface = l.ends[l.fault_at].iface
        if direction not in ("both", "in", "out"):
            raise UsageError("direction must be both, in or out")
        sel = []
        if direction in ("both", "in"):
            sel.append('iifname "%s"' % iface)
        if direction in ("both", "out"):
            sel.append('oifname "%s"' % iface)
        return sel

    @staticmethod
    def _matches(proto, port):
        if proto not in (None, "tcp", "udp", "icmp"):
            raise UsageError("proto must be tcp, udp or icmp")
        if port is not None:
            if proto == "icmp":
                raise UsageError("--port makes no sense with icmp")
            if not 0 < int(port) < 65536:
                raise UsageError("port must be 1..65535")
            p = "meta l4proto %s" % (proto or "{ tcp, udp }")
            return ["%s th dport %d" % (p, port), "%s th sport %d" % (p, port)]
        if proto == "icmp":
            return ["meta l4proto { icmp, ipv6-icmp }"]
        if proto:
            return ["meta l4proto %s" % proto]
        return [""]

    def fault_drop(self, link, direction="both", proto=None, port=None):
        """Drop forwarded traffic crossing LINK (at its fault_at router)."""
        rules = ["%s %s counter drop" % (s, m) for s in self._selectors(link, direction)
                 for m in self._matches(proto, port)]
        self._nft_fault(link, "drop", rules, {"dir": direction, "proto": proto, "port": port})

    def fault_reject(self, link, code, direction="both", proto=None, port=None):
        """Reject forwarded traffic crossing LINK with an ICMP code or a TCP reset."""
        if code not in REJECT_CODES:
            raise UsageError("reject code must be one of %s" % ", ".join(REJECT_CODES))
        rules = []
        for s in self._selectors(link, direction):
            for m in self._matches(proto, port):
                if code == "tcp-reset":
                    if proto not in (None, "tcp"):
                        raise UsageError("tcp-reset applies to tcp only")
                    rules.append("%s meta l4proto tcp %s counter reject with tcp reset" % (s, m))
                else:
                    v4, v6 = REJECT_CODES[code]
                    rules.append("%s meta nfproto ipv4 %s counter reject with %s" % (s, m, v4))
                    rules.append("%s meta nfproto ipv6 %s counter reject with %s" % (s, m, v6))
        self._nft_fault(link, "reject", rules, {"code": code, "dir": direction,
                                                "proto": proto, "port": port})

    def fault_loss(self, link, percent, direction="both", proto=None, port=None):
        """Drop PERCENT % of forwarded packets crossing LINK (each direction: see dir)."""
        try:
            pct = float(percent)
        except (TypeError, ValueError):
            raise UsageError("loss percent must be a number")
        if not 0 < pct <= 100:
            raise UsageError("loss percent must be in (0, 100]")
        if pct == int(pct):
            ng = "numgen random mod 100 < %d" % int(pct)
        else:
            ng = "numgen random mod 10000 < %d" % round(pct * 100)
        rules = ["%s %s %s counter drop" % (s, m, ng) for s in self._selectors(link, direction)
                 for m in self._matches(proto, port)]
        self._nft_fault(link, "loss", rules, {"percent": pct, "dir": direction,
                                              "proto": proto, "port": port})

    def restore(self, link=None):
        """Undo faults on LINK (all links if None; then route preferences are reset too)."""
        if link is not None:
            self._check_link(link)
        names = [link] if link else list(self.topo.links)

        def do():
            touched = set()
            for n in names:
                l = self.topo.links[n]
                f = self.state["faults"].pop(n, {})
                if "cut" in f or link is None:
                    for h, e in l.ends.items():
                        run([IP, "-n", self.ns(h), "link", "set", e.iface, "up"])
                        if l.switch:
                            run([IP, "-n", self.ns(l.switch), "link", "set", e.port, "up"])
                        touched.add(h)
                if any(k in f for k in ("drop", "reject", "loss")) or link is None:
                    run([IP, "netns", "exec", self.ns(l.fault_at), NFT, "delete", "table",
                         "inet", _nft_table(n)], check=False)
            if link is None:
                self.state["prefer"] = {}
                touched = set(self.topo.hosts)
            self._wait_carrier(names)
            for h in self.topo.hosts:
                if h in touched:
                    self._apply_routes(h)
        self._mutate(do)

    def _wait_carrier(self, names, timeout=3.0):
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / 0.05) + 1):
            pending = []
            for n in names:
                l = self.topo.links[n]
                for h, e in l.ends.items():
                    if not self._links_state(h).get(e.iface, (False, False))[1]:
                        pending.append("%s:%s" % (h, e.iface))
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if pending:
            sys.stderr.write("pwlab: warning: no carrier yet on %s\n" % ", ".join(pending))

    def route(self, router, line):
        """Make the site of ROUTER (a site router or a site name) prefer LINE."""
        site = self.topo.site_of_router.get(router, router if router in self.topo.sites else None)
        if site is None:
            raise UsageError("%r is not a site router; site routers: %s"
                             % (router, ", ".join(self.topo.site_of_router)))
        s = self.topo.sites[site]
        if line not in s["lines"]:
            raise UsageError("site %s has no line %r; lines: %s"
                             % (site, line, ", ".join(s["lines"])))

        def do():
            self.state["prefer"][site] = line
            self._apply_routes(s["router"])
            self._apply_routes(s["hub"])
        self._mutate(do)

    def status(self):
        """A human-readable summary."""
        self._reload()
        out = ["lab %s (%s), profile %s%s" % (self.name, self.state.get("source"),
                                              self.state.get("profile", "field"),
                                              "  [BUILDING]" if self.state.get("building")
                                              else "")]
        out.append("hosts:")
        for h, v in self.state["hosts"].items():
            addrs = []
            for i, d in v["interfaces"].items():
                addrs.append("%s %s" % (i, " ".join(d["ipv4"] + d["ipv6"])))
            out.append("  %-13s %-7s %-22s %s" % (h, v["role"], v["ns"], "; ".join(addrs)))
        out.append("links:")
        cache = {}
        for n, l in self.topo.links.items():
            st = []
            for h, e in l.ends.items():
                if h not in cache:
                    cache[h] = self._links_state(h)
                up, car = cache[h].get(e.iface, (False, False))
                st.append("%s:%s=%s" % (h, e.iface, "up" if up and car else
                                        ("no-carrier" if up else "DOWN")))
            f = self.state["faults"].get(n)
            out.append("  %-15s %-7s %s%s" % (n, l.kind, " ".join(st),
                                              ("   FAULT " + json.dumps(f, sort_keys=True))
                                              if f else ""))
        out.append("sites:")
        for sname, s in self.topo.sites.items():
            pref = self.state["prefer"].get(sname, s["prefer"])
            p = run([IP, "-4", "-n", self.ns(s["router"]), "route", "show", str(LAB4)],
                    check=False)
            out.append("  %s (%s): prefers %s; lab routes: %s" % (
                sname, s["router"], pref,
                " | ".join(x.strip() for x in p.stdout.splitlines()) or "NONE"))
        return "\n".join(out)


def _route_key(r):
    return (r["type"], r["gw"] if r["type"] == "via" else None,
            r["dev"] if r["type"] == "via" else None, int(r["metric"]))


def _route_cmd(verb, r):
    if r["type"] == "unreachable":
        return "route %s unreachable %s table %s metric %d" % (verb, r["dst"], r["table"],
                                                               r["metric"])
    s = "route %s %s via %s dev %s table %s metric %d onlink" % (
        verb, r["dst"], r["gw"], r["dev"], r["table"], r["metric"])
    if r["src"]:
        s += " src %s" % r["src"]
    return s


def _nft_table(link):
    return "pwlab_" + re.sub(r"[^a-zA-Z0-9_]", "_", link)


def _pid_in(pid, names):
    """True if PID still runs inside one of the namespaces NAMES (or we cannot tell)."""
    try:
        ino = os.stat("/proc/%d/ns/net" % pid).st_ino
    except OSError:
        return False
    for ns in names:
        with contextlib.suppress(OSError):
            if os.stat("/run/netns/" + ns).st_ino == ino:
                return True
    return False


def _kill_all(pids, timeout=3.0):
    pids = {p for p in pids if p > 1 and p != os.getpid()}
    if not pids:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 1.0)):
        for p in list(pids):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pids.discard(p)
        deadline = time.monotonic() + wait
        for _ in range(int(wait / 0.02) + 1):
            for p in list(pids):
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(p, os.WNOHANG)
                if not os.path.exists("/proc/%d" % p) or _zombie(p):
                    pids.discard(p)
            if not pids or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        if not pids:
            return


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def _parser():
    p = argparse.ArgumentParser(prog="pwlab", description="pathwatch network lab (run as root)")
    name_help = "lab name, namespaces are NAME-HOST (default $PWLAB_NAME, else pw)"
    p.add_argument("--name", default=os.environ.get("PWLAB_NAME", DEFAULT_NAME), help=name_help)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True

    def named(sp):
        # accepted after any (sub)command as well; SUPPRESS keeps the top-level value
        sp.add_argument("--name", default=argparse.SUPPRESS, help=name_help)
        return sp

    sp = named(sub.add_parser("up", help="build a topology"))
    sp.add_argument("topology")
    sp.add_argument("--profile", default=None,
                    help="ICMP behaviour of the routers: field (kernel defaults, the default; "
                         "$PWLAB_PROFILE), or one the topology defines (strict)")
    sp = named(sub.add_parser("down", help="tear a lab down (idempotent)"))
    sp.add_argument("--all", action="store_true", help="every lab with a state file")
    sp = named(sub.add_parser("exec", help="run a command inside a host: exec HOST -- CMD..."))
    sp.add_argument("host")
    sp.add_argument("command", nargs=argparse.REMAINDER)
    sp = named(sub.add_parser("ns", help="print the namespace of a host"))
    sp.add_argument("host")
    sp = named(sub.add_parser("addr", help="print an address of a host"))
    sp.add_argument("host")
    sp.add_argument("iface", nargs="?", help="interface or link name (default: first)")
    sp.add_argument("-6", dest="six", action="store_true", help="IPv6")
    sp.add_argument("--id", type=int, help="host number (e.g. 11 for the .11 address)")
    sp.add_argument("--all", action="store_true", help="every address of the interface")
    sp = named(sub.add_parser("fault", help="inject a fault"))
    fs = sp.add_subparsers(dest="kind", metavar="KIND")
    fs.required = True
    f = named(fs.add_parser("cut", help="set the link's ends down"))
    f.add_argument("link")
    f.add_argument("--side", help="only this host's end (the other end loses carrier)")

    def filt(f):
        f.add_argument("--dir", default="both", choices=("both", "in", "out"),
                       help="relative to the fault_at router: out = onto the link")
        f.add_argument("--proto", choices=("tcp", "udp", "icmp"))
        f.add_argument("--port", type=int, help="tcp/udp port (either direction)")
    f = named(fs.add_parser("drop", help="drop forwarded traffic crossing the link"))
    f.add_argument("link")
    filt(f)
    f = named(fs.add_parser("reject", help="reject forwarded traffic crossing the link"))
    f.add_argument("link")
    f.add_argument("--code", required=True, choices=list(REJECT_CODES))
    filt(f)
    f = named(fs.add_parser("loss", help="random loss on forwarded traffic crossing the link"))
    f.add_argument("link")
    f.add_argument("percent")
    filt(f)
    sp = named(sub.add_parser("restore", help="undo faults: restore [LINK | --all]"))
    sp.add_argument("link", nargs="?")
    sp.add_argument("--all", action="store_true")
    sp = named(sub.add_parser("route", help="route SITE-RTR primary|backup"))
    sp.add_argument("router")
    sp.add_argument("line")
    named(sub.add_parser("status", help="show hosts, links, faults, routes"))
    named(sub.add_parser("check", help="verify no route leaves the lab"))
    return p


def _on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv=None):
    args = _parser().parse_args(argv)
    if os.geteuid() != 0 and args.cmd not in ("addr", "ns"):
        sys.stderr.write("pwlab: must run as root\n")
        return 2
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    try:
        if args.cmd == "up":
            lab = Lab(args.topology, args.name, args.profile)
            lab.up()
            print("lab %s is up (profile %s): namespaces %s-<host>; state in %s"
                  % (args.name, lab.profile, args.name, _state_path(args.name)))
        elif args.cmd == "down":
            names = list_labs() if args.all else [_check_name(args.name)]
            if args.all and not names:
                print("no labs up")
            for n in names:
                Lab(None, n).down()
                print("lab %s is down" % n)
        elif args.cmd == "exec":
            lab = Lab.attach(args.name)
            cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
            if not cmd:
                raise UsageError("exec HOST -- CMD...: no command given")
            ns = lab.ns(args.host)
            sys.stdout.flush()
            os.execvp(IP, [IP, "netns", "exec", ns] + cmd)
        elif args.cmd == "ns":
            print(Lab.attach(args.name).ns(args.host))
        elif args.cmd == "addr":
            a = Lab.attach(args.name).addr(args.host, args.iface, 6 if args.six else 4,
                                           args.id, args.all)
            print("\n".join(a) if isinstance(a, list) else a)
        elif args.cmd == "fault":
            lab = Lab.attach(args.name)
            if args.kind == "cut":
                lab.fault_cut(args.link, args.side)
            elif args.kind == "drop":
                lab.fault_drop(args.link, args.dir, args.proto, args.port)
            elif args.kind == "reject":
                lab.fault_reject(args.link, args.code, args.dir, args.proto, args.port)
            elif args.kind == "loss":
                lab.fault_loss(args.link, args.percent, args.dir, args.proto, args.port)
        elif args.cmd == "restore":
            if args.link and args.all:
                raise UsageError("restore: give LINK or --all, not both")
            Lab.attach(args.name).restore(args.link)
        elif args.cmd == "route":
            Lab.attach(args.name).route(args.router, args.line)
        elif args.cmd == "status":
            print(Lab.attach(args.name).status())
        elif args.cmd == "check":
            Lab.attach(args.name).check_isolation()
            print("ok: no route leaves the lab")
    except LabError as e:
        sys.stderr.write("pwlab: %s\n" % e)
        return e.exit_code
    except KeyboardInterrupt as e:
        sys.stderr.write("pwlab: interrupted (%s)\n" % (e or "SIGINT"))
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
