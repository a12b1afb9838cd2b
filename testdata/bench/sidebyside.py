#!/usr/bin/python3
"""Measure fmtiny against PyTorch and ONNX Runtime side by side, for BENCHMARKS.md (issues 9 and 14).

Run by hand from the repository root, never in CI (it needs Debian's python3-torch, numpy and
threadpoolctl, and onnxruntime-node installed as ../shared/bench/README.md says):

    /usr/bin/python3 testdata/bench/sidebyside.py --rounds 3 --base 7c0da6f > /tmp/sidebyside.md

Each round runs, for every figure, fmtiny's `go test -bench` benchmark and the peers one right
after the other, each after waiting (up to --idle-wait seconds) for other processes to leave the
machine, and records how much of the machine other processes took while it ran and the load
average. fmtiny runs on the best kernel set this CPU has and again on the avx2-fma set
(FMTINY_KERNELS=avx2-fma), at 1 and 2 threads; with --base REV, the avx2-fma figures of the code
at REV too (built from `git archive REV`), so that a table shows that set got no worse.

The training peer is ../shared/bench/torch_cfm.py, the sampling peers torch_cfm.py and
ONNX Runtime (ort_sample.js on a graph ort_export.py writes of the same network). OpenBLAS
0.3.21, under PyTorch, takes CPUs newer than itself for Prescott (SSE3) unless told its core
type: the peers run with OPENBLAS_CORETYPE=SkylakeX where /proc/cpuinfo lists avx512f and
Haswell otherwise (OPENBLAS_L2_SIZE removed), and the script stops if threadpoolctl, as the peer
reports it, says another architecture.

It prints the machine (CPU model, date, kernel sets, the peers' kernels), then one markdown
table per target: the median over the rounds of each side, the median of the per-round ratios
(each ratio from runs made one right after the other), and every run with its load; then the
thread scaling (2 threads over 1, per round) beside BenchmarkPeak's own.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_peer():
    """../shared/bench beside the clone, or beside a folder above it (a git worktree)."""
    d = ROOT
    while os.path.dirname(d) != d:
        d = os.path.dirname(d)
        p = os.path.join(d, "shared", "bench")
        if os.path.isfile(os.path.join(p, "torch_cfm.py")):
            return p
    sys.exit("no shared/bench/torch_cfm.py above " + ROOT)


PEER = os.environ.get("FMTINY_PEER") or find_peer()
sys.path.insert(0, PEER)
import sysnoise  # noqa: E402


def cpuinfo():
    """The CPU's model name and whether it has AVX-512 Foundation."""
    text = open("/proc/cpuinfo").read()
    model = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
    fam = re.search(r"^cpu family\s*:\s*(\d+)$", text, re.M)
    return (model.group(1).strip() if model else "?", fam.group(1) if fam else "?",
            bool(flags and "avx512f" in flags.group(1).split()))


MODEL, FAMILY, AVX512 = cpuinfo()
CORETYPE = "SkylakeX" if AVX512 else "Haswell"
PEER_ENV = dict(os.environ, OMP_WAIT_POLICY="passive", OPENBLAS_CORETYPE=CORETYPE)
PEER_ENV.pop("OPENBLAS_L2_SIZE", None)
FM_ENV = {k: v for k, v in os.environ.items() if k != "FMTINY_KERNELS"}
AVX2_ENV = dict(FM_ENV, FMTINY_KERNELS="avx2-fma")

TRAIN = [(64, 256, 3, 600), (128, 1024, 4, 200), (512, 4096, 4, 20)]  # hidden, batch, layers, peer steps
SAMPLE = [(64, 3, 1), (128, 4, 10000)]  # hidden, layers, points


def busy():
    """Jiffies all CPUs spent busy, and this process's children's CPU seconds."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    t = os.times()
    return sum(v[:8]) - v[3] - v[4], t.children_user + t.children_system


def loadavg():
    return float(open("/proc/loadavg").read().split()[0])


def run(cmd, env=None):
    """Runs cmd; returns its stdout, the fraction of the machine other processes used, and the
    1-minute load average when it ended."""
    sysnoise.wait_idle(max_wait_s=ARGS.idle_wait)
    b0, c0 = busy()
    w0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - w0
    b1, c1 = busy()
    other = ((b1 - b0) / os.sysconf("SC_CLK_TCK") - (c1 - c0)) / (wall * os.cpu_count())
    return out, (max(0.0, round(other, 2)), loadavg())


def bench(binary, pattern, benchtime, env=None):
    """Runs one benchmark; returns its metrics by unit, and the load."""
    out, load = run([binary, "-test.run", "^$", "-test.bench", pattern, "-test.benchtime", benchtime],
                    env=env or FM_ENV)
    line = [l for l in out.splitlines() if l.startswith("Benchmark")]
    if len(line) != 1:
        sys.exit("%s matched %d benchmarks:\n%s" % (pattern, len(line), out))
    f = line[0].split()[2:]
    return {unit: float(v) for v, unit in zip(f[::2], f[1::2])}, load


PEER_BLAS = set()


def torch_peer(args):
    out, load = run(["/usr/bin/python3", os.path.join(PEER, "torch_cfm.py")] + args + ["--time-only"], env=PEER_ENV)
    j = json.loads(out.strip().splitlines()[-1])
    for b in j["blas"]:
        if b.get("internal_api") == "openblas":
            PEER_BLAS.add("OpenBLAS %s %s" % (b.get("version"), b.get("architecture")))
            if b.get("architecture") != CORETYPE:
                sys.exit("the peer's OpenBLAS runs %s kernels, not %s: %s" % (b.get("architecture"), CORETYPE, b))
    return j, load


def ort_peer(onnx, n):
    out, load = run(["node", os.path.join(ARGS.ort, "ort_sample.js"), onnx, "--threads", "2", "--n", str(n),
                     "--steps", "20", "--repeats", "5"], env=PEER_ENV)
    j = json.loads(out.strip().splitlines()[-1])
    PEER_BLAS.add(j["peer"])
    return j, load


def rss_fmtiny(hidden, batch, layers, steps):
    out = os.path.join("/tmp", "sidebyside.safetensors")
    r = subprocess.run(["/usr/bin/time", "-v", FMTINY, "train", "--hidden", str(hidden), "--batch", str(batch),
                        "--layers", str(layers), "--steps", str(steps), "--threads", "2", "--restart", "-o", out],
                       capture_output=True, text=True, check=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) / 1024


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    global ARGS, FMTINY
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle-wait", type=float, default=10)
    ap.add_argument("--base", default="", help="a git revision whose avx2-fma figures to measure beside")
    ap.add_argument("--ort", default=os.path.expanduser("~/.cache/fmtiny-ort"),
                    help="the folder holding node_modules/onnxruntime-node")
    ap.add_argument("--no-avx2", action="store_true", help="skip the avx2-fma rows")
    ARGS = ap.parse_args()
    tmp = "/tmp/sidebyside"
    os.makedirs(tmp, exist_ok=True)
    BIN, ASM, FMTINY = tmp + "/fm.test", tmp + "/asm.test", tmp + "/fmtiny"
    subprocess.run(["go", "test", "-c", "-o", BIN, "./fm"], cwd=ROOT, check=True)
    subprocess.run(["go", "test", "-c", "-o", ASM, "./asm"], cwd=ROOT, check=True)
    subprocess.run(["go", "build", "-o", FMTINY, "./cmd/fmtiny"], cwd=ROOT, check=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    BASE = ""
    if ARGS.base:
        src = tmp + "/base-src"
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(src)
        subprocess.run("git archive %s | tar -x -C %s" % (ARGS.base, src), shell=True, cwd=ROOT, check=True)
        BASE = tmp + "/fm-base.test"
        subprocess.run(["go", "test", "-c", "-o", BASE, "./fm"], cwd=src, check=True)
    # The ONNX graphs of the sampled networks, and the timing script beside onnxruntime-node.
    shutil.copy(os.path.join(PEER, "ort_sample.js"), ARGS.ort)
    onnx = {}
    for h, l, _ in SAMPLE:
        onnx[(h, l)] = os.path.join(ARGS.ort, "sidebyside-h%d-l%d.onnx" % (h, l))
        subprocess.run(["/usr/bin/python3", os.path.join(PEER, "ort_export.py"), "--hidden", str(h), "--layers", str(l),
                        "-o", onnx[(h, l)]], check=True, capture_output=True, env=PEER_ENV)
    sets = subprocess.run([ASM, "-test.run", "^$", "-test.bench", "^BenchmarkPeak$/./^t=1$", "-test.benchtime", "1x"],
                          capture_output=True, text=True, check=True).stdout
    sets = [m.group(1) for m in re.finditer(r"BenchmarkPeak/([a-z0-9-]+)/t=1", sets)]
    best = sets[0]
    os.chdir(os.path.join(ROOT, "fm"))
    rows = {}  # (figure, who, threads) -> [(value, (other, load))] per round

    def add(key, value, load):
        rows.setdefault(key, []).append((value, load))

    # who: the column names of fmtiny's variants
    variants = [(best, BIN, FM_ENV)]
    if not ARGS.no_avx2 and best != "avx2-fma":
        variants.append(("avx2-fma", BIN, AVX2_ENV))
    if BASE:
        variants.append(("avx2-fma@" + ARGS.base, BASE, AVX2_ENV))
    start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    uptimes = [subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()]
    for rnd in range(ARGS.rounds):
        print("round %d" % (rnd + 1), file=sys.stderr)
        for h, b, l, ps in TRAIN:
            name = "Train/h%d/b%d/l%d" % (h, b, l)
            bt = "4x" if h == 512 else "2s"
            for who, binary, env in variants:
                for th in (1, 2):
                    m, o = bench(binary, "^BenchmarkTrain$/^h%d$/^b%d$/^l%d$/^threads=%d$" % (h, b, l, th), bt, env)
                    add((name, who + " steps/s", th), m["steps/s"], o)
                    add((name, who + " GFLOP/s", th), m["GFLOP/s"], o)
            j, o = torch_peer(["--hidden", str(h), "--batch", str(b), "--layers", str(l), "--steps", str(ps),
                               "--threads", "2", "--n-samples", "0"])
            add((name, "torch steps/s", 2), j["steps_per_sec"], o)
        for h, l, n in SAMPLE:
            name = "Sample/h%d/l%d/n%d" % (h, l, n)
            for who, binary, env in variants:
                for th in (1, 2):
                    m, o = bench(binary, "^BenchmarkSample$/^h%d$/^l%d$/^n%d$/^threads=%d$" % (h, l, n, th),
                                 "2s" if n > 1 else "20000x", env)
                    add((name, who + " ms", th), m["ms/run"], o)
            j, o = torch_peer(["--hidden", str(h), "--layers", str(l), "--batch", "256", "--steps", "2", "--threads", "2",
                               "--solver", "midpoint", "--nfe-steps", "20", "--n-samples", str(n),
                               "--sample-repeats", "5" if n > 1 else "50"])
            add((name, "torch ms", 2), j["sample_seconds"] * 1e3, o)
            j, o = ort_peer(onnx[(h, l)], n)
            add((name, "onnxruntime ms", 2), j["median_ms"], o)
        for s in sets:
            if s == "go":
                continue
            for th in (1, 2):
                m, o = bench(ASM, "^BenchmarkPeak$/^%s$/^t=%d$" % (s, th), "1s")
                add(("Peak", s + " GFLOP/s", th), m["GFLOP/s"], o)
                add(("Peak", s + " best-GFLOP/s", th), m["best-GFLOP/s"], o)
        add(("RSS/h512/b4096/l4", "fmtiny MB", 2), rss_fmtiny(512, 4096, 4, 5), (0, loadavg()))
        j, o = torch_peer(["--hidden", "512", "--batch", "4096", "--layers", "4", "--steps", "5", "--threads", "2",
                           "--n-samples", "0"])
        add(("RSS/h512/b4096/l4", "torch MB", 2), j["maxrss_mb"], o)
        uptimes.append(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())

    def ratio_rows(num, den, invert=False):
        """The per-round ratios of two rows, and their median."""
        a, b = rows.get(num, []), rows.get(den, [])
        rs = [(y / x if invert else x / y) for (x, _), (y, _) in zip(a, b) if x and y]
        return med(rs), rs

    kver = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    print("- CPU: %s (family %s), %d vCPUs; AVX-512 %s" % (MODEL, FAMILY, os.cpu_count(), "yes" if AVX512 else "no"))
    print("- runs: %s to %s; fmtiny at %s%s; %s" % (start, time.strftime("%H:%M UTC", time.gmtime()), head,
                                                     " (with uncommitted changes)" if dirty else "", kver))
    print("- fmtiny's kernel sets: %s (best first); rows named by set" % ", ".join(sets))
    print("- peers: %s; OPENBLAS_CORETYPE=%s, OMP_WAIT_POLICY=passive, 2 threads" % (", ".join(sorted(PEER_BLAS)), CORETYPE))
    print("- uptime before and after each round: " + " | ".join(uptimes))
    print()
    print("Targets (the median of the rounds' ratios, each ratio from one round's runs made one after the other):")
    print()
    print("| figure | fmtiny %s, 2 threads | peer | ratio (median) | per round |" % best)
    print("|---|---:|---:|---:|---|")
    for h, b, l, _ in TRAIN:
        name = "Train/h%d/b%d/l%d" % (h, b, l)
        f, p = (name, best + " steps/s", 2), (name, "torch steps/s", 2)
        r, rs = ratio_rows(f, p)
        print("| %s steps/s vs torch | %.4g | %.4g | %.2fx | %s |" % (name, med([v for v, _ in rows[f]]),
              med([v for v, _ in rows[p]]), r, ", ".join("%.2f" % x for x in rs)))
    for h, l, n in SAMPLE:
        name = "Sample/h%d/l%d/n%d" % (h, l, n)
        for peer in ("torch", "onnxruntime"):
            f, p = (name, best + " ms", 2), (name, peer + " ms", 2)
            r, rs = ratio_rows(f, p, invert=True)
            print("| %s ms vs %s | %.4g | %.4g | %.2fx | %s |" % (name, peer, med([v for v, _ in rows[f]]),
                  med([v for v, _ in rows[p]]), r, ", ".join("%.2f" % x for x in rs)))
    h, b, l, _ = TRAIN[-1]
    name = "Train/h%d/b%d/l%d" % (h, b, l)
    for peak in ("GFLOP/s", "best-GFLOP/s"):
        f, p = (name, best + " GFLOP/s", 2), ("Peak", best + " " + peak, 2)
        r, rs = ratio_rows(f, p)
        print("| %s GFLOP/s vs 2-thread Peak %s (%s) | %.4g | %.4g | %.0f%% | %s |" % (
              name, "mean" if peak == "GFLOP/s" else "fastest round", best, med([v for v, _ in rows[f]]),
              med([v for v, _ in rows[p]]), 100 * r, ", ".join("%.0f%%" % (100 * x) for x in rs)))
    print()
    print("Thread scaling, 2 threads over 1 (per round, then the median), beside BenchmarkPeak's:")
    print()
    print("| figure | who | 2t / 1t (median) | per round |")
    print("|---|---|---:|---|")
    for (name, who, th) in list(rows):
        if th != 2 or who.startswith(("torch", "onnxruntime")) or "GFLOP/s" in who and name != "Peak":
            continue
        if (name, who, 1) not in rows:
            continue
        r, rs = ratio_rows((name, who, 2), (name, who, 1), invert=who.endswith(" ms"))
        print("| %s | %s | %.2f | %s |" % (name, who, r, ", ".join("%.2f" % x for x in rs)))
    print()
    print("Every run (value @ other processes' share of the machine / 1-minute load average):")
    print()
    print("| figure | who | threads | median | runs |")
    print("|---|---|---:|---:|---|")
    for (name, who, th), vals in rows.items():
        runs = ", ".join("%.4g @ %.2f/%.1f" % (v, o[0], o[1]) for v, o in vals)
        print("| %s | %s | %d | %.4g | %s |" % (name, who, th, med([v for v, _ in vals]), runs))


if __name__ == "__main__":
    main()
