#!/usr/bin/env python3
"""Collects development BLEU against training time from several runs: a markdown table on stdout and, with
--points, the chart's points (series<TAB>minutes<TAB>BLEU) for docs/tools/line-chart.cs (docs/translation-bleu.svg).

    python3 bench/translation/bleu_curve.py --points docs/data/translation-bleu.tsv \\
        --run "SeqCore transformer=runs/tf-fast" --run "PyTorch nn.Transformer=runs/torch-tf" …
    dotnet run docs/tools/line-chart.cs -- docs/data/translation-bleu.tsv docs/translation-bleu.svg "TITLE" "training time (minutes)" "BLEU"

A run is a folder written by one of the recipes of docs/translation.md:
- SeqCore: train1.log, dev1.json, train2.log, dev2.json, … (one 'seq2seq train' piece, then 'seq2seq eval --json' on
  the development books); a piece's training time is read from its log's "stopped: … in X s" line, so the x axis is
  the training time summed over the pieces (the evaluations between them not counted);
- PyTorch (bench/translation/torch_transformer.py): curve.csv, whose elapsed_s already excludes the evaluations.
"""
import argparse
import csv
import json
import re
from pathlib import Path


def seqcore_points(folder):
    points, elapsed = [], 0.0
    for i in range(1, 1000):
        log, dev = folder / f"train{i}.log", folder / f"dev{i}.json"
        if not log.exists() or not dev.exists():
            break
        m = re.search(r"stopped: .* in ([0-9.]+) s", log.read_text(encoding="utf-8"))
        if m is None:
            raise SystemExit(f"{log}: no 'stopped: … in X s' line")
        elapsed += float(m.group(1))
        d = json.loads(dev.read_text(encoding="utf-8").splitlines()[-1])
        points.append((elapsed / 60, d["bleu"], d["chrf"]))
    return points


def torch_points(folder):
    with open(folder / "curve.csv", encoding="utf-8") as f:
        return [(float(r["elapsed_s"]) / 60, float(r["dev_bleu"]), float(r["dev_chrf"])) for r in csv.DictReader(f)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", action="append", required=True, help="LABEL=FOLDER (a SeqCore run folder or a PyTorch --out folder)")
    p.add_argument("--points", help="write the chart's points here (series<TAB>minutes<TAB>BLEU, each series from 0)")
    args = p.parse_args()
    rows = []
    print("| run | training time (min) | BLEU | chrF2 |")
    print("| --- | ---: | ---: | ---: |")
    for spec in args.run:
        label, _, path = spec.partition("=")
        folder = Path(path)
        pts = torch_points(folder) if (folder / "curve.csv").exists() else seqcore_points(folder)
        if not pts:
            raise SystemExit(f"{folder}: no points")
        rows.append(f"{label}\t0\t0")
        for minutes, bleu, chrf in pts:
            print(f"| {label} | {minutes:.1f} | {bleu:.2f} | {chrf:.2f} |")
            rows.append(f"{label}\t{minutes:.3f}\t{bleu:.3f}")
    if args.points:
        Path(args.points).write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"wrote {args.points}")


if __name__ == "__main__":
    main()
