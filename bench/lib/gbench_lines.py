#!/usr/bin/python3
"""Turns Google Benchmark JSON (stdin) into pathwatch bench lines (stdout).

usage: gbench_lines.py BENCH FIGURE=BENCHMARK_NAME[:PEER_NAME=PEER_BENCHMARK_NAME] ...

Each figure is the benchmark's real time per iteration in its time unit; with a peer, the
peer's time in the same run goes into "peer"/"peer_value", and a second line gives the ratio.
"""
import json
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    bench = sys.argv[1]
    results = {b["name"]: b for b in json.load(sys.stdin)["benchmarks"]
               if b.get("run_type", "iteration") == "iteration"}
    for spec in sys.argv[2:]:
        ours, _, peer = spec.partition(":")
        figure, _, name = ours.partition("=")
        b = results[name]
        line = {"bench": bench, "figure": figure, "value": round(b["real_time"], 3),
                "unit": b["time_unit"] + "/op"}
        if peer:
            peer_label, _, peer_name = peer.partition("=")
            p = results[peer_name]
            line["peer"] = peer_label
            line["peer_value"] = round(p["real_time"], 3)
            print(json.dumps(line))
            print(json.dumps({"bench": bench, "figure": figure + "_ratio_to_" + peer_label,
                              "value": round(b["real_time"] / p["real_time"], 3),
                              "unit": "ratio"}))
        else:
            print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
