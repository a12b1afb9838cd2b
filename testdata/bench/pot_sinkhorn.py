#!/usr/bin/python3
"""Write the fixture that fm's TestSinkhornAgainstPOT reads: POT's log-domain Sinkhorn
(ot.bregman.sinkhorn_log, the iteration fm.Sinkhorn runs) and its plain Sinkhorn-Knopp
(ot.sinkhorn, what TorchCFM's SB-CFM calls) on small fixed inputs.

Run by hand from the repository root (needs Debian's python3-pot), never in CI:

    /usr/bin/python3 testdata/bench/pot_sinkhorn.py > fm/testdata/pot_sinkhorn.json

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


def main():
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
