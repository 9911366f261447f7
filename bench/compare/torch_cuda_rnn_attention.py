#!/usr/bin/env python3
"""Times PyTorch on a CUDA GPU for the recurrent and attention cases of SeqCore's GPU benchmarks, one JSON object per line.

    python3 bench/compare/torch_cuda_rnn_attention.py lstm-cell --batch 32 --hidden 256
    python3 bench/compare/torch_cuda_rnn_attention.py gru-cell  --batch 32 --hidden 256
    python3 bench/compare/torch_cuda_rnn_attention.py lstm      --seq 64 --batch 32 --input 256 --hidden 256
    python3 bench/compare/torch_cuda_rnn_attention.py attention --seq 1024 --batch 8 --heads 8 --head-dim 64 [--no-causal]
    python3 bench/compare/torch_cuda_rnn_attention.py all        (every case above at its default shape)

Cases (the same shapes as the SeqCore side, kernels/README.md says how to run both):
  lstm-cell  the fused pointwise part of one LSTM step, forward then backward: torch._thnn_fused_lstm_cell and its
             backward (the kernel nn.LSTMCell runs on CUDA), given the two gate projections [B, 4H] and c [B, H].
  gru-cell   the same for the GRU: torch._thnn_fused_gru_cell.
  lstm       one training step of a one-layer cuDNN nn.LSTM: forward over T steps, then backward of sum(y·w)
             (all weight gradients), without the optimizer.
  attention  F.scaled_dot_product_attention on [B, heads, T, d] queries, keys and values (causal unless --no-causal),
             forward alone and forward + backward; PyTorch picks its backend (flash / memory-efficient / math), reported.

Timing: CUDA events around `--repeat` back-to-back calls after warm-up; median and minimum per call in ms. float32
throughout (TF32 off for matmul and cuDNN so both sides do FP32 arithmetic; --tf32 turns it on). Fields: suite, case,
median_ms (forward + backward), forward_ms (where it applies), min_ms, device, torch_version, cudnn_version.
"""
import argparse
import json
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("suite", choices=["lstm-cell", "gru-cell", "lstm", "attention", "all"])
    p.add_argument("--seq", type=int, default=0, help="T (default 64 for lstm, 1024 for attention)")
    p.add_argument("--batch", type=int, default=0, help="B (default 32 for recurrent cases, 8 for attention)")
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--no-causal", action="store_true")
    p.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls and cuDNN (off by default)")
    p.add_argument("--repeat", type=int, default=50)
    return p.parse_args()


def cuda_timed(torch, fn, repeat, warmup=5):
    """Per-call device times (ms) of fn, from CUDA events around each call; returns (median, min)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2], times[0]


def lstm_cell(torch, a, common):
    b, h = a.batch or 32, a.hidden
    ig = torch.randn(b, 4 * h, device="cuda")
    hg = torch.randn(b, 4 * h, device="cuda")
    cx = torch.randn(b, h, device="cuda")
    dhy, dcy = torch.randn(b, h, device="cuda"), torch.randn(b, h, device="cuda")

    def fwd():
        return torch._thnn_fused_lstm_cell(ig, hg, cx)

    def step():
        hy, cy, ws = torch._thnn_fused_lstm_cell(ig, hg, cx)
        torch._thnn_fused_lstm_cell_backward(dhy, dcy, cx, cy, ws, False)

    f_med, _ = cuda_timed(torch, fwd, a.repeat)
    med, best = cuda_timed(torch, step, a.repeat)
    print(json.dumps({"suite": "lstm-cell", "case": f"torch.lstm_cell.B{b}.H{h}", "median_ms": med, "min_ms": best,
                      "forward_ms": f_med, **common}))


def gru_cell(torch, a, common):
    b, h = a.batch or 32, a.hidden
    ig = torch.randn(b, 3 * h, device="cuda")
    hg = torch.randn(b, 3 * h, device="cuda")
    hx = torch.randn(b, h, device="cuda")
    dhy = torch.randn(b, h, device="cuda")

    def fwd():
        return torch._thnn_fused_gru_cell(ig, hg, hx)

    def step():
        hy, ws = torch._thnn_fused_gru_cell(ig, hg, hx)
        torch._thnn_fused_gru_cell_backward(dhy, ws, False)

    f_med, _ = cuda_timed(torch, fwd, a.repeat)
    med, best = cuda_timed(torch, step, a.repeat)
    print(json.dumps({"suite": "gru-cell", "case": f"torch.gru_cell.B{b}.H{h}", "median_ms": med, "min_ms": best,
                      "forward_ms": f_med, **common}))


def lstm(torch, a, common):
    t, b = a.seq or 64, a.batch or 32
    layer = torch.nn.LSTM(a.input, a.hidden).cuda()
    x = torch.randn(t, b, a.input, device="cuda", requires_grad=True)
    w = torch.randn(t, b, a.hidden, device="cuda")

    def fwd():
        with torch.no_grad():
            layer(x)

    def step():
        layer.zero_grad(set_to_none=False)
        x.grad = None
        y, _ = layer(x)
        (y * w).sum().backward()

    f_med, _ = cuda_timed(torch, fwd, a.repeat)
    med, best = cuda_timed(torch, step, a.repeat)
    flops = 2.0 * t * b * 4 * a.hidden * (a.input + a.hidden) * 3  # forward GEMMs ×3 for forward + backward
    print(json.dumps({"suite": "lstm", "case": f"torch.cudnn_lstm.T{t}.B{b}.I{a.input}.H{a.hidden}", "median_ms": med,
                      "min_ms": best, "forward_ms": f_med, "gflops": flops / (med * 1e-3) / 1e9, **common}))


def attention(torch, a, common):
    import torch.nn.functional as F
    t, b, hd, d = a.seq or 1024, a.batch or 8, a.heads, a.head_dim
    causal = not a.no_causal
    q, k, v = (torch.randn(b, hd, t, d, device="cuda", requires_grad=True) for _ in range(3))
    do = torch.randn(b, hd, t, d, device="cuda")

    def fwd():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)

    def step():
        q.grad = k.grad = v.grad = None
        o = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        o.backward(do)

    f_med, _ = cuda_timed(torch, fwd, a.repeat)
    med, best = cuda_timed(torch, step, a.repeat)
    pairs = b * hd * t * t * (0.5 if causal else 1.0)
    flops_fwd = 4.0 * pairs * d
    backend = "unknown"
    try:  # which SDPA kernel PyTorch would pick for these inputs
        from torch.backends.cuda import can_use_flash_attention, can_use_efficient_attention, SDPAParams
        params = SDPAParams(q, k, v, None, 0.0, causal)
        backend = "flash" if can_use_flash_attention(params, False) else "efficient" if can_use_efficient_attention(params, False) else "math"
    except Exception:  # older PyTorch: no introspection
        pass
    print(json.dumps({"suite": "attention", "case": f"torch.sdpa.T{t}.B{b}.h{hd}.d{d}.{'causal' if causal else 'full'}",
                      "median_ms": med, "min_ms": best, "forward_ms": f_med,
                      "forward_gflops": flops_fwd / (f_med * 1e-3) / 1e9, "step_gflops": 3.5 * flops_fwd / (med * 1e-3) / 1e9,
                      "sdpa_backend": backend, **common}))


def main():
    a = parse_args()
    import torch

    if not torch.cuda.is_available():
        print("torch_cuda_rnn_attention.py: no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.manual_seed(0)
    common = {"device": torch.cuda.get_device_name(0), "torch_version": torch.__version__,
              "cudnn_version": torch.backends.cudnn.version(), "tf32": a.tf32, "repeat": a.repeat}
    suites = {"lstm-cell": lstm_cell, "gru-cell": gru_cell, "lstm": lstm, "attention": attention}
    for name in (suites if a.suite == "all" else [a.suite]):
        suites[name](torch, a, common)
    return 0


if __name__ == "__main__":
    sys.exit(main())
