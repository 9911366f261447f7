#!/usr/bin/env python3
"""Runs SeqCore and PyTorch on the same cases in one go and reports them side by side.

    ./build.sh compare [filter] [--quick]        (builds the CLI, then calls this script)
    /usr/bin/python3 bench/compare/compare.py --seqcore "dotnet path/to/SeqCore.Cli.dll" [filter] [--quick]

For every case SeqCore runs with 1 and 2 threads, PyTorch with 1 and 2 threads (OpenMP and BLAS pinned by
torch_bench.py, which also keeps glibc's malloc from returning freed memory to the kernel) and with 1 OpenMP thread over
a 2-thread BLAS; the best median of each side is compared: ratio = PyTorch ms / SeqCore ms, so a ratio
above 1 means SeqCore is faster. Writes artifacts/compare/compare.csv and compare.svg next to the table.

Every side is also read against the machine's FMA peak, measured at the start of the run by `seqcore info` (single
core) times the threads that side used: "% FMA" is the case's FLOPs (one count for all sides: SeqCore's GFLOP/s times
its time) per second over that peak. Cases without a FLOP count (generation) leave it empty.

With --torchsharp CMD (build.sh passes bench/compare/torchsharp.sh run when the Debian 13 root is there) every case
also runs on TorchSharp-cpu (LibTorch 2.10) with 1 and 2 threads, and the table gains its ms and the ratio
TorchSharp ms / SeqCore ms.
"""
import argparse
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
TORCH = [sys.executable, str(HERE / "torch_bench.py")]

# The language-model step: a character model (V=96) with a 2-layer LSTM, E=256, H=512, BPTT window 64, 32 streams.
LM_DIMS = ["--arch", "lstm", "--layers", "2", "--vocab", "96", "--embed", "256", "--hidden", "512", "--seq", "64", "--batch", "32"]
# The README's small transformer LM (E=64, 2 layers, 4 heads, context 64, 16 streams), the character vocabulary of the LSTM case.
LM_TRANSFORMER_DIMS = ["--arch", "transformer", "--layers", "2", "--vocab", "96", "--embed", "64", "--heads", "4", "--seq", "64", "--batch", "16"]

# Sampling: the demo's character LSTM (E=64, one layer of 256) and a small transformer LM (E=128, 2 layers, 4 heads) with
# its KV cache, a 16-token prompt continued by 128 tokens, in 1 and 8 streams.
GENERATE = [
    ("lstm.L1.V96.E64.H256", ["--arch", "lstm", "--layers", "1", "--vocab", "96", "--embed", "64", "--hidden", "256", "--prompt", "16", "--tokens", "128"]),
    ("transformer.L2.V96.E128.h4", ["--arch", "transformer", "--layers", "2", "--vocab", "96", "--embed", "128", "--heads", "4",
                                    "--context", "256", "--prompt", "16", "--tokens", "128"]),
]

# The transformer seq2seq step of docs/translation.md: E=256, 3+3 layers, 4 heads, FF 1024, the joint 8k-merge BPE
# vocabulary (8,259 ids), 64 pairs of 32 source and 32 target steps (4,096 tokens), dropout 0.1.
SEQ2SEQ_DIMS = ["--layers", "3", "--vocab", "8259", "--embed", "256", "--heads", "4", "--ff", "1024", "--source", "32", "--target", "32", "--batch", "64"]

# (name, seqcore args, torch args); each side prints JSON lines with median_ms.
QUICK = [
    ("gemm.1024x1024x1024", ["bench", "gemm", "--shapes", "1024x1024x1024"], ["gemm", "--shapes", "1024x1024x1024"]),
    ("gemm.32x1024x256", ["bench", "gemm", "--shapes", "32x1024x256"], ["gemm", "--shapes", "32x1024x256"]),
    ("gemm.2048x1024x256", ["bench", "gemm", "--shapes", "2048x1024x256"], ["gemm", "--shapes", "2048x1024x256"]),
    ("lstm.T64.B32.I256.H256", ["bench", "lstm"], ["lstm"]),
    ("gru.T64.B32.I256.H256", ["bench", "gru"], ["gru"]),
    ("rnn.T64.B32.I256.H256", ["bench", "rnn"], ["rnn"]),
    ("mha.T256.B16.E512.h8.causal", ["bench", "attention", "--seq", "256", "--batch", "16", "--dim", "512", "--heads", "8"],
     ["mha", "--seq", "256", "--batch", "16", "--embed", "512", "--heads", "8"]),
    ("lm.lstm.L2.V96.E256.H512.T64.B32", ["bench", "lm", *LM_DIMS], ["lm", *LM_DIMS]),
    ("lm.transformer.L2.V96.E64.h4.T64.B16", ["bench", "lm", *LM_TRANSFORMER_DIMS], ["lm", *LM_TRANSFORMER_DIMS]),
    ("seq2seq.transformer.L3+3.E256.B64", ["bench", "seq2seq", *SEQ2SEQ_DIMS], ["seq2seq", *SEQ2SEQ_DIMS]),
    *[(f"generate.{name}.B{b}", ["bench", "generate", *dims, "--streams", str(b)], ["generate", *dims, "--streams", str(b)])
      for name, dims in GENERATE for b in (1, 8)],
]


# One tiny case per suite kind, for the end-to-end test of this script (seconds, not minutes).
TINY = [
    ("gemm.16x16x16", ["bench", "gemm", "--shapes", "16x16x16", "--repeat", "5"], ["gemm", "--shapes", "16x16x16", "--repeat", "5"]),
    ("lstm.T4.B2.I8.H8", ["bench", "lstm", "--seq", "4", "--batch", "2", "--input", "8", "--hidden", "8", "--repeat", "5"],
     ["lstm", "--seq", "4", "--batch", "2", "--input", "8", "--hidden", "8", "--repeat", "5"]),
]


def scaling():
    """LSTM around the reference shape T=64, B=32, I=H=256: one sweep over each of H, B and T."""
    cases = []
    sweeps = [(64, 32, h) for h in (128, 256, 512, 1024)] + [(64, b, 256) for b in (1, 8, 128)] + [(t, 32, 256) for t in (16, 256)]
    for t, b, h in sweeps:
        dims = ["--seq", str(t), "--batch", str(b), "--input", str(h), "--hidden", str(h)]
        cases.append((f"lstm.T{t}.B{b}.I{h}.H{h}", ["bench", "lstm", *dims], ["lstm", *dims]))
    return cases


def transformer_grid():
    """The transformer LM step over E x T x B (2 layers, 4 heads, the character vocabulary): the small widths where
    attention and the per-call overheads weigh most."""
    cases = []
    for e in (64, 128, 256):
        for t in (64, 256):
            for b in (1, 8, 32):
                name = f"lm.transformer.L2.V96.E{e}.h4.T{t}.B{b}"
                dims = ["--arch", "transformer", "--layers", "2", "--vocab", "96", "--embed", str(e), "--heads", "4", "--seq", str(t), "--batch", str(b)]
                cases.append((name, ["bench", "lm", *dims], ["lm", *dims]))
    return cases


def full_grid():
    cases = list(QUICK)
    for n in (64, 128, 256, 512, 2048):
        s = f"{n}x{n}x{n}"
        cases.append((f"gemm.{s}", ["bench", "gemm", "--shapes", s], ["gemm", "--shapes", s]))
    for cell in ("lstm", "gru", "rnn"):
        for t in (16, 64, 256):
            for b in (1, 8, 32, 128):
                for h in (128, 256, 512, 1024):
                    name = f"{cell}.T{t}.B{b}.I{h}.H{h}"
                    if any(c[0] == name for c in cases):
                        continue
                    dims = ["--seq", str(t), "--batch", str(b), "--input", str(h), "--hidden", str(h)]
                    cases.append((name, ["bench", cell, *dims], [cell, *dims]))
    for arch in ("gru", "rnn"):
        dims = [arch if d == "lstm" else d for d in LM_DIMS]
        cases.append((f"lm.{arch}.L2.V96.E256.H512.T64.B32", ["bench", "lm", *dims], ["lm", *dims]))
    dims = ["--arch", "lstm", "--layers", "2", "--vocab", "10000", "--embed", "256", "--hidden", "256", "--seq", "64", "--batch", "32"]
    cases.append(("lm.lstm.L2.V10000.E256.H256.T64.B32", ["bench", "lm", *dims], ["lm", *dims]))
    cases.extend(transformer_grid())
    return cases


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def best(cmd_base, thread_args):
    results = []
    for args in thread_args:
        for r in run_json(cmd_base + args):
            results.append(r)
    return min(results, key=lambda r: r["median_ms"])


def best_or_none(cmd_base, thread_args):
    """best() for a peer that may lack a case (the TorchSharp peer has no 'generate'): None when it fails."""
    try:
        return best(cmd_base, thread_args)
    except subprocess.CalledProcessError:
        return None


def fma_peak_per_core(seqcore):
    """The single-core float FMA peak in GFLOP/s, as `seqcore info` measures it now (the machine's clock varies by day)."""
    return run_json(seqcore + ["info", "--json"])[0]["fma_peak"]["float_gflops_per_core"]


def percent_of_peak(gflop, ms, threads, peak_per_core):
    """GFLOP/s of a side as a percentage of the FMA peak of the cores it used; "" for a case without a FLOP count."""
    return "" if gflop is None else 100.0 * gflop / (ms * 1e-3) / (peak_per_core * threads)


def pct_text(value):
    return f"{value:>7.1f}%" if value != "" else f"{'':>8}"


SEQCORE_THREADS = [["--threads", "1"], ["--threads", "2"]]
TORCHSHARP_THREADS = [["--threads", "1"], ["--threads", "2"]]
# PyTorch: 1 and 2 threads for both its own pool and the BLAS, plus its often fastest setting on 2 cores:
# 1 OpenMP thread with the BLAS on both cores (2 OpenMP threads spinning beside 2 BLAS threads oversubscribe).
TORCH_THREADS = [["--threads", "1"], ["--threads", "2"], ["--threads", "1", "--blas-threads", "2"]]


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def svg(rows, path):
    peers = [("seqcore_ms", "#2b6cb0", "SeqCore"), ("pytorch_ms", "#c05621", "PyTorch")]
    if "torchsharp_ms" in rows[0]:
        peers.append(("torchsharp_ms", "#2f855a", "TorchSharp"))
    width, bar, gap, left = 760, 14, 10, 230
    height = 60 + len(rows) * (len(peers) * bar + gap)
    scale = (width - left - 80) / max(r[key] for r in rows for key, _, _ in peers if r[key] != "")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             '<text x="10" y="20" font-size="14">SeqCore and its peers (CPU), median ms, best of 1 and 2 threads; lower is faster</text>']
    for i, (_, colour, label) in enumerate(peers):
        parts.append(f'<rect x="{left + 100 * i}" y="30" width="12" height="10" fill="{colour}"/><text x="{left + 100 * i + 16}" y="39">{label}</text>')
    y = 50
    for r in rows:
        parts.append(f'<text x="10" y="{y + bar + 4}">{r["case"]} (×{r["ratio"]:.2f})</text>')
        for i, (key, colour, _) in enumerate(peers):
            value, dy = r[key], i * bar
            if value == "":
                continue
            w = max(1.0, value * scale)
            parts.append(f'<rect x="{left}" y="{y + dy}" width="{w:.1f}" height="{bar - 2}" fill="{colour}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + dy + bar - 4}">{value:.3g} ms</text>')
        y += len(peers) * bar + gap
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("filter", nargs="?", default="", help="run only cases whose name contains this text")
    p.add_argument("--quick", action="store_true", help="the representative subset (a few minutes)")
    p.add_argument("--tiny", action="store_true", help="two tiny cases (for the end-to-end test)")
    p.add_argument("--scaling", action="store_true", help="LSTM sweeps over H, B and T around T=64, B=32, H=256")
    p.add_argument("--seqcore", required=True, help="command that runs the seqcore CLI")
    p.add_argument("--out", default="artifacts/compare", help="folder for compare.csv and compare.svg")
    p.add_argument("--torchsharp", default="", help="command that runs the TorchSharp peer (bench/compare/torchsharp.sh run)")
    args = p.parse_args()
    seqcore = shlex.split(args.seqcore)
    torchsharp = shlex.split(args.torchsharp)
    chosen = TINY if args.tiny else QUICK if args.quick else scaling() if args.scaling else full_grid()
    cases = [c for c in chosen if args.filter in c[0]]
    if not cases:
        print(f"compare: no case matches '{args.filter}'", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    peak = fma_peak_per_core(seqcore)
    print(f"FMA peak measured now: {peak:.1f} GFLOP/s per core (float)")
    peer_header = f" {'TorchSharp ms':>13} {'ratio':>7} {'TS %FMA':>8}" if torchsharp else ""
    print(f"{'case':<28} {'SeqCore ms':>11} {'PyTorch ms':>11} {'ratio':>7} {'SC %FMA':>8} {'PT %FMA':>8}{peer_header}   (ratio = peer / SeqCore; each side's best thread setting)")
    for name, sc_args, torch_args in cases:
        s = best(seqcore + sc_args + ["--json"], SEQCORE_THREADS)
        t = best(TORCH + torch_args, TORCH_THREADS)
        gflop = s["gflops"] * s["median_ms"] * 1e-3 if "gflops" in s else None  # the case's work, counted by SeqCore for all sides
        torch_cores = max(t["threads"], t.get("blas_threads", t["threads"]))
        row = {"case": name, "seqcore_ms": s["median_ms"], "seqcore_threads": s["threads"],
               "pytorch_ms": t["median_ms"], "pytorch_threads": f'{t["threads"]}+blas{t.get("blas_threads", t["threads"])}',
               "ratio": t["median_ms"] / s["median_ms"],
               "seqcore_pct_fma_peak": percent_of_peak(gflop, s["median_ms"], s["threads"], peak),
               "pytorch_pct_fma_peak": percent_of_peak(gflop, t["median_ms"], torch_cores, peak),
               "fma_peak_gflops_per_core": peak,
               "seqcore_forward_ms": s.get("forward_ms", ""), "pytorch_forward_ms": t.get("forward_ms", ""),
               "blas": t.get("blas", ""), "torch_version": t.get("torch_version", ""), "torch_malloc": t.get("malloc", "")}
        peer = ""
        if torchsharp:
            ts = best_or_none(torchsharp + torch_args, TORCHSHARP_THREADS)
            if ts is None:
                row.update({"torchsharp_ms": "", "torchsharp_threads": "", "ratio_torchsharp": "", "torchsharp_pct_fma_peak": "", "torchsharp_version": ""})
                peer = f" {'n/a':>13} {'':>7} {'':>8}"
            else:
                row.update({"torchsharp_ms": ts["median_ms"], "torchsharp_threads": ts["threads"],
                            "ratio_torchsharp": ts["median_ms"] / s["median_ms"],
                            "torchsharp_pct_fma_peak": percent_of_peak(gflop, ts["median_ms"], ts["threads"], peak),
                            "torchsharp_version": ts.get("torch_version", "")})
                peer = f" {row['torchsharp_ms']:>13.3f} {row['ratio_torchsharp']:>7.2f} {pct_text(row['torchsharp_pct_fma_peak'])}"
        rows.append(row)
        print(f"{name:<28} {row['seqcore_ms']:>11.3f} {row['pytorch_ms']:>11.3f} {row['ratio']:>7.2f} "
              f"{pct_text(row['seqcore_pct_fma_peak'])} {pct_text(row['pytorch_pct_fma_peak'])}{peer}   "
              f"(SeqCore t{row['seqcore_threads']}, PyTorch t{row['pytorch_threads']}"
              + (f", TorchSharp t{row['torchsharp_threads']})" if torchsharp and row["torchsharp_threads"] != "" else ")"), flush=True)
        write_csv(rows, out / "compare.csv")  # after every case, so a long run that is stopped keeps what it measured
    svg(rows, out / "compare.svg")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"torch {rows[0]['torch_version']} with {rows[0]['blas']}, malloc: {rows[0]['torch_malloc']}"
          + (f"; {next((r['torchsharp_version'] for r in rows if r['torchsharp_version']), 'TorchSharp ran no case')}" if torchsharp else "; no TorchSharp peer")
          + f"; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"wrote {out / 'compare.csv'} and {out / 'compare.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
