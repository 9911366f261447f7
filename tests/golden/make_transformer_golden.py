#!/usr/bin/env python3
"""Writes golden files for SeqCore's transformer blocks from PyTorch's nn.TransformerEncoderLayer / nn.TransformerEncoder.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_transformer_golden.py tests/SeqCore.Tests/Golden/transformer

Each file holds, computed in float64 with dropout 0 and activation="gelu" (exact): the module's state_dict under
PyTorch's names; "input" [T, B, E] (time-major); "w_output"; "output"; and "grad.<name>" for every parameter and
for the input, of loss = sum(output * w_output). Metadata: "config" (JSON), "lengths" (key padding as lengths).
"""
import json
import sys
from pathlib import Path

import torch

from safetensors_io import write_safetensors



def make_case(name, seed, out_dir, T=5, B=3, E=8, heads=2, ff=16, norm_first=True, causal=False, lengths=None, layers=0):
    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(E, heads, dim_feedforward=ff, dropout=0.0, activation="gelu", norm_first=norm_first)
    if layers > 0:
        module = torch.nn.TransformerEncoder(layer, num_layers=layers, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    else:
        module = layer
    module = module.double()
    for p in module.parameters():  # LayerNorm starts at 1/0; randomise so the golden values exercise every parameter
        with torch.no_grad():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(T, B, E, dtype=torch.float64, requires_grad=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T).double() if causal else None
    padding = None
    if lengths is not None:
        padding = torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]
    y = module(x, mask=mask, src_key_padding_mask=padding) if layers > 0 else module(x, src_mask=mask, src_key_padding_mask=padding)
    w = torch.randn_like(y)
    loss = (y * w).sum()
    loss.backward()
    tensors = {pname: p for pname, p in module.named_parameters()}
    tensors.update({"input": x, "w_output": w, "output": y})
    tensors.update({"grad." + pname: p.grad for pname, p in module.named_parameters()})
    tensors["grad.input"] = x.grad
    config = dict(dim=E, heads=heads, feedforward=ff, norm_first=norm_first, causal=causal, layers=max(layers, 1),
                  stack=layers > 0, steps=T, batch=B)
    metadata = {"config": json.dumps(config), "lengths": json.dumps(lengths or []), "torch_version": torch.__version__,
                "generator": "tests/golden/make_transformer_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    make_case("encoder.prenorm.padding", 1, out_dir, lengths=[5, 3, 4])
    make_case("encoder.prenorm.causal.heads4", 2, out_dir, heads=4, causal=True)
    make_case("encoder.postnorm.padding", 3, out_dir, norm_first=False, lengths=[5, 2, 4])
    make_case("stack.prenorm.causal.layers2", 4, out_dir, causal=True, layers=2)


if __name__ == "__main__":
    main()
