#!/usr/bin/python3
"""fmtiny's UNet against the seed's in PyTorch (../shared/bench/torch_unet.py), side by side.

Per round and base width: a training run of each (Fashion-MNIST or any MNIST-format folder,
batch 128, CondOT, 2 threads), then 64 images sampled by each (midpoint, 20 steps), the peer and
fmtiny alternating. Reports training images/s, sampling seconds and peak resident memory while
training (GNU time's %M), per round and as medians with fmtiny's ratio. A measuring instrument:
nothing in fmtiny needs it.

    go build -o /tmp/fmtiny ./cmd/fmtiny
    /usr/bin/python3 testdata/bench/unet_sidebyside.py --fmtiny /tmp/fmtiny --rounds 3
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sidebyside import PEER  # noqa: E402  ../shared/bench, found as sidebyside.py finds it


def timed(cmd, env=None):
    """Runs cmd under GNU time; returns stdout, stderr, wall seconds and peak RSS in MB."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss %M"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}")
    rss = int(re.findall(r"maxrss (\d+)", r.stderr)[-1]) / 1024
    return r.stdout, r.stderr, wall, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fmtiny", default="/tmp/fmtiny")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--channels", default="32,64")
    ap.add_argument("--steps", type=int, default=40, help="training steps timed at --channels 32 (half at 64)")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    ct = "SkylakeX" if " avx512f" in open("/proc/cpuinfo").read() else "Haswell"
    env = dict(os.environ, OPENBLAS_CORETYPE=ct, OMP_WAIT_POLICY="passive")
    env.pop("OPENBLAS_L2_SIZE", None)
    images = os.path.join(a.data, "train-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        images = images[:-3]
    peer = os.path.join(PEER, "torch_unet.py")
    cpu = re.search(r"model name\s*: (.*)", open("/proc/cpuinfo").read()).group(1)
    print(f"# {cpu}, {os.cpu_count()} CPUs, OPENBLAS_CORETYPE={ct}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.1f}")
    tmp = tempfile.mkdtemp()
    rows = {}
    for r in range(a.rounds):
        for c in [int(x) for x in a.channels.split(",")]:
            steps = a.steps if c <= 32 else a.steps // 2
            model = os.path.join(tmp, f"c{c}.safetensors")
            # The peer: its own timer excludes 2 warm-up steps and the data's loading.
            out, _, _, prss = timed(["/usr/bin/python3", peer, "--images", images, "--channels", str(c), "--batch", "128",
                                     "--steps", str(steps), "--threads", "2", "--n-samples", "64", "--nfe-steps", "20"], env)
            pj = json.loads(out.strip().splitlines()[-1])
            # fmtiny: its reported training time covers every step, the first (workspaces made) too.
            if os.path.exists(model):
                os.remove(model)
            _, err, _, frss = timed([a.fmtiny, "train", "--data", "mnist:" + a.data, "--channels", str(c), "--batch", "128",
                                     "--steps", str(steps), "--threads", "2", "-o", model])
            m = re.search(r"after (\d+) steps \(loss [^,]*, ([0-9.]+)(ms|s)\)", err)
            if m is None:
                sys.exit("fmtiny train said:\n" + err)
            secs = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
            fimg = steps * 128 / secs
            _, _, fsample, _ = timed([a.fmtiny, "sample", "-m", model, "-n", "64", "--solver", "midpoint", "--steps", "20",
                                      "--threads", "2", "-o", os.path.join(tmp, "s.csv")])
            row = dict(round=r + 1, channels=c, torch_img_s=round(pj["images_per_sec"], 1), fmtiny_img_s=round(fimg, 1),
                       torch_sample_s=round(pj["sample_seconds"], 3), fmtiny_sample_s=round(fsample, 3),
                       torch_rss_mb=round(prss), fmtiny_rss_mb=round(frss), load=round(os.getloadavg()[0], 1))
            print(json.dumps(row), flush=True)
            rows.setdefault(c, []).append(row)
    for c, rs in rows.items():
        med = lambda k: statistics.median(x[k] for x in rs)
        print(f"c={c}: train {med('fmtiny_img_s'):.0f} vs {med('torch_img_s'):.0f} images/s "
              f"({statistics.median(x['fmtiny_img_s'] / x['torch_img_s'] for x in rs):.2f}x); "
              f"sample 64 in {med('fmtiny_sample_s'):.2f} vs {med('torch_sample_s'):.2f} s "
              f"({statistics.median(x['torch_sample_s'] / x['fmtiny_sample_s'] for x in rs):.2f}x); "
              f"peak RSS training {med('fmtiny_rss_mb'):.0f} vs {med('torch_rss_mb'):.0f} MB "
              f"({statistics.median(x['fmtiny_rss_mb'] / x['torch_rss_mb'] for x in rs):.2f}x)")


if __name__ == "__main__":
    main()
