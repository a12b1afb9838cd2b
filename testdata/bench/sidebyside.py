#!/usr/bin/python3
"""Measure fmtiny against the PyTorch peer side by side, for BENCHMARKS.md (issue 9's targets).

Run by hand from the repository root, never in CI (it needs Debian's python3-torch):

    /usr/bin/python3 testdata/bench/sidebyside.py --rounds 3 > /tmp/sidebyside.md

Each round runs, for every figure, fmtiny's `go test -bench` benchmark and the peer
(../shared/bench/torch_cfm.py) one right after the other, each after waiting (up to --idle-wait
seconds) for other processes to leave the machine, and records how much of the machine other
processes took while it ran. It prints one markdown table per target with the median over the
rounds, each run's figures, and the commands. Peak resident memory is measured on the command
line (`fmtiny train`, /usr/bin/time) against the peer's own ru_maxrss.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(os.path.dirname(ROOT), "shared", "bench")
sys.path.insert(0, PEER)
import sysnoise  # noqa: E402

PEER_ENV = dict(os.environ, OMP_WAIT_POLICY="passive")
for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    PEER_ENV.pop(k, None)

TRAIN = [(64, 256, 3, 600), (128, 1024, 4, 200), (512, 4096, 4, 20)]  # hidden, batch, layers, peer steps
SAMPLE = [(64, 3, 1), (128, 4, 10000)]  # hidden, layers, points


def busy():
    """Jiffies all CPUs spent busy, and this process's children's CPU seconds."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    t = os.times()
    return sum(v[:8]) - v[3] - v[4], t.children_user + t.children_system


def run(cmd, env=None):
    """Runs cmd; returns its stdout and the fraction of the machine other processes used."""
    sysnoise.wait_idle(max_wait_s=ARGS.idle_wait)
    b0, c0 = busy()
    w0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - w0
    b1, c1 = busy()
    other = ((b1 - b0) / os.sysconf("SC_CLK_TCK") - (c1 - c0)) / (wall * os.cpu_count())
    return out, max(0.0, round(other, 2))


def bench(binary, pattern, benchtime):
    """Runs one benchmark; returns its metrics by unit, and the other processes' load."""
    out, other = run([binary, "-test.run", "^$", "-test.bench", pattern, "-test.benchtime", benchtime])
    line = [l for l in out.splitlines() if l.startswith("Benchmark")]
    if len(line) != 1:
        sys.exit("%s matched %d benchmarks:\n%s" % (pattern, len(line), out))
    f = line[0].split()[2:]
    return {unit: float(v) for v, unit in zip(f[::2], f[1::2])}, other


def peer(args):
    out, other = run(["/usr/bin/python3", os.path.join(PEER, "torch_cfm.py")] + args + ["--time-only"], env=PEER_ENV)
    return json.loads(out.strip().splitlines()[-1]), other


def rss_fmtiny(hidden, batch, layers, steps):
    out = os.path.join("/tmp", "sidebyside.safetensors")
    r = subprocess.run(["/usr/bin/time", "-v", FMTINY, "train", "--hidden", str(hidden), "--batch", str(batch),
                        "--layers", str(layers), "--steps", str(steps), "--threads", "2", "-o", out],
                       capture_output=True, text=True, check=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) / 1024


def main():
    global ARGS, BIN, ASM, FMTINY
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle-wait", type=float, default=30)
    ARGS = ap.parse_args()
    BIN, ASM, FMTINY = "/tmp/sidebyside-fm.test", "/tmp/sidebyside-asm.test", "/tmp/sidebyside-fmtiny"
    subprocess.run(["go", "test", "-c", "-o", BIN, "./fm"], cwd=ROOT, check=True)
    subprocess.run(["go", "test", "-c", "-o", ASM, "./asm"], cwd=ROOT, check=True)
    subprocess.run(["go", "build", "-o", FMTINY, "./cmd/fmtiny"], cwd=ROOT, check=True)
    os.chdir(os.path.join(ROOT, "fm"))
    rows = {}  # key -> list of (value, other) per round

    def add(key, value):
        rows.setdefault(key, []).append(value)

    for rnd in range(ARGS.rounds):
        print("round %d" % (rnd + 1), file=sys.stderr)
        for h, b, l, ps in TRAIN:
            name = "Train/h%d/b%d/l%d" % (h, b, l)
            bt = "4x" if h == 512 else "2s"
            for th in (1, 2):
                m, o = bench(BIN, "^BenchmarkTrain$/^h%d$/^b%d$/^l%d$/^threads=%d$" % (h, b, l, th), bt)
                add((name, "fmtiny steps/s", th), (m["steps/s"], o))
                add((name, "fmtiny GFLOP/s", th), (m["GFLOP/s"], o))
            j, o = peer(["--hidden", str(h), "--batch", str(b), "--layers", str(l), "--steps", str(ps),
                         "--threads", "2", "--n-samples", "0"])
            add((name, "torch steps/s", 2), (j["steps_per_sec"], o))
        for h, l, n in SAMPLE:
            name = "Sample/h%d/l%d/n%d" % (h, l, n)
            for th in (1, 2):
                m, o = bench(BIN, "^BenchmarkSample$/^h%d$/^l%d$/^n%d$/^threads=%d$" % (h, l, n, th), "2s" if n > 1 else "20000x")
                add((name, "fmtiny ms", th), (m["ms/run"], o))
            j, o = peer(["--hidden", str(h), "--layers", str(l), "--batch", "256", "--steps", "2", "--threads", "2",
                         "--solver", "midpoint", "--nfe-steps", "20", "--n-samples", str(n), "--sample-repeats", "5"])
            add((name, "torch ms", 2), (j["sample_seconds"] * 1e3, o))
        for th in (1, 2):
            m, o = bench(ASM, "^BenchmarkPeak$/^avx2-fma$/^t=%d$" % th, "1s")
            add(("Peak", "GFLOP/s", th), (m["GFLOP/s"], o))
            add(("Peak", "best-GFLOP/s", th), (m["best-GFLOP/s"], o))
        add(("RSS/h512/b4096/l4", "fmtiny MB", 2), (rss_fmtiny(512, 4096, 4, 5), 0))
        j, o = peer(["--hidden", "512", "--batch", "4096", "--layers", "4", "--steps", "5", "--threads", "2", "--n-samples", "0"])
        add(("RSS/h512/b4096/l4", "torch MB", 2), (j["maxrss_mb"], o))

    print("| figure | who | threads | median | runs (value @ other load) |")
    print("|---|---|---:|---:|---|")
    for (name, who, th), vals in rows.items():
        med = statistics.median(v for v, _ in vals)
        runs = ", ".join("%.4g @ %.2f" % (v, o) for v, o in vals)
        print("| %s | %s | %d | %.4g | %s |" % (name, who, th, med, runs))


if __name__ == "__main__":
    main()
