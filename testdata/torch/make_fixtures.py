#!/usr/bin/python3
"""Makes fmtiny's PyTorch interop fixtures, and checks that PyTorch runs a model fmtiny trained.

Run by hand with Debian's /usr/bin/python3 and python3-torch (never in CI, never a dependency of
fmtiny or its tests); it writes next to itself, wherever it is started from:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 testdata/torch/make_fixtures.py

From PyTorch to fmtiny (written here, deterministic from the seeds below):
  fb2d.safetensors          facebookresearch/flow_matching's 2D example MLP, held as `main`:
                            Linear(3,32), Swish, 3 x [Linear(32,32), Swish], Linear(32,2), input
                            cat(x, t); PyTorch's initial weights doubled. The state dict alone, no
                            __metadata__, as save_file(model.state_dict(), path) writes it.
  fb2d_pt.safetensors       the same with {"format": "pt"}, the metadata that safetensors'
                            save_model and Hugging Face's libraries write.
  fb2d_meta.safetensors     the same with fmtiny's metadata (silu, t last, condot).
  seed.safetensors          tarcisiobueno/flow-matching's MLP, held as `net`: Linear(3,32), ReLU,
                            3 x [Linear(32,32), ReLU], Linear(32,2), input cat(t, x); PyTorch's
                            initial weights doubled; no metadata.
  seed_meta.safetensors     the same with fmtiny's metadata (relu, t first, condot).
  checkerboard.safetensors  the 2D example's MLP at width 64, trained on the checkerboard with the
                            example's loop (CondOT, batch 1024, Adam 1e-3, 3000 steps); no metadata.
  <model>_ref.safetensors   for fb2d, seed and checkerboard: inputs x [64,2], t [64] and torch's
                            outputs y [64,2]; initial points x0 [1000,2] and torch's samples from
                            them, midpoint and euler [1000,2], 20 steps on [0, 1] with the loop of
                            /work/shared/bench/cfm_common.py's integrate (torchdiffeq's midpoint).
  x0.csv                    the same x0 as CSV, for `fmtiny sample --x0`.

From fmtiny to PyTorch (checked here): fmtiny_model.safetensors, trained by the fmtiny binary,
and fmtiny_outputs.safetensors, fmtiny's forward pass and samples on it. Remake them with

    go run ./cmd/fmtiny train --hidden 16 --layers 2 --batch 256 --steps 500 --seed 3 \
        --standardize true --checkpoint-every 0 \
        -o testdata/torch/fmtiny_model.safetensors
    go test ./fm -run TestFmtinyModelOutputs -fmtiny.golden

and the class-conditional one, fmtiny_cond_model.safetensors and fmtiny_cond_outputs.safetensors
(its forward pass on rows of every label and of "no label", and guided, unguided and
unconditional samples), with

    go run ./cmd/fmtiny train --data 8gaussians --conditional --hidden 16 --layers 2 --batch 256 \
        --steps 500 --seed 3 --standardize true --checkpoint-every 0 \
        -o testdata/torch/fmtiny_cond_model.safetensors
    go test ./fm -run TestFmtinyCondModelOutputs -fmtiny.golden

then run this script (with --check-only to skip remaking the torch fixtures): it loads both models
with the README's few lines (safetensors, an nn.Sequential and, for the conditional one, an
nn.Embedding) and asserts that torch gives fmtiny's outputs.

The safetensors package may be absent (Debian does not package it), so small stand-ins below write
and read the format as the reference does: an 8-byte little-endian header length, compact JSON
with __metadata__ first when there is any, tensors in name order, the header padded with spaces
to a multiple of 8, then the raw little-endian data.
"""
import copy
import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH = 32  # the two untrained models
# PyTorch's initial weights give a field of about 0.1 that barely moves the points; doubled, it
# moves them by about their own size and bends, and float32 stays within 2e-6 of float64 over 20
# steps (scaled 3x, the seed model's samples would grow to 700 and lose 3e-4 to rounding).
WEIGHT_SCALE = 2.0
TRAINED_WIDTH = 64
TRAIN_STEPS = 3000
TRAIN_BATCH = 1024
N_INPUTS = 64
N_X0 = 1000
STEPS = 20

try:
    from safetensors import safe_open
    from safetensors.torch import save_file
except ImportError:
    def save_file(tensors, path, metadata=None):
        header = {}
        if metadata is not None:
            header["__metadata__"] = dict(sorted(metadata.items()))
        blobs, off = [], 0
        for name in sorted(tensors):
            t = tensors[name].detach().contiguous()
            assert t.dtype == torch.float32, name
            raw = t.view(torch.int32).numpy().astype("<i4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
            blobs.append(raw)
            off += len(raw)
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * (-len(h) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for b in blobs:
                f.write(b)

    class safe_open:  # noqa: N801 -- the name and the few methods of safetensors.safe_open
        def __init__(self, path, framework="pt", device="cpu"):
            with open(path, "rb") as f:
                data = f.read()
            (n,) = struct.unpack("<Q", data[:8])
            self._header = json.loads(data[8:8 + n])
            self._data = data[8 + n:]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def metadata(self):
            return self._header.get("__metadata__")

        def keys(self):
            return sorted(k for k in self._header if k != "__metadata__")

        def get_tensor(self, name):
            info = self._header[name]
            assert info["dtype"] == "F32", info
            lo, hi = info["data_offsets"]
            raw = bytearray(self._data[lo:hi])
            return torch.frombuffer(raw, dtype=torch.float32).reshape(info["shape"]).clone()


def load_file(path):
    with safe_open(path, framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


# ---------------------------------------------------------------------------------------------
# The two reference networks, as their projects define them.
# ---------------------------------------------------------------------------------------------
class Swish(nn.Module):
    def forward(self, x):
        return torch.sigmoid(x) * x


class FB2DMLP(nn.Module):
    """facebookresearch/flow_matching, examples/2d_flow_matching.ipynb: input cat(x, t)."""

    def __init__(self, input_dim=2, time_dim=1, hidden_dim=128):
        super().__init__()
        self.input_dim, self.time_dim = input_dim, time_dim
        self.main = nn.Sequential(
            nn.Linear(input_dim + time_dim, hidden_dim), Swish(),
            nn.Linear(hidden_dim, hidden_dim), Swish(),
            nn.Linear(hidden_dim, hidden_dim), Swish(),
            nn.Linear(hidden_dim, hidden_dim), Swish(),
            nn.Linear(hidden_dim, input_dim),
        )

    def forward(self, x, t):
        sz = x.size()
        x = x.reshape(-1, self.input_dim)
        t = t.reshape(-1, self.time_dim).float()
        t = t.reshape(-1, 1).expand(x.shape[0], 1)
        return self.main(torch.cat([x, t], dim=1)).reshape(*sz)


class SeedMLP(nn.Module):
    """tarcisiobueno/flow-matching, models/models.py's MLP: input cat(t, x), t of shape [n, 1]."""

    def __init__(self, input_dim=2, output_dim=2, h=64, num_layers=5):
        super().__init__()
        layers = [nn.Linear(input_dim + 1, h), nn.ReLU()]
        for _ in range(num_layers - 2):
            layers += [nn.Linear(h, h), nn.ReLU()]
        layers.append(nn.Linear(h, output_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x_t, t):
        return self.net(torch.cat((t, x_t), -1))


def seed_field(model):
    """The seed model called as the sampling loop calls a field: t of shape [n]."""
    return lambda x, t: model(x, t[:, None])


# ---------------------------------------------------------------------------------------------
# The 2D example's data, path, training and sampling loops (as /work/shared/bench/cfm_common.py).
# ---------------------------------------------------------------------------------------------
def sample_checkerboard(n):
    x1 = torch.rand(n) * 4 - 2
    x2_ = torch.rand(n) - torch.randint(high=2, size=(n,)) * 2
    x2 = x2_ + (torch.floor(x1) % 2)
    return 1.0 * torch.cat([x1[:, None], x2[:, None]], dim=1) / 0.45


@torch.no_grad()
def integrate(field, x, steps, solver):
    """cfm_common.integrate: a fixed grid t_i = i/steps on [0, 1], t computed in double."""
    h = 1.0 / steps
    n = x.shape[0]

    def f(xx, tt):
        return field(xx, torch.full((n,), tt, dtype=x.dtype))

    for i in range(steps):
        t = i * h
        if solver == "euler":
            x = x + h * f(x, t)
        elif solver == "midpoint":
            k1 = f(x, t)
            x = x + h * f(x + (0.5 * h) * k1, t + 0.5 * h)
        else:
            raise ValueError(solver)
    return x


def train_checkerboard(model, steps, batch, lr=1e-3):
    optim = torch.optim.Adam(model.parameters(), lr=lr)
    last = []
    for i in range(steps):
        x1 = sample_checkerboard(batch)
        x0 = torch.randn_like(x1)
        t = torch.rand(x1.shape[0])
        tt = t[:, None]
        xt, ut = tt * x1 + (1 - tt) * x0, x1 - x0
        loss = torch.pow(model(xt, t) - ut, 2).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
        last.append(float(loss))
        if (i + 1) % 500 == 0:
            print("  step %d loss %.4f" % (i + 1, sum(last[-100:]) / len(last[-100:])), file=sys.stderr)
    return sum(last[-100:]) / len(last[-100:])


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------
def fmtiny_metadata(act, time, seed, source):
    """fmtiny's __metadata__ for an untrained network on the CondOT path with unstandardised data."""
    return {"format": "fmtiny/1", "activation": act, "time": time, "path": "condot",
            "path.sigma_min": "0", "path.t_end": "1", "data.mean": "0,0", "data.std": "1,1",
            "data": source, "train.steps": "0", "train.seed": str(seed), "source": "make_fixtures.py"}


def scale_weights(model):
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(WEIGHT_SCALE)
    return model


def state_dict(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def reference(name, field, model64_field, x, t, x0, meta):
    """Writes <name>_ref.safetensors: torch's outputs and samples, and prints how far float32 is
    from float64 on them (the noise floor any comparison with torch must sit above)."""
    with torch.no_grad():
        y = field(x, t)
        y64 = model64_field(x.double(), t.double())
    ref = {"x": x, "t": t, "y": y, "x0": x0}
    print("%s: forward, |float32 - float64| <= %.3g (|y| <= %.3g)" % (name, (y.double() - y64).abs().max(), y.abs().max()))
    for solver in ("midpoint", "euler"):
        s = integrate(field, x0, STEPS, solver)
        s64 = integrate(model64_field, x0.double(), STEPS, solver)
        ref[solver] = s
        print("%s: %s %d steps, |float32 - float64| <= %.3g (|x| <= %.3g)" % (
            name, solver, STEPS, (s.double() - s64).abs().max(), s.abs().max()))
    save_file(ref, os.path.join(HERE, name + "_ref.safetensors"), dict(meta, source="make_fixtures.py", torch=torch.__version__))


def copy_double(model):
    return copy.deepcopy(model).double()


def make_fixtures():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(7)
    x = torch.randn(N_INPUTS, 2, generator=g) * 1.5
    t = torch.rand(N_INPUTS, generator=g)
    x0 = torch.randn(N_X0, 2, generator=g)
    with open(os.path.join(HERE, "x0.csv"), "w") as f:
        f.write("x,y\n")
        for a, b in x0.tolist():  # repr of the double that holds each float32: exact
            f.write("%r,%r\n" % (a, b))

    torch.manual_seed(20240611)
    fb = scale_weights(FB2DMLP(hidden_dim=WIDTH))
    sd = state_dict(fb)
    save_file(sd, os.path.join(HERE, "fb2d.safetensors"))
    save_file(sd, os.path.join(HERE, "fb2d_pt.safetensors"), {"format": "pt"})
    save_file(sd, os.path.join(HERE, "fb2d_meta.safetensors"), fmtiny_metadata("silu", "last", 20240611, "flow_matching 2D example MLP"))
    reference("fb2d", fb, copy_double(fb), x, t, x0, {"model": "fb2d"})

    torch.manual_seed(20240612)
    seed = scale_weights(SeedMLP(h=WIDTH))
    sd = state_dict(seed)
    save_file(sd, os.path.join(HERE, "seed.safetensors"))
    save_file(sd, os.path.join(HERE, "seed_meta.safetensors"), fmtiny_metadata("relu", "first", 20240612, "tarcisiobueno/flow-matching MLP"))
    reference("seed", seed_field(seed), seed_field(copy_double(seed)), x, t, x0, {"model": "seed"})

    torch.manual_seed(20240613)
    cb = FB2DMLP(hidden_dim=TRAINED_WIDTH)
    print("training the checkerboard model: width %d, %d steps of batch %d" % (TRAINED_WIDTH, TRAIN_STEPS, TRAIN_BATCH), file=sys.stderr)
    loss = train_checkerboard(cb, TRAIN_STEPS, TRAIN_BATCH)
    save_file(state_dict(cb), os.path.join(HERE, "checkerboard.safetensors"))
    xc = x * 2  # the data span about [-4.4, 4.4]
    reference("checkerboard", cb, copy_double(cb), xc, t, x0,
              {"model": "checkerboard", "train.steps": str(TRAIN_STEPS), "train.batch": str(TRAIN_BATCH),
               "train.final_loss": "%.4f" % loss})


# ---------------------------------------------------------------------------------------------
# From fmtiny to PyTorch
# ---------------------------------------------------------------------------------------------
def load_fmtiny(path):
    """The README's lines, word for word: an fmtiny model file as a torch nn.Sequential (and a
    label embedding beside it for a class-conditional model), the statistics that map the data's
    units to the network's, and its velocity field, guided or not."""
    with safe_open(path, framework="pt") as f:
        meta, sd = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    act = {"silu": nn.SiLU, "relu": nn.ReLU, "gelu": lambda: nn.GELU(approximate="tanh"),
           "elu": nn.ELU, "tanh": nn.Tanh, "selu": nn.SELU}[meta["activation"]]
    n = sum(k.startswith("main.") and k.endswith(".weight") for k in sd)  # Linear layers main.0, main.2, ...
    layers = []
    for i in range(n):
        out_features, in_features = sd[f"main.{2 * i}.weight"].shape
        layers += [nn.Linear(in_features, out_features)] + ([act()] if i < n - 1 else [])
    model = nn.Module()
    model.main = nn.Sequential(*layers)
    classes = int(meta.get("label.classes", 0))  # a class-conditional model: labels 0..classes-1
    if classes:  # its row `classes` is "no label"
        model.label_emb = nn.Embedding(classes + 1, sd["label_emb.weight"].shape[1])
    model.load_state_dict(sd)
    mean, std = (torch.tensor([float(v) for v in meta[k].split(",")]) for k in ("data.mean", "data.std"))

    def velocity(x, t, y=None):  # x in the network's units, (x - mean) / std; t a number or one per row
        t = torch.as_tensor(t, dtype=x.dtype).reshape(-1, 1).expand(x.shape[0], 1)
        inp = torch.cat([x, t], 1) if meta["time"] == "last" else torch.cat([t, x], 1)
        if not classes:
            return model.main(inp)
        y = torch.as_tensor(classes if y is None else y).reshape(-1).expand(x.shape[0])  # y None: no label
        return model.main[1:](model.main[0](inp) + model.label_emb(y))

    def guided(x, t, y, w):  # classifier-free guidance, as fmtiny sample --label y --guidance w
        return (1 + w) * velocity(x, t, y) - w * velocity(x, t)
    # Sampling: integrate velocity (or guided) from x0 ~ N(0, I) at t = 0 to
    # t = float(meta["path.t_end"]), then x * std + mean is in the data's units.
    return velocity, guided, mean, std, meta


def check_fmtiny_model():
    model_path = os.path.join(HERE, "fmtiny_model.safetensors")
    out_path = os.path.join(HERE, "fmtiny_outputs.safetensors")
    if not (os.path.exists(model_path) and os.path.exists(out_path)):
        print("no %s or %s: make them as the docstring says" % (model_path, out_path), file=sys.stderr)
        return False
    field, _, mean, std, meta = load_fmtiny(model_path)
    t_end = float(meta["path.t_end"])
    want = load_file(out_path)
    ok = True
    with torch.no_grad():
        y = field(want["x"], want["t"])
    diff = (y - want["y"]).abs().max()
    err = diff / want["y"].abs().max()  # normwise, as fm/torch_test.go's closeness
    print("fmtiny -> torch: forward on %d inputs, largest |torch - fmtiny| = %.3g, relative %.3g" % (y.shape[0], diff, err))
    ok &= bool(err <= 1e-5)
    for solver in ("midpoint", "euler"):
        # fmtiny integrates the network's units on [0, t_end] from x0 ~ N(0, I), then maps back.
        assert t_end == 1.0, "this loop's grid is on [0, 1]"
        s = integrate(field, want["x0"], STEPS, solver) * std + mean
        diff = (s - want[solver]).abs().max()
        print("fmtiny -> torch: %s %d steps on %d points, largest |torch - fmtiny| = %.3g (|x| <= %.3g)" % (
            solver, STEPS, s.shape[0], diff, want[solver].abs().max()))
        ok &= bool(diff <= 1e-4)
    return ok


def check_fmtiny_cond_model():
    """The same for the class-conditional model: the forward pass on rows of every label and of
    none, and 20-step samples from x0 with the points split evenly among the classes: guided
    (midpoint), unguided (euler), and unconditional (midpoint)."""
    model_path = os.path.join(HERE, "fmtiny_cond_model.safetensors")
    out_path = os.path.join(HERE, "fmtiny_cond_outputs.safetensors")
    if not (os.path.exists(model_path) and os.path.exists(out_path)):
        print("no %s or %s: make them as the docstring says" % (model_path, out_path), file=sys.stderr)
        return False
    velocity, guided, mean, std, meta = load_fmtiny(model_path)
    assert float(meta["path.t_end"]) == 1.0, "this loop's grid is on [0, 1]"
    classes = int(meta["label.classes"])
    with safe_open(out_path, framework="pt") as f:
        w = float(f.metadata()["guidance"])
        want = {k: f.get_tensor(k) for k in f.keys()}
    ok = True
    with torch.no_grad():
        y = velocity(want["x"], want["t"], want["labels"].long())
    err = (y - want["y"]).abs().max() / want["y"].abs().max()
    print("fmtiny -> torch, conditional: forward on %d inputs of every label and none, relative %.3g" % (y.shape[0], err))
    ok &= bool(err <= 1e-5)
    n = want["x0"].shape[0]
    labels = torch.arange(n) * classes // n  # the points split evenly among the classes, in order
    for name, field, solver in (("guided", lambda x, t: guided(x, t, labels, w), "midpoint"),
                                ("conditional", lambda x, t: velocity(x, t, labels), "euler"),
                                ("unconditional", velocity, "midpoint")):
        s = integrate(field, want["x0"], STEPS, solver) * std + mean
        diff = (s - want[name]).abs().max()
        print("fmtiny -> torch, conditional: %s (%s, %d steps) on %d points, largest |torch - fmtiny| = %.3g (|x| <= %.3g)" % (
            name, solver, STEPS, n, diff, want[name].abs().max()))
        ok &= bool(diff <= 1e-4)
    return ok


if __name__ == "__main__":
    if "--check-only" not in sys.argv:
        make_fixtures()
    if not (check_fmtiny_model() & check_fmtiny_cond_model()):
        sys.exit("fmtiny -> torch: FAILED or not checked")
