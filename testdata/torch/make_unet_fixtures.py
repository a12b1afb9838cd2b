#!/usr/bin/python3
"""Makes nn's PyTorch fixtures for the seed's UNet (nn/unet_torch_test.go reads them).

Run by hand with Debian's /usr/bin/python3 and python3-torch (never in CI, never a dependency of
fmtiny or its tests); it writes next to itself, wherever it is started from:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 testdata/torch/make_unet_fixtures.py

The network is /work/shared/bench/torch_unet.py's UNet (the seed's models/models.py), copied
below. Each file holds one UNet's state dict under the seed's names (enc1.0.weight ...
dec1.4.bias) and, for a few images:

  fixture.x [n, C, H, W]   the input images, fixture.t [n] their times
  fixture.y [n, C, H, W]   PyTorch's outputs
  fixture.loss []          L = mean((y - x)^2), the images themselves as the target
  grad.<name>              dL/d<name> for every tensor of the state dict
  fixture.dx [n, C, H, W]  dL/dx

The files (base channels 4, so that each stays under 100 KB):

  unet_random_28x28.safetensors   C = 1, 28 x 28, PyTorch's initial weights times 1.5 (so that
                                  the activations reach well into ELU's curve), 3 images of
                                  Gaussian noise, t uniform
  unet_random_12x16.safetensors   C = 2, 12 x 16 (not square), the same kind of weights, 2 images
  unet_trained_28x28.safetensors  C = 1, 28 x 28, trained for 300 steps on Fashion-MNIST
                                  (/usr/share/datasets/fashion-mnist, Debian's
                                  dataset-fashion-mnist) with torch_unet.py's loop: CondOT,
                                  batch 64, Adam 1e-3, pixels/255 normalised with (0.1307,
                                  0.3081); its images are points of the path x_t = t*x1 + (1-t)*x0
                                  between noise and three test images; and sample.x0, four
                                  images of noise, and sample.x1, PyTorch's samples from them
                                  (torch_unet.py's midpoint loop, 20 steps on [0, 1]), both in
                                  the network's units

__metadata__ holds the configuration (channels, height, width, base) and what the file is.
Debian has no safetensors module, so save() writes the format by hand: an 8-byte little-endian
header length, compact JSON with __metadata__ first, tensors in name order, the header padded
with spaces to a multiple of 8, then the raw little-endian float32 data.
"""
import gzip
import json
import os
import struct

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"
BASE = 4


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ELU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ELU())


class UNet(nn.Module):
    def __init__(self, cin=1, c=64):
        super().__init__()
        self.enc1 = block(cin + 1, c)
        self.enc2 = block(c, 2 * c)
        self.bottleneck = block(2 * c, 4 * c)
        self.dec2 = block(6 * c, 2 * c)
        self.dec1 = nn.Sequential(nn.Conv2d(3 * c, c, 3, padding=1), nn.ELU(), nn.Conv2d(c, c, 3, padding=1), nn.ELU(), nn.Conv2d(c, cin, 3, padding=1))

    def forward(self, x, t):
        b, _, h, w = x.shape
        e1 = self.enc1(torch.cat([x, t.reshape(-1, 1, 1, 1).expand(b, 1, h, w)], 1))
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.bottleneck(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([F.interpolate(m, scale_factor=2, mode="bilinear", align_corners=False), e2], 1))
        return self.dec1(torch.cat([F.interpolate(d2, scale_factor=2, mode="bilinear", align_corners=False), e1], 1))


def save(path, tensors, meta):
    header = {"__metadata__": dict(sorted(meta.items()))}
    blobs, off = [], 0
    for name in sorted(tensors):
        b = tensors[name].detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    print(path, os.path.getsize(path), "bytes")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    nd = struct.unpack(">I", b[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * nd, b[4:4 + 4 * nd])
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def fashion(split):
    imgs = read_idx(os.path.join(FASHION, split + "-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    return torch.from_numpy((imgs - 0.1307) / 0.3081).unsqueeze(1)


def write(name, model, x, t, meta, extra=None):
    c, h, w = x.shape[1:]
    x = x.clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    y = model(x, t)
    loss = ((y - x.detach()) ** 2).mean()
    loss.backward()
    tensors = {k: v for k, v in model.state_dict().items()}
    for k, p in model.named_parameters():
        tensors["grad." + k] = p.grad
    tensors.update({"fixture.x": x.detach(), "fixture.t": t, "fixture.y": y.detach(),
                    "fixture.loss": loss.detach().reshape(()), "fixture.dx": x.grad})
    tensors.update(extra or {})
    meta = dict(meta, channels=str(c), height=str(h), width=str(w), base=str(BASE))
    save(os.path.join(HERE, name), tensors, meta)


def random_fixture(name, cin, h, w, n, seed):
    torch.manual_seed(seed)
    model = UNet(cin, BASE)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)
    x = torch.randn(n, cin, h, w)
    t = torch.rand(n)
    write(name, model, x, t, {"weights": "PyTorch's initial weights times 1.5", "inputs": "Gaussian noise, t uniform"})


def trained_fixture(name, steps=300, batch=64):
    torch.manual_seed(7)
    data = fashion("train")
    model = UNet(1, BASE)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(8)
    for step in range(steps):
        idx = torch.randint(0, data.shape[0], (batch,), generator=g)
        x1 = data[idx]
        x0 = torch.randn(x1.shape, generator=g)
        t = torch.rand(batch, generator=g)
        tt = t.view(-1, 1, 1, 1)
        loss = ((model(tt * x1 + (1 - tt) * x0, t) - (x1 - x0)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print("step", step, "loss", loss.item())
    test = fashion("t10k")[:3]
    x0 = torch.randn(test.shape, generator=g)
    t = torch.tensor([0.1, 0.5, 0.9])
    tt = t.view(-1, 1, 1, 1)
    # Samples from shared noise: torch_unet.py's midpoint loop, 20 steps on [0, 1].
    noise = torch.randn(4, 1, 28, 28, generator=g)
    with torch.no_grad():
        xs, h = noise.clone(), 1.0 / 20
        for k in range(20):
            tk = torch.full((4,), k * h)
            v = model(xs, tk)
            xs = xs + h * model(xs + 0.5 * h * v, tk + 0.5 * h)
    write(name, model, tt * test + (1 - tt) * x0, t,
          {"weights": "trained %d steps on Fashion-MNIST (CondOT, batch %d, Adam 1e-3)" % (steps, batch),
           "inputs": "x_t = t*x1 + (1-t)*x0 for three test images x1 and Gaussian x0, t = 0.1, 0.5, 0.9",
           "samples": "sample.x0: noise; sample.x1: midpoint, 20 steps from 0 to 1, in the network's units"},
          {"sample.x0": noise, "sample.x1": xs})


if __name__ == "__main__":
    torch.set_num_threads(2)
    random_fixture("unet_random_28x28.safetensors", 1, 28, 28, 3, seed=1)
    random_fixture("unet_random_12x16.safetensors", 2, 12, 16, 2, seed=2)
    trained_fixture("unet_trained_28x28.safetensors")
