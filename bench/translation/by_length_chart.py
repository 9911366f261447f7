#!/usr/bin/env python3
"""Tabulates BLEU by source length for several models: a markdown table on stdout and, with --points, the chart's
points (series<TAB>bucket middle<TAB>BLEU) for docs/tools/line-chart.cs (docs/seq2seq-source-length-bible.svg).

    python3 bench/translation/by_length_chart.py --points docs/data/seq2seq-source-length-bible.tsv \\
        --eval "with attention=runs/rnn-general/acts.by-length.json" --eval "without=runs/rnn-none/acts.by-length.json"

Each file is the JSON line of 'seqcore seq2seq eval --by-length W --json' (its by_length buckets).
"""
import argparse
import json
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--eval", action="append", required=True, help="LABEL=FILE (seq2seq eval --by-length W --json)")
    p.add_argument("--points", help="write the chart's points here (series<TAB>bucket middle<TAB>BLEU)")
    args = p.parse_args()
    models = []
    for spec in args.eval:
        label, _, path = spec.partition("=")
        d = json.loads(Path(path).read_text(encoding="utf-8").splitlines()[-1])
        if not d.get("by_length"):
            raise SystemExit(f"{path}: no by_length buckets (run seq2seq eval with --by-length W)")
        models.append((label, d))
    buckets = [(b["from"], b["to"], b["pairs"]) for b in models[0][1]["by_length"]]
    for label, d in models[1:]:
        if [(b["from"], b["to"], b["pairs"]) for b in d["by_length"]] != buckets:
            raise SystemExit(f"{label}: its buckets differ from {models[0][0]}'s (not the same pairs?)")
    print("| source words | verses | " + " | ".join(f"{label}: BLEU / chrF2" for label, _ in models) + " |")
    print("| --- | ---: | " + " | ".join("---" for _ in models) + " |")
    for i, (lo, hi, n) in enumerate(buckets):
        cells = " | ".join(f"{d['by_length'][i]['bleu']:.2f} / {d['by_length'][i]['chrf']:.2f}" for _, d in models)
        print(f"| {lo}–{hi} | {n:,} | {cells} |")
    print(f"| all | {sum(n for _, _, n in buckets):,} | " + " | ".join(f"{d['bleu']:.2f} / {d['chrf']:.2f}" for _, d in models) + " |")
    if args.points:
        rows = [f"{label}\t{(lo + hi) / 2:g}\t{d['by_length'][i]['bleu']:.3f}" for label, d in models for i, (lo, hi, _) in enumerate(buckets)]
        Path(args.points).write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"wrote {args.points}")


if __name__ == "__main__":
    main()
