#!/usr/bin/python3
"""fmtiny's training against PyTorch's at the same settings: the fraction of samples on the
checkerboard's squares, over many seeds (issue 16's fidelity target).

Per seed, ../shared/bench/torch_cfm.py and fmtiny train the default network (4 x 128, SiLU,
batch 1024, Adam 1e-3) for --steps steps on the checkerboard, then sample 10000 points with
midpoint 20 steps; the fraction on the squares of each is printed, then the mean, the standard
deviation over seeds and the paired differences. A measuring instrument, never part of fmtiny.

    go build -o /tmp/fmtiny ./cmd/fmtiny
    /usr/bin/python3 testdata/bench/fidelity.py --fmtiny /tmp/fmtiny --seeds 1-8 --path condot
"""
import argparse, math, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sidebyside import PEER  # noqa: E402  ../shared/bench, found as sidebyside.py finds it


def on_squares(path):
    """fm.OnCheckerboard over a CSV of points (a header line, then x,y rows)."""
    n = on = 0
    with open(path) as f:
        for line in f:
            try:
                x, y = (float(v) for v in line.split(",")[-2:])
            except ValueError:
                continue
            u, v = math.floor(x * 0.45), math.floor(y * 0.45)
            n += 1
            on += -2 <= u <= 1 and -2 <= v <= 1 and int(u + v) % 2 == 0
    return on / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fmtiny", default="/tmp/fmtiny")
    ap.add_argument("--seeds", default="1-8")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--path", default="condot", choices=["condot", "vp"])
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    lo, _, hi = a.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    ct = "SkylakeX" if " avx512f" in open("/proc/cpuinfo").read() else "Haswell"
    env = dict(os.environ, OPENBLAS_CORETYPE=ct, OMP_WAIT_POLICY="passive")
    env.pop("OPENBLAS_L2_SIZE", None)
    tmp = tempfile.mkdtemp()
    rows = []
    for s in seeds:
        pt = os.path.join(tmp, f"pt{s}.csv")
        subprocess.run(["/usr/bin/python3", os.path.join(PEER, "torch_cfm.py"), "--hidden", "128", "--layers", "4", "--batch", "1024",
                        "--steps", str(a.steps), "--warmup", "0", "--path", a.path, "--threads", str(a.threads),
                        "--seed", str(s), "--n-samples", "10000", "--out-samples", pt],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        model, ft = os.path.join(tmp, f"f{s}.safetensors"), os.path.join(tmp, f"f{s}.csv")
        subprocess.run([a.fmtiny, "train", "--steps", str(a.steps), "--path", a.path, "--seed", str(s),
                        "--threads", str(a.threads), "--quiet", "-o", model], check=True)
        subprocess.run([a.fmtiny, "sample", "-m", model, "-n", "10000", "--seed", str(s), "-o", ft], check=True)
        rows.append((s, on_squares(ft), on_squares(pt)))
        print(f"seed {s}: fmtiny {rows[-1][1]:.4f}  PyTorch {rows[-1][2]:.4f}", flush=True)
    f, p = [r[1] for r in rows], [r[2] for r in rows]
    d = [x - y for x, y in zip(f, p)]
    sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
    print(f"{a.path}, {a.steps} steps, {len(rows)} seeds: fmtiny {statistics.mean(f):.4f} (sd {sd(f):.4f}), "
          f"PyTorch {statistics.mean(p):.4f} (sd {sd(p):.4f}); fmtiny - PyTorch {statistics.mean(d):+.4f} "
          f"(sd {sd(d):.4f}, standard error {sd(d) / math.sqrt(len(d)):.4f}), fmtiny lower in {sum(x < 0 for x in d)} of {len(d)}")


if __name__ == "__main__":
    main()
