#!/usr/bin/python3
"""Write the fixture that fm's TestSinkhornAgainstPOT reads: POT's log-domain Sinkhorn
(ot.bregman.sinkhorn_log, the iteration fm.Sinkhorn runs) and its plain Sinkhorn-Knopp
(ot.sinkhorn, what TorchCFM's SB-CFM calls) on small fixed inputs.

Run by hand from the repository root (needs Debian's python3-pot), never in CI:

    /usr/bin/python3 testdata/bench/pot_sinkhorn.py > fm/testdata/pot_sinkhorn.json
    /usr/bin/python3 testdata/bench/pot_sinkhorn.py --bench    # timings beside BenchmarkSinkhorn

The points are fm's lcgPoints (see pot_emd.py) times Scale, x0 from seed s and x1 from seed
s + 1 plus Shift in every coordinate; the cost is their squared Euclidean distance; uniform
marginals, POT's defaults (numItermax 1000, stopThr 1e-9). Each case stores both plans
row-major, and what ot.sinkhorn warned: at a small reg its kernel exp(-M/reg) underflows, and
in the last case (every squared distance above 16, reg 0.02) a whole column of it is zero, so it
stops at iteration 0 and returns a plan of zeros.
"""
import json
import sys
import warnings

import numpy as np
import ot

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pot_emd import lcg_points, sq_cost  # noqa: E402


def bench(runs):
    """Time ot.sinkhorn (what TorchCFM calls) and ot.bregman.sinkhorn_log on the inputs of fm's
    BenchmarkSinkhorn: lcg_points seeds 1 and 2, n x 2, reg 0.5 and 0.02, POT's defaults."""
    import statistics
    import time
    print(f"POT {ot.__version__}, numpy {np.__version__}")
    print("| n | reg | solver | median wall (ms) | median CPU (ms) | iterations | runs (ms) |")
    print("|---:|---:|---|---:|---:|---:|---|")
    for n in (128, 512):
        x0, x1 = lcg_points(1, n, 2), lcg_points(2, n, 2)
        M = sq_cost(x0, x1)
        a = ot.unif(n)
        for reg in (0.5, 0.02):
            for name, fn in (("ot.sinkhorn", ot.sinkhorn), ("sinkhorn_log", ot.bregman.sinkhorn_log)):
                wall, cpu = [], []
                for _ in range(runs):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t0, c0 = time.perf_counter(), time.process_time()
                        _, log = fn(a, a, M, reg, log=True)
                        wall.append(time.perf_counter() - t0)
                        cpu.append(time.process_time() - c0)
                runs_s = ", ".join(f"{t * 1e3:.1f}" for t in wall)
                print(f"| {n} | {reg} | {name} | {statistics.median(wall) * 1e3:.1f} | "
                      f"{statistics.median(cpu) * 1e3:.1f} | {log['niter'] + 1} | {runs_s} |")
                sys.stdout.flush()


def main():
    if "--bench" in sys.argv:
        bench(5)
        return
    cases = []
    for seed, n, m, d, scale, shift, reg in [(3, 16, 24, 2, 1.0, 0.0, 0.5), (5, 16, 16, 2, 1.0, 0.0, 0.05),
                                            (9, 12, 12, 2, 4.0, 0.0, 0.02), (13, 10, 10, 2, 1.0, 6.0, 0.02)]:
        x0, x1 = lcg_points(seed, n, d) * scale, lcg_points(seed + 1, m, d) * scale + shift
        M = sq_cost(x0, x1)
        a, b = ot.unif(n), ot.unif(m)
        P_log = ot.bregman.sinkhorn_log(a, b, M, reg, numItermax=1000, stopThr=1e-9)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            P_knopp = ot.sinkhorn(a, b, M, reg)
        cases.append({
            "Seed": seed, "N": n, "M": m, "D": d, "Scale": scale, "Shift": shift, "Eps": reg,
            "Log": P_log.ravel().tolist(), "Knopp": P_knopp.ravel().tolist(),
            "KnoppWarned": [str(x.message) for x in w],
        })
    json.dump(cases, sys.stdout)
    print()


if __name__ == "__main__":
    main()
