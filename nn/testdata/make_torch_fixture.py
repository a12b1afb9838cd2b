#!/usr/bin/python3
"""Makes nn's PyTorch fixtures (run from this folder with Debian's /usr/bin/python3 and torch):

torch_mlp.safetensors: a state dict written by PyTorch, the flow_matching 2D example's MLP held as
  `main` (Linear(3,16), act, Linear(16,16), act, Linear(16,2)), with 7 inputs (fixture.x [7,2],
  fixture.t [7]) and torch's float32 outputs for every activation and both places of t
  (fixture.y.<act>.<tlast|tfirst> [7,2]). The selu outputs were added later (2026-12-06, on an
  AMD EPYC) to the file made before on an Ice Lake Xeon, whose other tensors were kept: torch's
  outputs differ in their last bits from one CPU's BLAS kernels to another's, and NEON's tanh
  case sits near its tolerance against the EPYC's.
torch_dtypes.safetensors: F16, BF16 and F64 tensors with awkward values (subnormals, infinities,
  NaN, rounding ties) and torch's own conversion of each to float32 (<name>.as_f32).

The safetensors package may be absent, so a small writer below produces the format as the
reference writer does: compact JSON, __metadata__ first, tensors in name order (the F32 file) and
offsets in that order, header padded with spaces to 8 bytes.
"""
import json
import struct

import torch
from torch import nn

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}
RAW = {torch.float32: torch.int32, torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float64: torch.int64}


def save(path, tensors, meta):
    header = {"__metadata__": dict(sorted(meta.items()))}
    blobs, off = [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.view(RAW[t.dtype]).numpy().astype("<i%d" % t.element_size()).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class MLP(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(3, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 2))


ACTS = {"silu": nn.SiLU, "relu": nn.ReLU, "gelu": lambda: nn.GELU(approximate="tanh"), "elu": nn.ELU, "tanh": nn.Tanh, "selu": nn.SELU}


def mlp_fixture():
    torch.manual_seed(20240601)
    base = MLP(nn.SiLU)
    with torch.no_grad():  # larger weights than the default init, so the activations' curvature shows
        for p in base.parameters():
            p.mul_(2.5)
    x = torch.randn(7, 2) * 1.5
    t = torch.rand(7)
    tensors = {k: v.detach().clone() for k, v in base.state_dict().items()}
    tensors["fixture.x"], tensors["fixture.t"] = x, t
    for name, act in ACTS.items():
        m = MLP(act)
        m.load_state_dict(base.state_dict())
        with torch.no_grad():
            tensors["fixture.y.%s.tlast" % name] = m.main(torch.cat([x, t[:, None]], dim=1))
            tensors["fixture.y.%s.tfirst" % name] = m.main(torch.cat([t[:, None], x], dim=1))
    save("torch_mlp.safetensors", tensors, {"source": "make_torch_fixture.py", "torch": torch.__version__})


def dtype_fixture():
    inf, nan = float("inf"), float("nan")
    f16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08,
                        -3.0517578125e-05, 1e-3, inf, -inf, nan, 0.1, 3.14159], dtype=torch.float16)
    bf16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.3895313892515355e38, 1e-40, -9.2e-41, inf, -inf, nan, 0.1, 3.14159],
                        dtype=torch.bfloat16)
    f64 = torch.tensor([0.0, -0.0, 1.0, 0.1, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 1 + 2 ** -24 + 2 ** -60, 3.4e38, 3.5e38,
                        -1e39, 1e-45, 7e-46, 1e-300, inf, -inf, nan, 3.141592653589793], dtype=torch.float64)
    tensors = {"f16": f16.reshape(2, 7), "bf16": bf16.reshape(3, 4), "f64": f64}
    for k in list(tensors):
        tensors[k + ".as_f32"] = tensors[k].float()
    save("torch_dtypes.safetensors", tensors, {"source": "make_torch_fixture.py"})


if __name__ == "__main__":
    mlp_fixture()
    dtype_fixture()
