#!/usr/bin/env python3
"""Times PyTorch (CPU) on the cases SeqCore benchmarks, printing one JSON object per line.

    /usr/bin/python3 bench/compare/torch_bench.py gemm --shapes 1024x1024x1024 --threads 1
    /usr/bin/python3 bench/compare/torch_bench.py lstm --seq 64 --batch 32 --input 256 --hidden 256 --threads 2
    /usr/bin/python3 bench/compare/torch_bench.py mha --seq 256 --batch 16 --embed 512 --heads 8 --threads 2
    /usr/bin/python3 bench/compare/torch_bench.py lm --arch lstm --vocab 96 --embed 256 --hidden 512 --layers 2 --seq 64 --batch 32

The thread count is fixed before torch is imported, for torch's own pool (OpenMP) and for the BLAS it calls
(OpenBLAS or another libblas.so.3), so "1 thread" is one thread: otherwise OpenBLAS starts one thread per core
under every OpenMP thread. Fields: suite, case, median_ms (forward + backward for recurrent cells and mha), min_ms,
forward_ms (recurrent, mha), threads, blas (the BLAS library torch resolved), torch_version, malloc.

glibc's malloc is told to keep the memory it frees (mallopt, before torch is imported): PyTorch allocates and frees
its tensors on every op, and by default glibc gives large freed blocks back to the kernel and takes them again on
the next step, page fault by page fault. On the 2-vCPU VM of docs/benchmarks.md that made PyTorch's LSTM step at
T=64, B=1, H=256 take 42 ms instead of 14 ms. --glibc-malloc keeps glibc's defaults.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("suite", choices=["gemm", "lstm", "gru", "rnn", "mha", "lm"])
    p.add_argument("--arch", default="lstm", choices=["rnn", "lstm", "gru"], help="lm: the recurrent stack")
    p.add_argument("--vocab", type=int, default=96, help="lm: vocabulary size")
    p.add_argument("--layers", type=int, default=2, help="lm: recurrent layers")
    p.add_argument("--shapes", default="1024x1024x1024", help="gemm: MxNxK[,MxNxK...]")
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--embed", type=int, default=512, help="mha: embedding width E")
    p.add_argument("--heads", type=int, default=8, help="mha: heads")
    p.add_argument("--no-causal", action="store_true", help="mha: full attention instead of the causal attn_mask")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--blas-threads", type=int, default=0, help="threads of the BLAS library (default: the same as --threads)")
    p.add_argument("--repeat", type=int, default=0, help="timed runs (default: about 1 s worth, 5..50; 3 when one run takes over a second)")
    p.add_argument("--glibc-malloc", action="store_true", help="leave glibc's malloc at its defaults (returns freed memory to the kernel)")
    return p.parse_args()


# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory():
    """Large blocks from the heap rather than from mmap, and no trimming of the heap's top: freed tensors stay mapped."""
    name = ctypes.util.find_library("c")
    if name is None:
        return "default (no libc found)"
    libc = ctypes.CDLL(name)
    ok = (libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1 and libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1) == 1
          and libc.mallopt(M_TOP_PAD, 256 << 20) == 1)
    return "glibc, freed memory kept" if ok else "default (mallopt refused)"


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and line.strip().endswith(".so.3") or "openblas" in line.lower()}
        libs = sorted(l for l in libs if l.startswith("/"))
        return os.path.realpath(libs[0]) if libs else "unknown"
    except OSError:
        return "unknown"


def timed(fn, repeat):
    """The rule of SeqCore's StepTimer: warm up for at least 3 calls and 0.5 s, or as many calls as fit in 2 s when a
    call is longer; then time `repeat` runs (default: about 1 s worth, 5 to 50; 3 when one run takes over a second)."""
    start = time.perf_counter()
    calls = 0
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if (calls >= 3 and elapsed >= 0.5) or elapsed >= 2.0:
            break
    if repeat <= 0:
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        repeat = 3 if once > 1.0 else max(5, min(50, int(1.0 / max(once, 1e-4))))
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3, repeat


def main():
    args = parse_args()
    blas_threads = args.blas_threads or args.threads
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(blas_threads)
    malloc = "glibc defaults" if args.glibc_malloc else keep_freed_memory()
    import torch  # after the environment and the allocator are set

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    common = {"threads": args.threads, "blas_threads": blas_threads, "torch_version": torch.__version__, "malloc": malloc}
    if args.suite == "gemm":
        for shape in args.shapes.split(","):
            m, n, k = (int(v) for v in shape.lower().split("x"))
            a, b = torch.randn(m, k), torch.randn(k, n)
            med, best, runs = timed(lambda: torch.mm(a, b), args.repeat)
            out = {"suite": "gemm", "case": f"torch.mm.{m}x{n}x{k}.t{args.threads}", "median_ms": med, "min_ms": best,
                   "gflops": 2.0 * m * n * k / (med * 1e-3) / 1e9, "repeat": runs, "blas": blas_library(), **common}
            print(json.dumps(out), flush=True)
        return
    if args.suite == "mha":
        # nn.MultiheadAttention self-attention, batch_first, need_weights=False, causal as a boolean attn_mask:
        # the same work as 'seqcore bench mha'.
        T, B, E = args.seq, args.batch, args.embed
        causal = not args.no_causal
        model = torch.nn.MultiheadAttention(E, args.heads, batch_first=True)
        x = torch.randn(B, T, E, requires_grad=True)
        dy = torch.randn(B, T, E)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if causal else None

        def forward():
            with torch.no_grad():
                model(x, x, x, attn_mask=mask, need_weights=False)

        def step():
            y, _ = model(x, x, x, attn_mask=mask, need_weights=False)
            y.backward(dy)

        fwd, _, _ = timed(forward, args.repeat)
        med, best, runs = timed(step, args.repeat)
        out = {"suite": "attention", "case": f"torch.mha.T{T}.B{B}.E{E}.h{args.heads}{'.causal' if causal else ''}.t{args.threads}",
               "forward_ms": fwd, "median_ms": med, "min_ms": best, "repeat": runs, "blas": blas_library(), **common}
        print(json.dumps(out), flush=True)
        return
    if args.suite == "lm":
        lm_step(args, common, torch)
        return
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[args.suite]
    model = cls(args.input, args.hidden)
    x = torch.randn(args.seq, args.batch, args.input, requires_grad=True)
    dy = torch.randn(args.seq, args.batch, args.hidden)

    def forward():
        with torch.no_grad():
            model(x)

    def step():
        y, _ = model(x)
        y.backward(dy)

    fwd, _, _ = timed(forward, args.repeat)
    med, best, runs = timed(step, args.repeat)
    out = {"suite": "rnn", "case": f"torch.{args.suite}.T{args.seq}.B{args.batch}.I{args.input}.H{args.hidden}.t{args.threads}",
           "forward_ms": fwd, "median_ms": med, "min_ms": best, "repeat": runs, "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


def lm_step(args, common, torch):
    """One training step of a recurrent language model: embedding -> rnn/lstm/gru stack -> linear head -> mean
    cross-entropy over T*B tokens -> backward -> gradient clipping (norm 1) -> Adam step. The same work as
    'seqcore bench lm' (same sizes, hidden state starting at zero)."""
    T, B, V, E, H = args.seq, args.batch, args.vocab, args.embed, args.hidden
    rnn_cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[args.arch]
    embedding, rnn, head = torch.nn.Embedding(V, E), rnn_cls(E, H, args.layers), torch.nn.Linear(H, V)
    params = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens = torch.randint(0, V, (T + 1, B))
    inputs, targets = tokens[:-1], tokens[1:].reshape(-1)
    loss_fn = torch.nn.CrossEntropyLoss()

    def forward():
        with torch.no_grad():
            y, _ = rnn(embedding(inputs))
            loss_fn(head(y).reshape(-1, V), targets)

    def step():
        opt.zero_grad(set_to_none=False)
        y, _ = rnn(embedding(inputs))
        loss = loss_fn(head(y).reshape(-1, V), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    fwd, _, _ = timed(forward, args.repeat)
    med, best, runs = timed(step, args.repeat)
    out = {"suite": "lm", "case": f"torch.lm.{args.arch}.L{args.layers}.V{V}.E{E}.H{H}.T{T}.B{B}.t{args.threads}",
           "forward_ms": fwd, "median_ms": med, "min_ms": best, "tokens_per_s": T * B / (med * 1e-3), "repeat": runs,
           "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
