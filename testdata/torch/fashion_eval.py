#!/usr/bin/python3
"""Sample quality of image models (issues 15 and 17): FID with a small Fashion-MNIST classifier.

Run by hand with Debian's /usr/bin/python3 and python3-torch (never in CI, never a dependency of
fmtiny or its tests); it needs no network:

    /usr/bin/python3 testdata/torch/fashion_eval.py images.csv samples.npy ...

(a) Trains a small CNN on the training split of MNIST-format IDX files in --data (pixels / 255,
--epochs epochs of Adam, seeded), caches its weights in --classifier and prints its accuracy on
the test split; a cached classifier is loaded instead of trained again.
(b) For each sample file prints one JSON line: fid, the Frechet distance between the Gaussians
fitted to the classifier's penultimate features (128 after ReLU) of the samples and of the
10000 test images; classes, the fraction of samples assigned to each label; and, when the file
has a label column, label_match, the fraction assigned to the label asked for.

Sample files: fmtiny sample's CSV (a header row, one image a row, pixels in [0, 1], an optional
column "label" before them) or a .npy array of n images of 28 x 28 (torch_unet.py --out-samples,
[n, 1, 28, 28] in [0, 1]). Pixels are clipped to [0, 1] before the features.
"""
import argparse, gzip, json, os, struct
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def read_idx(path):
    if not os.path.exists(path):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        b = f.read()
    nd = struct.unpack(">I", b[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * nd, b[4:4 + 4 * nd])
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def split(data, name):
    x = read_idx(os.path.join(data, name + "-images-idx3-ubyte")).astype(np.float32) / 255
    y = read_idx(os.path.join(data, name + "-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def features(self, x):  # the penultimate layer
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x):
        return self.fc2(self.features(x))


@torch.no_grad()
def run(model, x, batch=1000):
    """The features and predicted labels of images x [n, 1, 28, 28]."""
    feats = [model.features(x[i:i + batch]) for i in range(0, len(x), batch)]
    f = torch.cat(feats)
    return f.double().numpy(), model.fc2(f).argmax(1).numpy()


def train(model, x, y, epochs, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for e in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        print(f"classifier: epoch {e + 1}/{epochs}, last loss {loss.item():.4f}", flush=True)


def frechet(f1, f2):
    """||m1 - m2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), the trace of the root from the eigenvalues
    of the symmetric S1^(1/2) S2 S1^(1/2)."""
    m1, m2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    root = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * root)


def load_samples(path):
    """Images [n, 1, 28, 28] clipped to [0, 1], and the label column (or None)."""
    if path.endswith(".npy"):
        x, labels = np.load(path).astype(np.float32), None
    else:
        with open(path) as f:
            header = f.readline().strip().split(",")
        a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
        labels = a[:, header.index("label")].astype(np.int64) if "label" in header else None
        x = np.delete(a, header.index("label"), axis=1) if labels is not None else a
    x = np.clip(x.reshape(len(x), 1, 28, 28), 0, 1)
    return torch.from_numpy(np.ascontiguousarray(x)), labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("samples", nargs="*", help="fmtiny's CSV or torch_unet.py's .npy sample files")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="the IDX files' folder")
    ap.add_argument("--classifier", default="/tmp/fashion_classifier.pt", help="the classifier's weights (cache)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    model = Classifier()
    if os.path.exists(a.classifier):
        model.load_state_dict(torch.load(a.classifier))
    else:
        train(model, *split(a.data, "train"), a.epochs, a.seed)
        torch.save(model.state_dict(), a.classifier)
    model.eval()
    xt, yt = split(a.data, "t10k")
    ref, pred = run(model, xt)
    print(json.dumps({"classifier": a.classifier, "test_accuracy": float((pred == yt.numpy()).mean())}), flush=True)
    for path in a.samples:
        x, labels = load_samples(path)
        f, p = run(model, x)
        out = {"file": path, "n": len(x), "fid": round(frechet(f, ref), 3),
               "classes": [round(float((p == k).mean()), 4) for k in range(10)]}
        if labels is not None:
            out["label_match"] = round(float((p == labels).mean()), 4)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
