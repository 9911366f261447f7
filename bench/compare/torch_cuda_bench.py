#!/usr/bin/env python3
"""Times PyTorch on an NVIDIA GPU on the cases SeqCore's CUDA backend benchmarks, printing one JSON object per line.

    python3 bench/compare/torch_cuda_bench.py gemm --shapes 1024x1024x1024,4096x4096x4096 --tf32 off,on
    python3 bench/compare/torch_cuda_bench.py lstm --seq 64 --batch 32 --input 256 --hidden 256
    python3 bench/compare/torch_cuda_bench.py attention --seq 1024 --batch 8 --heads 8 --head-dim 64 --causal

Every time is measured with CUDA events around `--inner` back-to-back calls (after warm-up), and the median over
`--repeat` samples is reported, the way `seqcore bench ... --backend cuda` measures. Cases:

- gemm: torch.mm (cuBLAS), float32 or float64; `--tf32 on` sets torch.backends.cuda.matmul.allow_tf32.
- lstm: one training step of nn.LSTM (cuDNN): forward of the whole sequence plus backward into every weight and x.
- attention: F.scaled_dot_product_attention forward + backward over (B, heads, T, d). PyTorch older than 2.0 (e.g.
  Debian's 1.13) has no SDPA; the script then times the explicit softmax(Q·Kᵀ·scale + mask)·V and says so in the
  `impl` field ("explicit", with T×T memory) instead of "sdpa" (flash or memory-efficient kernels where available).

Fields: suite, case, impl, median_ms, min_ms, device, torch_version, cuda_version, cudnn_version.
"""
import argparse
import json
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("suite", choices=["gemm", "lstm", "attention"])
    p.add_argument("--shapes", default="1024x1024x1024", help="gemm: MxNxK[,MxNxK...]")
    p.add_argument("--type", default="float", choices=["float", "double"])
    p.add_argument("--tf32", default="off", help="gemm: off, on or off,on")
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--causal", action="store_true")
    p.add_argument("--repeat", type=int, default=20, help="timed samples")
    p.add_argument("--inner", type=int, default=10, help="calls per timed sample")
    p.add_argument("--device", type=int, default=0)
    return p.parse_args()


def timed(torch, fn, repeat, inner):
    """Median and min milliseconds per call, CUDA events around `inner` calls."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeat):
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / inner)
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    return median, times[0]


def main():
    a = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch_cuda_bench.py: PyTorch is not installed (pip install torch, a CUDA build).")
    if not torch.cuda.is_available():
        sys.exit("torch_cuda_bench.py: torch.cuda.is_available() is False (a CPU-only PyTorch, or no NVIDIA driver/GPU).")
    dev = torch.device("cuda", a.device)
    dtype = torch.float32 if a.type == "float" else torch.float64
    meta = {
        "device": torch.cuda.get_device_name(dev),
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version(),
    }
    torch.manual_seed(1)

    def emit(case, impl, median, best, **extra):
        print(json.dumps({"suite": a.suite, "case": case, "impl": impl, "median_ms": median, "min_ms": best, **extra, **meta}), flush=True)

    if a.suite == "gemm":
        for tf in a.tf32.split(","):
            torch.backends.cuda.matmul.allow_tf32 = tf == "on"
            for shape in a.shapes.split(","):
                m, n, k = (int(v) for v in shape.lower().split("x"))
                x = torch.rand(m, k, device=dev, dtype=dtype) * 2 - 1
                y = torch.rand(k, n, device=dev, dtype=dtype) * 2 - 1
                out = torch.empty(m, n, device=dev, dtype=dtype)
                med, best = timed(torch, lambda: torch.mm(x, y, out=out), a.repeat, a.inner)
                emit(f"{'s' if a.type == 'float' else 'd'}gemm.{m}x{n}x{k}.cuda{'.tf32' if tf == 'on' else ''}", "cublas", med, best,
                     gflops=2.0 * m * n * k / (med * 1e6))
    elif a.suite == "lstm":
        torch.backends.cudnn.benchmark = True
        lstm = torch.nn.LSTM(a.input, a.hidden, num_layers=a.layers).to(dev, dtype)
        x = torch.randn(a.seq, a.batch, a.input, device=dev, dtype=dtype, requires_grad=True)
        dy = torch.randn(a.seq, a.batch, a.hidden, device=dev, dtype=dtype)

        def step():
            y, _ = lstm(x)
            y.backward(dy)

        med, best = timed(torch, step, a.repeat, a.inner)
        emit(f"lstm.T{a.seq}.B{a.batch}.I{a.input}.H{a.hidden}{f'.L{a.layers}' if a.layers > 1 else ''}.{a.type}.cuda", "cudnn", med, best)
    else:
        b, h, t, d = a.batch, a.heads, a.seq, a.head_dim
        q, k, v = (torch.randn(b, h, t, d, device=dev, dtype=dtype, requires_grad=True) for _ in range(3))
        do = torch.randn(b, h, t, d, device=dev, dtype=dtype)
        sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
        if sdpa is not None:
            impl = "sdpa"

            def step():
                sdpa(q, k, v, is_causal=a.causal).backward(do)
        else:
            impl = "explicit"  # PyTorch < 2.0: no SDPA; softmax(QKᵀ/√d + mask)·V with a T×T buffer
            print(f"torch_cuda_bench.py: torch {torch.__version__} has no scaled_dot_product_attention; timing the explicit "
                  "matmul-softmax-matmul instead (T×T memory, not a fused kernel).", file=sys.stderr)
            mask = torch.full((t, t), float("-inf"), device=dev, dtype=dtype).triu(1) if a.causal else None

            def step():
                s = q @ k.transpose(-1, -2) * (d ** -0.5)
                if mask is not None:
                    s = s + mask
                (torch.softmax(s, dim=-1) @ v).backward(do)

        med, best = timed(torch, step, a.repeat, a.inner)
        emit(f"attention.T{t}.B{b}.h{h}.d{d}{'.causal' if a.causal else ''}.{a.type}.cuda", impl, med, best)


if __name__ == "__main__":
    main()
