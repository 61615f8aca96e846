"""Shared pieces of the agent lab tests: stale-lab reaping, bounded waits on the fake
collector's JSON lines, processes started in lab namespaces and always ended, logs on failure."""

import datetime
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import pwlab  # noqa: E402

TOPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "etc", "lab", "municipal.yaml"))
COLLECTOR_EP = "tcp://198.18.10.10:7000"
ASP = "198.18.30.10"
UNKNOWN, UP, DEGRADED, DOWN = 1, 2, 3, 4  # pathwatch.v1.PathState
SOURCE_NETLINK, SOURCE_HOPS = 1, 2       # pathwatch.v1.RouteChange.Source


def reap_stale_labs(prefix):
    """Tear down labs of earlier runs (name PREFIX<pid>) whose process is gone (bounded)."""
    names = set(pwlab.list_labs()) | {n.split("-", 1)[0] for n in pwlab.list_netns()}
    for n in sorted(names)[:50]:
        m = re.match(r"^%s(\d+)$" % prefix, n)
        if m and int(m.group(1)) != os.getpid() and not os.path.exists("/proc/" + m.group(1)):
            pwlab.Lab(None, n).down()


def wait_for(predicate, timeout, step=0.1):
    """predicate()'s first truthy value within TIMEOUT seconds, else None (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


class Collected:
    """The fake collector's JSON lines (one envelope each), read from its output file."""

    def __init__(self, path):
        self.path = path

    def envelopes(self, agent=None):
        out = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{") and line.endswith("}"):
                    e = json.loads(line)
                    if agent is None or e.get("agent") == agent:
                        out.append(e)
        return out

    def of(self, agent, kind, since_seq=0, where=lambda e: True):
        return [e for e in self.envelopes(agent)
                if e.get("type") == kind and e["seq"] > since_seq and where(e)]

    def wait(self, agent, kind, where, since_seq=0, timeout=15.0):
        found = wait_for(lambda: self.of(agent, kind, since_seq, where), timeout)
        return found[0] if found else None

    def last_seq(self, agent):
        seqs = [e["seq"] for e in self.envelopes(agent)]
        return max(seqs) if seqs else 0


class Procs:
    """Processes started inside lab namespaces; end() stops every one still running."""

    def __init__(self, lab, tmp):
        self.lab, self.tmp, self.procs, self.files = lab, tmp, [], []

    def start(self, host, argv, log_name):
        f = open(os.path.join(self.tmp, log_name), "a")
        self.files.append(f)
        p = subprocess.Popen(["ip", "netns", "exec", self.lab.ns(host)] + argv,
                             stdout=f, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def end(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for f in self.files:
            f.close()


def dump_logs(tmp, names, lines=40):
    for name in names:
        p = os.path.join(tmp, name)
        if os.path.exists(p):
            sys.stderr.write("---- %s (tail)\n" % name)
            with open(p, encoding="utf-8", errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-lines:]))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def utc_ns(text):
    """'2026-11-23T13:32:00.123456789Z' (the API's UTC times) -> ns since the epoch."""
    head, frac = text.rstrip("Z").split(".") if "." in text else (text.rstrip("Z"), "0")
    t = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])


def timed(fn, *args):
    """(ns before, ns after) of fn(*args): the instant the command took effect lies inside."""
    before = time.time_ns()
    fn(*args)
    return before, time.time_ns()


def mid(span):
    return (span[0] + span[1]) / 2
