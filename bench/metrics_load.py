#!/usr/bin/env python3
"""The measuring side of bench/metrics (see there): the same workloads
against two pools of workers, one counting its metrics and one not, in
alternating rounds; then the medians and the cost of counting.

    metrics_load.py --url COUNTING --uncounted-url URL --token T ... \\
        --seconds N --rounds N --connections N --threads N --max-cost 0.03

Reuses bench/throughput_load.py's users, wrk scripts and runs. Python 3
standard library only.
"""

import argparse
import statistics

from benchlib import Failed, run
from throughput_load import checkpoint, fmt_ms, wrk

# (wrk script, label): Entra's matching lookup and Test Connection's miss,
# the two requests with the least work of their own, where a fixed cost
# per request shows most.
WORKLOADS = [("lookup", "lookup userName eq"), ("miss", "Test Connection (a miss)")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--psql", required=True)
    ap.add_argument("--admin-database", required=True)
    ap.add_argument("--url", required=True, help="the pool that counts")
    ap.add_argument("--uncounted-url", required=True, help="the pool with SCIM_METRICS_FILE=none")
    ap.add_argument("--token", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-cost", type=float, default=0.03)
    args = ap.parse_args()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds", flush=True)
    for url in (args.url, args.uncounted_url):
        wrk(args, "lookup", url, 2, args.connections, args.threads)
    runs = {script: {"counting": [], "uncounted": []} for script, _ in WORKLOADS}
    for r in range(args.rounds):
        for n, (script, label) in enumerate(WORKLOADS):
            sides = [("counting", args.url), ("uncounted", args.uncounted_url)]
            if (r + n) % 2:
                sides.reverse()
            line = []
            for side, url in sides:
                checkpoint(args)
                result, _ = wrk(args, script, url, args.seconds, args.connections, args.threads)
                if result.errors:
                    raise Failed(f"{label}, {side}: {result.note}")
                runs[script][side].append(result)
                line.append(f"{side} {result.rate:8.0f}/s (p50 {fmt_ms(result.p50)})")
            print(f"  round {r + 1} {label:26s} " + "; ".join(line), flush=True)
    print()
    print(f"median of {args.rounds} rounds of {args.seconds} s:")
    print(f"  | {'workload':26s} | {'counting req/s':>14s} | {'uncounted req/s':>15s} | {'cost':>6s} |")
    print(f"  |{'-' * 28}|{'-' * 16}|{'-' * 17}|{'-' * 8}|")
    failures = 0
    costs = []
    for script, label in WORKLOADS:
        on = statistics.median(x.rate for x in runs[script]["counting"])
        off = statistics.median(x.rate for x in runs[script]["uncounted"])
        cost = 1 - on / off
        costs.append((label, cost))
        print(f"  | {label:26s} | {on:14.0f} | {off:15.0f} | {cost:6.1%} |")
    for label, cost in costs:
        ok = cost < args.max_cost
        print(f"{'pass' if ok else 'FAIL'}: {label}: counting the metrics costs {cost:.1%} of the "
              f"requests/s (target < {args.max_cost:.0%})")
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    run(main)
