#!/usr/bin/python3
"""Time POT's exact solver ot.emd on the inputs fmtiny's BenchmarkAssign solves, and write the
fixture that fm's TestAssignAgainstPOT reads.

Run by hand from the repository root (needs Debian's python3-pot), never in CI:

    /usr/bin/python3 testdata/bench/pot_emd.py                  # timings, median of --runs
    /usr/bin/python3 testdata/bench/pot_emd.py --fixture > fm/testdata/pot_emd.json

The points are those of fm's lcgPoints: n rows of d coordinates uniform on [-1, 1) from a
64-bit LCG (Knuth's MMIX constants), x from seed s and y from seed s + 1 (times a scale: 1, the
same law, or 2, a wider one as data against noise), so both sides solve the same problem
without a file between them. The cost is the squared Euclidean distance summed in
float64 from the float32 points, as fm.SquaredDistances computes it; the marginals are uniform,
as TorchCFM's OTPlanSampler(method="exact") passes them. The timed call is ot.emd alone (the
cost is built before), as BenchmarkAssign's solve/ figures time Solve alone.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import ot


def lcg_points(seed, n, d):
    out = np.empty(n * d, dtype=np.float64)
    s = seed
    mask = (1 << 64) - 1
    for i in range(n * d):
        s = (s * 6364136223846793005 + 1442695040888963407) & mask
        out[i] = (s >> 11) / float(1 << 53) * 2 - 1
    return out.astype(np.float32).reshape(n, d)


def sq_cost(x, y):
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    # Differences, not the expansion |x|^2 + |y|^2 - 2 x.y, as fm.SquaredDistances does.
    return ((x64[:, None, :] - y64[None, :, :]) ** 2).sum(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fixture", action="store_true", help="print the JSON fixture of totals")
    args = ap.parse_args()

    if args.fixture:
        fix = []
        for seed, n, d in [(7, 64, 2), (11, 300, 2), (13, 200, 784), (1, 512, 2)]:
            x, y = lcg_points(seed, n, d), lcg_points(seed + 1, n, d)
            M = sq_cost(x, y)
            a = ot.unif(n)
            P = ot.emd(a, a, M, numItermax=10_000_000)
            fix.append({"Seed": seed, "N": n, "D": d, "Cost": float((P * M).sum() * n)})
        json.dump(fix, sys.stdout, indent=1)
        print()
        return

    print(f"POT {ot.__version__}, numpy {np.__version__}")
    print("| d | scale | n | ot.emd median wall (ms) | median CPU (ms) | wall runs (ms) | total cost |")
    print("|---:|---:|---:|---:|---:|---|---:|")
    for d, scale in ((2, 1), (2, 2), (784, 1)):
        for n in (512, 1024):
            x, y = lcg_points(1, n, d), lcg_points(2, n, d) * np.float32(scale)
            M = sq_cost(x, y)
            a = ot.unif(n)
            times, cpu = [], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                P = ot.emd(a, a, M, numItermax=10_000_000)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            cost = (P * M).sum() * n
            runs = ", ".join(f"{t * 1e3:.1f}" for t in times)
            print(f"| {d} | {scale} | {n} | {statistics.median(times) * 1e3:.1f} | "
                  f"{statistics.median(cpu) * 1e3:.1f} | {runs} | {cost:.12g} |")
            sys.stdout.flush()
    # OT-CFM's own case, as BenchmarkAssign's solve/noise-8gaussians: the same laws (noise
    # N(0, I) against TorchCFM's 8 gaussians of radius 5 and variance sqrt(0.1)), not the same
    # points, so the totals differ.
    rng = np.random.default_rng(5)
    s = 1 / np.sqrt(2)
    centres = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)]) * 5
    for n in (512, 1024):
        x = rng.standard_normal((n, 2)).astype(np.float32)
        y = (centres[rng.integers(0, 8, n)] + rng.standard_normal((n, 2)) * 0.1 ** 0.25).astype(np.float32)
        M = sq_cost(x, y)
        a = ot.unif(n)
        times, cpu = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            P = ot.emd(a, a, M, numItermax=10_000_000)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        runs = ", ".join(f"{t * 1e3:.1f}" for t in times)
        print(f"| noise-8gaussians | | {n} | {statistics.median(times) * 1e3:.1f} | "
              f"{statistics.median(cpu) * 1e3:.1f} | {runs} | {(P * M).sum() * n:.12g} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
