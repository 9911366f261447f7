#!/usr/bin/env python3
"""Writes PyTorch-made checkpoints that SeqCore must load (tests/SeqCore.Tests/IO/CheckpointTests.cs).

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_checkpoint_golden.py tests/SeqCore.Tests/Golden/checkpoint

Each file holds a module's state_dict under PyTorch's own names as F32 (as a float32 PyTorch model saves it), plus
"input" [T, B, E] (time-major) and "output", the module's output for it computed in float64 from the stored float32
weights (both F64). Metadata: "config" (JSON) and the torch version.
  lstm.safetensors:        nn.LSTM(8, 16, num_layers=2, bidirectional=True)
  transformer.safetensors: nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0, activation="gelu",
                           norm_first=True), 2, norm=nn.LayerNorm(16), enable_nested_tensor=False)
"""
import json
import sys
from pathlib import Path

import torch
from torch import nn

from safetensors_io import write_safetensors


def save(path, module, x, config):
    state = {k: v.clone() for k, v in module.state_dict().items()}  # float32, as a PyTorch user has it
    dtypes = {k: "F32" for k in state}
    module = module.double()
    with torch.no_grad():
        y = module(x)
    if isinstance(y, tuple):
        y = y[0]
    tensors = dict(state)
    tensors.update({"input": x, "output": y})
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__,
                "generator": "tests/golden/make_checkpoint_golden.py"}
    write_safetensors(path, tensors, metadata, dtypes)
    print(f"{path.name}: {len(state)} parameters, max|output| {y.abs().max().item():.4f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(11)
    lstm = nn.LSTM(8, 16, num_layers=2, bidirectional=True)
    x = torch.randn(5, 3, 8, dtype=torch.float64)
    save(out_dir / "lstm.safetensors", lstm, x,
         dict(input_size=8, hidden_size=16, num_layers=2, bidirectional=True))

    torch.manual_seed(12)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, activation="gelu", norm_first=True)
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16), enable_nested_tensor=False)
    with torch.no_grad():  # LayerNorm starts at 1/0; perturb every parameter so all of them matter
        for p in encoder.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(5, 3, 16, dtype=torch.float64)
    save(out_dir / "transformer.safetensors", encoder, x,
         dict(dim=16, heads=2, feedforward=32, norm_first=True, layers=2))


if __name__ == "__main__":
    main()
