#!/usr/bin/env python3
"""Times PyTorch's fused LSTM and GRU cell kernels on a CUDA GPU, one JSON object per line: the PyTorch side of
`seqcore bench cuda-kernels --case lstm-cell,gru-cell` (the LSTM training step and attention are in torch_cuda_bench.py).

    python3 bench/compare/torch_cuda_cells.py lstm-cell --batch 32 --hidden 256
    python3 bench/compare/torch_cuda_cells.py all

  lstm-cell  the fused pointwise part of one LSTM step, forward then backward: torch._thnn_fused_lstm_cell and its
             backward (the kernels nn.LSTMCell runs on CUDA), from the two gate projections [B, 4H] and c [B, H].
  gru-cell   the same for the GRU: torch._thnn_fused_gru_cell and its backward.

Timing as in seqcore and torch_cuda_bench.py: CUDA events around `--inner` back-to-back calls after warm-up, divided by
`--inner`; median and minimum over `--repeat` samples, in ms. Fields: suite, case, median_ms (forward + backward),
forward_ms, min_ms, device, torch_version.
"""
import argparse
import json
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("suite", choices=["lstm-cell", "gru-cell", "all"])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--repeat", type=int, default=20, help="timed samples")
    p.add_argument("--inner", type=int, default=10, help="calls per timed sample")
    return p.parse_args()


def cuda_timed(torch, fn, repeat, inner, warmup=3):
    """Per-call device time (ms) of fn: CUDA events around `inner` calls, median and minimum over `repeat` samples."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / inner)
    times.sort()
    return times[len(times) // 2], times[0]


def lstm_cell(torch, a, common):
    b, h = a.batch, a.hidden
    ig = torch.randn(b, 4 * h, device="cuda")
    hg = torch.randn(b, 4 * h, device="cuda")
    cx = torch.randn(b, h, device="cuda")
    dhy, dcy = torch.randn(b, h, device="cuda"), torch.randn(b, h, device="cuda")

    def fwd():
        return torch._thnn_fused_lstm_cell(ig, hg, cx)

    def step():
        hy, cy, ws = torch._thnn_fused_lstm_cell(ig, hg, cx)
        torch._thnn_fused_lstm_cell_backward(dhy, dcy, cx, cy, ws, False)

    f_med, _ = cuda_timed(torch, fwd, a.repeat, a.inner)
    med, best = cuda_timed(torch, step, a.repeat, a.inner)
    print(json.dumps({"suite": "cuda-kernels", "case": f"torch.lstm-cell.B{b}.H{h}.float", "median_ms": med, "min_ms": best,
                      "forward_ms": f_med, **common}))


def gru_cell(torch, a, common):
    b, h = a.batch, a.hidden
    ig = torch.randn(b, 3 * h, device="cuda")
    hg = torch.randn(b, 3 * h, device="cuda")
    hx = torch.randn(b, h, device="cuda")
    dhy = torch.randn(b, h, device="cuda")

    def fwd():
        return torch._thnn_fused_gru_cell(ig, hg, hx)

    def step():
        hy, ws = torch._thnn_fused_gru_cell(ig, hg, hx)
        torch._thnn_fused_gru_cell_backward(dhy, ws, False)

    f_med, _ = cuda_timed(torch, fwd, a.repeat, a.inner)
    med, best = cuda_timed(torch, step, a.repeat, a.inner)
    print(json.dumps({"suite": "cuda-kernels", "case": f"torch.gru-cell.B{b}.H{h}.float", "median_ms": med, "min_ms": best,
                      "forward_ms": f_med, **common}))


def main():
    a = parse_args()
    import torch

    if not torch.cuda.is_available():
        print("torch_cuda_cells.py: no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    torch.manual_seed(0)
    common = {"device": torch.cuda.get_device_name(0), "torch_version": torch.__version__, "repeat": a.repeat, "inner": a.inner}
    suites = {"lstm-cell": lstm_cell, "gru-cell": gru_cell}
    for name in (suites if a.suite == "all" else [a.suite]):
        suites[name](torch, a, common)
    return 0


if __name__ == "__main__":
    sys.exit(main())
