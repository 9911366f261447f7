#!/usr/bin/env python3
"""Writes golden files for SeqCore's losses and optimizers from PyTorch's F.cross_entropy,
F.binary_cross_entropy_with_logits, F.mse_loss and torch.optim.SGD / Adam / AdamW.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_training_golden.py tests/SeqCore.Tests/Golden/training

Everything is computed in float64. Scalars are stored with shape [1]; integer targets as float64.
Loss files (loss_*): the inputs ("logits" and "targets", or "prediction" and "target", and "pos_weight" when used),
"loss" (the reduced loss), "row_losses" for cross-entropy (reduction='none'), and "grad.<input>", the gradient of
the reduced loss. The metadata "config" holds the loss options.
Optimizer files (optim_*): two parameters "init.p0" [3, 4] and "init.p1" [5], the gradient given at every step
"grad.<k>.p0", "grad.<k>.p1" (k = 0 .. steps-1, drawn independently of the parameters) and the values after all
steps "final.p0", "final.p1". The metadata "config" holds the optimizer, its keyword arguments and the step count.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from safetensors_io import write_safetensors


def save(out_dir, name, tensors, config):
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)


def scalar(v):
    return v.detach().reshape(1)


def cross_entropy(out_dir, name, n, c, ignore, smoothing, reduction):
    logits = (torch.randn(n, c, dtype=torch.float64) * 2).requires_grad_()
    targets = torch.randint(0, c, (n,))
    if ignore:
        targets[1] = -100
        targets[n - 2] = -100
    loss = F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=smoothing, reduction=reduction)
    rows = F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=smoothing, reduction="none")
    loss.backward()
    save(out_dir, name, {"logits": logits, "targets": targets.to(torch.float64), "loss": scalar(loss),
                         "row_losses": rows, "grad.logits": logits.grad},
         {"ignore_index": -100, "label_smoothing": smoothing, "reduction": reduction})


def bce(out_dir, name, pos_weight, reduction):
    logits = (torch.randn(5, 4, dtype=torch.float64) * 3).requires_grad_()
    targets = torch.rand(5, 4, dtype=torch.float64)
    targets[0] = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    pw = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64) if pos_weight else None
    loss = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pw, reduction=reduction)
    loss.backward()
    tensors = {"logits": logits, "targets": targets, "loss": scalar(loss), "grad.logits": logits.grad}
    if pw is not None:
        tensors["pos_weight"] = pw
    save(out_dir, name, tensors, {"pos_weight": pos_weight, "reduction": reduction})


def mse(out_dir, name, reduction):
    prediction = torch.randn(4, 6, dtype=torch.float64).requires_grad_()
    target = torch.randn(4, 6, dtype=torch.float64)
    loss = F.mse_loss(prediction, target, reduction=reduction)
    loss.backward()
    save(out_dir, name, {"prediction": prediction, "target": target, "loss": scalar(loss),
                         "grad.prediction": prediction.grad}, {"reduction": reduction})


def optimizer(out_dir, name, kind, kwargs, steps=4):
    p0 = torch.randn(3, 4, dtype=torch.float64)
    p1 = torch.randn(5, dtype=torch.float64)
    tensors = {"init.p0": p0.clone(), "init.p1": p1.clone()}
    params = [torch.nn.Parameter(p0), torch.nn.Parameter(p1)]
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind](params, **kwargs)
    for k in range(steps):
        for i, p in enumerate(params):
            g = torch.randn_like(p)
            tensors[f"grad.{k}.p{i}"] = g
            p.grad = g.clone()
        opt.step()
    tensors["final.p0"] = params[0]
    tensors["final.p1"] = params[1]
    save(out_dir, name, tensors, {"optimizer": kind, "kwargs": kwargs, "steps": steps})


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(2026)
    cross_entropy(out_dir, "loss_ce", 7, 5, False, 0.0, "mean")
    cross_entropy(out_dir, "loss_ce_ignore", 7, 5, True, 0.0, "mean")
    cross_entropy(out_dir, "loss_ce_smoothing", 7, 5, False, 0.1, "mean")
    cross_entropy(out_dir, "loss_ce_ignore_smoothing", 9, 11, True, 0.25, "mean")
    cross_entropy(out_dir, "loss_ce_ignore_smoothing_sum", 9, 11, True, 0.25, "sum")
    bce(out_dir, "loss_bce", False, "mean")
    bce(out_dir, "loss_bce_pos_weight", True, "mean")
    mse(out_dir, "loss_mse", "mean")
    mse(out_dir, "loss_mse_sum", "sum")
    optimizer(out_dir, "optim_sgd", "sgd", {"lr": 0.1})
    optimizer(out_dir, "optim_sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1})
    optimizer(out_dir, "optim_sgd_nesterov_wd", "sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01})
    optimizer(out_dir, "optim_adam", "adam", {"lr": 0.01})
    optimizer(out_dir, "optim_adam_wd", "adam", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1})
    optimizer(out_dir, "optim_adamw", "adamw", {"lr": 0.01, "weight_decay": 0.1})


if __name__ == "__main__":
    main()
