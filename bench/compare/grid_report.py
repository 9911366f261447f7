#!/usr/bin/env python3
"""Turns the CSV of a full-grid run (`./build.sh compare`) into the tables and charts of docs/benchmarks.md.

    python3 bench/compare/grid_report.py artifacts/compare/compare.csv --md grid.md --svg-prefix docs/benchmarks-grid

Writes Markdown (one table per cell: rows T and B, columns H; each entry SeqCore ms / PyTorch ms, the training-step
ratio and the forward-only ratio), a ratio heat map (<prefix>.svg) and training-step GFLOP/s against H
(<prefix>-gflops.svg). Ratios are PyTorch ms / SeqCore ms: above 1 means SeqCore is faster.
"""
import argparse
import csv
import math
import re
import statistics
import sys
from pathlib import Path

CELL = re.compile(r"^(lstm|gru|rnn)\.T(\d+)\.B(\d+)\.I(\d+)\.H(\d+)$")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
CELLS = ("lstm", "gru", "rnn")
TITLES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Elman RNN (tanh)"}


def load(path):
    cells, others = {}, []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            m = CELL.match(row["case"])
            if not m:
                others.append(row)
                continue
            cell, t, b, i, h = m.group(1), *map(int, m.groups()[1:])
            cells[(cell, t, b, h)] = {**row, "T": t, "B": b, "I": i, "H": h,
                                      "seqcore_ms": float(row["seqcore_ms"]), "pytorch_ms": float(row["pytorch_ms"]),
                                      "ratio": float(row["ratio"]),
                                      "forward_ratio": forward_ratio(row)}
    return cells, others


def forward_ratio(row):
    try:
        return float(row["pytorch_forward_ms"]) / float(row["seqcore_forward_ms"])
    except (KeyError, ValueError, ZeroDivisionError):
        return float("nan")


def step_gflops(cell, t, b, i, h, ms):
    """GEMM FLOPs of a training step as SeqCore's RecurrentRunner counts them: 3 × 2·T·B·(I+H)·G·H."""
    return 3 * 2.0 * t * b * (i + h) * GATES[cell] * h / (ms * 1e-3) / 1e9


def ms(x):
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}"


def axis(cells, key):
    return sorted({k[key] for k in cells})


def markdown(cells, others):
    lines = []
    ts, bs, hs = axis(cells, 1), axis(cells, 2), axis(cells, 3)
    for cell in CELLS:
        rows = [v for k, v in cells.items() if k[0] == cell]
        if not rows:
            continue
        ratios = [r["ratio"] for r in rows]
        fwd = [r["forward_ratio"] for r in rows if not math.isnan(r["forward_ratio"])]
        slower = [f"{r['case']} ({r['ratio']:.2f})" for r in rows if r["ratio"] < 1]
        lines.append(f"### {TITLES[cell]}: forward + backward, I = H")
        lines.append("")
        lines.append(f"{len(rows)} cases: training-step ratio median **{statistics.median(ratios):.2f}**, range "
                     f"{min(ratios):.2f}–{max(ratios):.2f}; forward-only ratio median {statistics.median(fwd):.2f}, range "
                     f"{min(fwd):.2f}–{max(fwd):.2f}. " +
                     (f"SeqCore slower in: {', '.join(slower)}." if slower else "SeqCore is faster in every case."))
        lines.append("")
        lines.append("| T | B | " + " | ".join(f"H = {h}" for h in hs) + " |")
        lines.append("| ---: | ---: | " + " | ".join("---" for _ in hs) + " |")
        for t in ts:
            for b in bs:
                entries = []
                for h in hs:
                    r = cells.get((cell, t, b, h))
                    entries.append("–" if r is None else
                                   f"{ms(r['seqcore_ms'])} / {ms(r['pytorch_ms'])} ms **{r['ratio']:.2f}** (fwd {r['forward_ratio']:.2f})")
                lines.append(f"| {t} | {b} | " + " | ".join(entries) + " |")
        lines.append("")
    if others:
        lines.append("### The other cases of the run")
        lines.append("")
        lines.append("| case | SeqCore ms | PyTorch ms | ratio | threads (SeqCore, PyTorch) |")
        lines.append("| --- | ---: | ---: | ---: | --- |")
        for r in others:
            lines.append(f"| {r['case']} | {ms(float(r['seqcore_ms']))} | {ms(float(r['pytorch_ms']))} | "
                         f"**{float(r['ratio']):.2f}** | t{r['seqcore_threads']}, t{r['pytorch_threads']} |")
        lines.append("")
    return "\n".join(lines)


def colour(ratio):
    """White at 1, deepening blue as SeqCore gets faster (to 4×), deepening red as it gets slower (to 1/4×)."""
    x = max(-1.0, min(1.0, math.log(ratio, 4)))
    fade = int(255 * (1 - abs(x)))
    return f"rgb({fade},{fade + (255 - fade) // 3},255)" if x >= 0 else f"rgb(255,{fade},{fade})"


def heatmap(cells, path):
    ts, bs, hs = axis(cells, 1), axis(cells, 2), axis(cells, 3)
    cw, ch, left, top, gap = 52, 20, 100, 56, 24
    panel = len(hs) * cw
    width = left + len(CELLS) * (panel + gap)
    height = top + len(ts) * len(bs) * ch + 40
    p = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         '<text x="10" y="18" font-size="14">Training step, PyTorch ms / SeqCore ms (above 1: SeqCore faster); CPU, 2 cores</text>']
    for ti, t in enumerate(ts):
        for bi, b in enumerate(bs):
            y = top + (ti * len(bs) + bi) * ch
            p.append(f'<text x="10" y="{y + 14}">T={t} B={b}</text>')
    for ci, cell in enumerate(CELLS):
        x0 = left + ci * (panel + gap)
        p.append(f'<text x="{x0}" y="{top - 22}" font-size="12" font-weight="bold">{TITLES[cell]}</text>')
        for hi, h in enumerate(hs):
            p.append(f'<text x="{x0 + hi * cw + 6}" y="{top - 6}">H={h}</text>')
        for ti, t in enumerate(ts):
            for bi, b in enumerate(bs):
                y = top + (ti * len(bs) + bi) * ch
                for hi, h in enumerate(hs):
                    r = cells.get((cell, t, b, h))
                    x = x0 + hi * cw
                    fill = "#eee" if r is None else colour(r["ratio"])
                    p.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{fill}"/>')
                    if r is not None:
                        p.append(f'<text x="{x + 10}" y="{y + 13}">{r["ratio"]:.2f}</text>')
    p.append(f'<text x="10" y="{height - 12}">Colour: white = equal, blue = SeqCore faster (full at 4×), red = PyTorch faster.</text>')
    p.append("</svg>")
    path.write_text("\n".join(p) + "\n")


def gflops_chart(cells, path):
    """One panel per cell, one line per batch size, at T = 64 (the grid's middle length) or the longest T run."""
    ts, bs, hs = axis(cells, 1), axis(cells, 2), axis(cells, 3)
    t = 64 if 64 in ts else ts[-1]
    pw, ph, left, top, gap = 250, 200, 50, 50, 40
    width = left + len(CELLS) * (pw + gap)
    height = top + ph + 70
    vals = [step_gflops(k[0], k[1], k[2], v["I"], k[3], v[side]) for k, v in cells.items() if k[1] == t
            for side in ("seqcore_ms", "pytorch_ms")]
    lo, hi = math.log10(max(0.1, min(vals))), math.log10(max(vals))
    lo, hi = math.floor(lo), max(math.ceil(hi), math.floor(lo) + 1)
    palette = ["#805ad5", "#2b6cb0", "#2f855a", "#c05621", "#b83280"]

    def px(hi_index):
        return hi_index * pw / max(1, len(hs) - 1)

    def py(g):
        return ph - (math.log10(max(g, 10 ** lo)) - lo) / (hi - lo) * ph

    p = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         f'<text x="10" y="18" font-size="14">Training-step GFLOP/s at T={t} against H (= I), log scale; solid SeqCore, dashed PyTorch</text>']
    for ci, cell in enumerate(CELLS):
        x0, y0 = left + ci * (pw + gap), top
        p.append(f'<text x="{x0}" y="{y0 - 8}" font-size="12" font-weight="bold">{TITLES[cell]}</text>')
        p.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for e in range(lo, hi + 1):
            y = y0 + py(10 ** e)
            p.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#ddd"/>')
            p.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
        for hi_index, h in enumerate(hs):
            p.append(f'<text x="{x0 + px(hi_index):.1f}" y="{y0 + ph + 14}" text-anchor="middle">{h}</text>')
        for bi, b in enumerate(bs):
            for side, dash in (("seqcore_ms", ""), ("pytorch_ms", ' stroke-dasharray="5,3"')):
                pts = []
                for hi_index, h in enumerate(hs):
                    r = cells.get((cell, t, b, h))
                    if r is not None:
                        g = step_gflops(cell, t, b, r["I"], h, r[side])
                        pts.append(f"{x0 + px(hi_index):.1f},{y0 + py(g):.1f}")
                if pts:
                    p.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{palette[bi % len(palette)]}" stroke-width="1.8"{dash}/>')
    for bi, b in enumerate(bs):
        x = left + bi * 80
        p.append(f'<line x1="{x}" y1="{height - 20}" x2="{x + 20}" y2="{height - 20}" stroke="{palette[bi % len(palette)]}" stroke-width="2"/>')
        p.append(f'<text x="{x + 24}" y="{height - 16}">B={b}</text>')
    p.append("</svg>")
    path.write_text("\n".join(p) + "\n")


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("csv", help="compare.csv of a full-grid run")
    a.add_argument("--md", help="write the Markdown here (default: standard output)")
    a.add_argument("--svg-prefix", help="write <prefix>.svg (ratio heat map) and <prefix>-gflops.svg")
    args = a.parse_args()
    cells, others = load(args.csv)
    if not cells:
        print(f"grid_report: no recurrent-cell case in {args.csv}", file=sys.stderr)
        return 2
    text = markdown(cells, others)
    if args.md:
        Path(args.md).write_text(text + "\n")
    else:
        print(text)
    if args.svg_prefix:
        heatmap(cells, Path(args.svg_prefix + ".svg"))
        gflops_chart(cells, Path(args.svg_prefix + "-gflops.svg"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
