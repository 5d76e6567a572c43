#!/usr/bin/env python3
"""The PyTorch peer of facemetric's CUDA backend: the same network, with the same weights, on the
same GPU, in eager PyTorch (cuDNN convolutions).

It builds the network from the very program facemetric's library runs (program.i32 and
weights.f32, written by dist/bench/cuda/run.js from dlib_face_recognition_resnet_model_v1.dat;
the format is native/cuda/facemetric_cuda.h's): one fixed-size record per op -- the input
normalisation, convolutions with their fused bias / affine_ / add_prev_ / relu_ epilogue,
pooling, add_prev_ with dlib's zero padding for operands of different shapes, fc_ -- so the two
run exactly the same arithmetic. Tensors are kept by their arena offset, as the library does.

  python3 torch_peer.py PROGRAM.i32 WEIGHTS.f32 CARRY_DIR OUT_DIR      the GPU run (torch, CUDA)
  python3 torch_peer.py --numpy PROGRAM.i32 WEIGHTS.f32 CARRY_DIR [N]  the same program in numpy on
      the first N chips (default 2), against ref.f32: a check of this file's reading of the program
      where there is no torch or GPU

The GPU run prints and writes OUT_DIR/torch.json: the parity of its descriptors with the
WebAssembly path's (ref.f32) in fp32 and with TF32 allowed, and its throughput at batches of 1,
16, 256 and 1024 (chips in host memory to descriptors in host memory, as facemetric's numbers;
and on the device only).
"""
import json
import os
import sys
import time

import numpy as np

MAGIC = 0x31434D46
HEADER_INTS = 8
OP_INTS = 24
KIND = {0: "input", 1: "conv", 2: "affine", 3: "relu", 4: "pool", 5: "add", 6: "fc"}
EPI_BIAS, EPI_AFFINE, EPI_RESIDUAL, EPI_RELU, F_FC, F_MAX, F_RELU = 1, 2, 4, 8, 16, 32, 8


def read_program(program_path, weights_path):
    p = np.fromfile(program_path, dtype="<i4")
    w = np.fromfile(weights_path, dtype="<f4")
    if p[0] != MAGIC:
        raise SystemExit(f"{program_path}: not a facemetric_cuda program")
    n = int(p[1])
    ops = p[HEADER_INTS:].reshape(n, OP_INTS)
    header = {"arena": int(p[2]), "out": int(p[3]), "outsize": int(p[4]), "rows": int(p[5]), "cols": int(p[6])}
    return header, ops, w


def dims(o, at):
    return int(o[at]), int(o[at + 1]), int(o[at + 2])


def weights_at(w, off, n):
    return w[off:off + n]


def run_program(header, ops, w, chips_u8, xp):
    """The program on chips_u8 (n, rows, cols, 3) with the array backend xp; returns (n, outsize)."""
    env = {}
    for o in ops:
        kind = KIND[int(o[0])]
        out, src, res, flags = int(o[1]), int(o[2]), int(o[3]), int(o[4])
        oc, oh, ow = dims(o, 5)
        ic, ih, iw = dims(o, 8)
        kh, kw, sy, sx, py, px = (int(v) for v in o[11:17])
        wo, bo, go, beo = (int(v) for v in o[17:21])
        if kind == "input":
            y = xp.input(chips_u8, weights_at(w, wo, 3))
        elif kind == "conv":
            x = env[src]
            filt = weights_at(w, wo, oc * ic * kh * kw).reshape(oc, ic, kh, kw)
            y = xp.conv(x, filt, (sy, sx), (py, px))
            if flags & EPI_BIAS:
                y = y + xp.channel(weights_at(w, bo, oc))
            if flags & EPI_AFFINE:
                y = y * xp.channel(weights_at(w, go, oc)) + xp.channel(weights_at(w, beo, oc))
            if flags & EPI_RESIDUAL:
                y = y + env[res]
            if flags & EPI_RELU:
                y = xp.relu(y)
        elif kind == "affine":
            x = env[src]
            if flags & F_FC:
                g = xp.const(weights_at(w, go, ic * ih * iw).reshape(1, ic, ih, iw))
                b = xp.const(weights_at(w, beo, ic * ih * iw).reshape(1, ic, ih, iw))
            else:
                g = xp.channel(weights_at(w, go, ic))
                b = xp.channel(weights_at(w, beo, ic))
            y = x * g + b
        elif kind == "relu":
            y = xp.relu(env[src])
        elif kind == "pool":
            y = xp.pool(env[src], (kh, kw), (sy, sx), (py, px), bool(flags & F_MAX))
        elif kind == "add":
            rc, rh, rw = dims(o, 21)
            y = xp.pad(env[src], (oc, oh, ow)) + xp.pad(env[res], (oc, oh, ow))
            if flags & F_RELU:
                y = xp.relu(y)
        elif kind == "fc":
            x = env[src]
            n_in = ic * ih * iw
            y = xp.matmul(x.reshape(x.shape[0], n_in), weights_at(w, wo, n_in * oc).reshape(n_in, oc))
            if bo >= 0:
                y = y + xp.const(weights_at(w, bo, oc).reshape(1, oc))
            y = y.reshape(x.shape[0], oc, 1, 1)
        else:
            raise SystemExit(f"unknown op {kind}")
        env[out] = y
    result = env[header["out"]]
    return result.reshape(result.shape[0], header["outsize"])


class NumpyOps:
    """The ops in numpy, float32 (slow: a check of the program's reading, not a peer)."""

    def input(self, chips, means):
        x = chips.astype(np.float32).transpose(0, 3, 1, 2)
        return (x - means.reshape(1, 3, 1, 1)) / np.float32(256)

    def channel(self, v):
        return v.reshape(1, -1, 1, 1)

    def const(self, v):
        return v

    def relu(self, x):
        return np.where(x < 0, np.float32(0), x)

    def conv(self, x, filt, stride, padding):
        n, c, h, w = x.shape
        oc, _, kh, kw = filt.shape
        (sy, sx), (py, px) = stride, padding
        xp = np.pad(x, ((0, 0), (0, 0), (py, py), (px, px)))
        oh = (h + 2 * py - kh) // sy + 1
        ow = (w + 2 * px - kw) // sx + 1
        y = np.zeros((n, oc, oh, ow), np.float32)
        for ky in range(kh):
            for kx in range(kw):
                patch = xp[:, :, ky:ky + sy * (oh - 1) + 1:sy, kx:kx + sx * (ow - 1) + 1:sx]
                y += np.einsum("nchw,oc->nohw", patch, filt[:, :, ky, kx], optimize=True)
        return y

    def pool(self, x, window, stride, padding, is_max):
        n, c, h, w = x.shape
        (kh, kw), (sy, sx), (py, px) = window, stride, padding
        oh = (h + 2 * py - kh) // sy + 1
        ow = (w + 2 * px - kw) // sx + 1
        y = np.zeros((n, c, oh, ow), np.float32)
        for r in range(oh):
            y0, y1 = max(0, r * sy - py), min(h, r * sy - py + kh)
            for q in range(ow):
                x0, x1 = max(0, q * sx - px), min(w, q * sx - px + kw)
                cell = x[:, :, y0:y1, x0:x1]
                y[:, :, r, q] = cell.max(axis=(2, 3)) if is_max else cell.mean(axis=(2, 3))
        return y

    def pad(self, x, shape):
        c, h, w = shape
        return np.pad(x, ((0, 0), (0, c - x.shape[1]), (0, h - x.shape[2]), (0, w - x.shape[3])))

    def matmul(self, a, b):
        return a @ b


class TorchOps:
    """The ops in PyTorch on one device; weights moved there once (cached by identity)."""

    def __init__(self, torch, device):
        self.torch = torch
        self.F = torch.nn.functional
        self.device = device
        self.cache = {}

    def t(self, a):
        key = (a.__array_interface__["data"][0], a.shape)
        v = self.cache.get(key)
        if v is None:
            v = self.torch.from_numpy(np.ascontiguousarray(a)).to(self.device)
            self.cache[key] = v
        return v

    def input(self, chips, means):
        x = chips.permute(0, 3, 1, 2).float()
        return (x - self.t(means).reshape(1, 3, 1, 1)) / 256.0

    def channel(self, v):
        return self.t(v).reshape(1, -1, 1, 1)

    def const(self, v):
        return self.t(v)

    def relu(self, x):
        return self.F.relu(x)

    def conv(self, x, filt, stride, padding):
        return self.F.conv2d(x, self.t(filt), None, stride, padding)

    def pool(self, x, window, stride, padding, is_max):
        if is_max:
            return self.F.max_pool2d(x, window, stride, padding)
        return self.F.avg_pool2d(x, window, stride, padding, count_include_pad=False)

    def pad(self, x, shape):
        c, h, w = shape
        if (x.shape[1], x.shape[2], x.shape[3]) == (c, h, w):
            return x
        return self.F.pad(x, (0, w - x.shape[3], 0, h - x.shape[2], 0, c - x.shape[1]))

    def matmul(self, a, b):
        return a @ self.t(b)


def load_carry(carry):
    meta = json.load(open(os.path.join(carry, "meta.json")))
    chips = np.fromfile(os.path.join(carry, "chips.u8"), dtype=np.uint8).reshape(meta["count"], meta["rows"], meta["cols"], 3)
    ref = np.fromfile(os.path.join(carry, "ref.f32"), dtype="<f4").reshape(meta["count"], meta["outputs"])
    return meta, chips, ref


def numpy_check(program, weights, carry, n):
    header, ops, w = read_program(program, weights)
    _, chips, ref = load_carry(carry)
    got = run_program(header, ops, w, chips[:n], NumpyOps())
    diff = float(np.abs(got - ref[:n]).max())
    print(f"numpy run of the program, {n} chips: max |difference| from the wasm descriptors {diff:.3e}")
    return diff


def gpu_run(program, weights, carry, out_dir):
    import torch

    header, ops, w = read_program(program, weights)
    meta, chips, ref = load_carry(carry)
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    xp = TorchOps(torch, dev)
    result = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
              "device": torch.cuda.get_device_name(0)}
    print(f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}) on {result['device']}")

    def forward(x_dev):
        return run_program(header, ops, w, x_dev, xp)

    with torch.inference_mode():
        for mode, tf32 in (("fp32", False), ("tf32", True)):
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cuda.matmul.allow_tf32 = tf32
            got = forward(torch.from_numpy(chips).to(dev)).cpu().numpy()
            diff = float(np.abs(got - ref).max())
            print(f"{mode}: max |difference| from the wasm descriptors over {meta['count']} faces: {diff:.3e}")
            result[f"parity_{mode}"] = diff
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        timings = []
        seconds = float(os.environ.get("FMC_BENCH_SECONDS", "2"))
        for batch in [int(b) for b in os.environ.get("FMC_BENCH_BATCHES", "1,16,256,1024").split(",")]:
            idx = np.arange(batch) % meta["count"]
            host = torch.from_numpy(chips[idx]).pin_memory()
            on_dev = host.to(dev)
            row = {"batch": batch}
            for what, step in (("hostToHost", lambda: forward(host.to(dev, non_blocking=True)).cpu()),
                               ("deviceOnly", lambda: forward(on_dev))):
                for _ in range(3):
                    step()
                torch.cuda.synchronize()
                times = []
                start = time.perf_counter()
                while len(times) < 5 or (time.perf_counter() - start < seconds and len(times) < 200):
                    t0 = time.perf_counter()
                    step()
                    torch.cuda.synchronize()
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                ms = times[len(times) // 2]
                row[what] = {"msPerBatch": ms, "descriptorsPerSecond": batch * 1000 / ms, "runs": len(times)}
            print(f"batch {batch:4d}: {row['hostToHost']['msPerBatch']:.3f} ms host to host, "
                  f"{row['hostToHost']['descriptorsPerSecond']:.0f} descriptors/s "
                  f"({row['deviceOnly']['descriptorsPerSecond']:.0f}/s on the device only)")
            timings.append(row)
        result["timings"] = timings
    with open(os.path.join(out_dir, "torch.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--numpy":
        d = numpy_check(args[1], args[2], args[3], int(args[4]) if len(args) > 4 else 2)
        sys.exit(0 if d <= 1e-4 else 1)
    if len(args) != 4:
        raise SystemExit(__doc__)
    gpu_run(*args)
