#!/usr/bin/env python3
"""Writes golden files for SeqCore's MultiHeadAttention from PyTorch's nn.MultiheadAttention.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_attention_golden.py tests/SeqCore.Tests/Golden/attention

Each file holds, for one configuration, computed in float64:
  the module's state_dict under PyTorch's own names (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias);
  "query" (and, for cross attention, "key" and "value") in the module's layout ([T, B, E], or [B, T, E] with
  batch_first); the loss weights "w_output"; the results "output" and "attn_weights" (need_weights=True,
  averaged over heads, [B, Tq, Tk]); and "grad.<name>" for every parameter and for the inputs, of
  loss = sum(output * w_output). Self-attention passes the same tensor as query, key and value, so "grad.query"
  is the whole gradient of that one input.
Masks: "causal" is a boolean upper-triangular attn_mask (True above the diagonal = not allowed); "lengths" becomes a
right-padded key_padding_mask (True = ignore). The metadata "config" is a JSON object with the options.
"""
import json
import sys
from pathlib import Path

import torch

from safetensors_io import write_safetensors



def make_case(name, seed, E=8, heads=1, B=3, Tq=5, Tk=5, cross=False, causal=False, lengths=None,
              batch_first=False, out_dir=Path(".")):
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(E, heads, batch_first=batch_first).double()
    with torch.no_grad():  # PyTorch starts the biases at 0; random ones make their gradients visible
        module.in_proj_bias.normal_(0, 0.5)
        module.out_proj.bias.normal_(0, 0.5)

    def seq(T):
        shape = (B, T, E) if batch_first else (T, B, E)
        return torch.randn(*shape, dtype=torch.float64, requires_grad=True)

    query = seq(Tq)
    key = seq(Tk) if cross else query
    value = seq(Tk) if cross else query
    attn_mask = torch.triu(torch.ones(Tq, Tk, dtype=torch.bool), diagonal=1) if causal else None
    padding = None
    if lengths is not None:
        padding = torch.arange(Tk).unsqueeze(0) >= torch.tensor(lengths).unsqueeze(1)  # [B, Tk], True = ignore

    output, weights = module(query, key, value, key_padding_mask=padding, need_weights=True,
                             attn_mask=attn_mask, average_attn_weights=True)
    w_output = torch.randn_like(output)
    loss = (output * w_output).sum()
    loss.backward()

    tensors = {}
    for pname, p in module.named_parameters():
        tensors[pname] = p
    tensors["query"] = query
    if cross:
        tensors["key"] = key
        tensors["value"] = value
    tensors["w_output"] = w_output
    tensors["output"] = output
    tensors["attn_weights"] = weights
    for pname, p in module.named_parameters():
        tensors["grad." + pname] = p.grad
    tensors["grad.query"] = query.grad
    if cross:
        tensors["grad.key"] = key.grad
        tensors["grad.value"] = value.grad

    config = dict(embed_dim=E, num_heads=heads, batch=B, query_length=Tq, key_length=Tk, cross=cross,
                  causal=causal, batch_first=batch_first)
    metadata = {"config": json.dumps(config), "lengths": json.dumps(lengths or []),
                "torch_version": torch.__version__, "generator": "tests/golden/make_attention_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    make_case("mha.self.heads1", 1, out_dir=out_dir)
    make_case("mha.self.heads4.causal", 2, heads=4, causal=True, out_dir=out_dir)
    make_case("mha.self.heads4.padding", 3, heads=4, lengths=[5, 2, 4], out_dir=out_dir)
    make_case("mha.self.heads4.causal.padding.batchfirst", 4, heads=4, Tq=7, Tk=7, causal=True,
              lengths=[7, 3, 5], batch_first=True, out_dir=out_dir)
    make_case("mha.cross.heads4.padding", 5, heads=4, Tq=3, Tk=6, cross=True, lengths=[6, 1, 4], out_dir=out_dir)
    make_case("mha.cross.heads1.batchfirst", 6, Tq=6, Tk=4, cross=True, batch_first=True, out_dir=out_dir)
    make_case("mha.cross.heads2.causal.padding", 7, heads=2, Tq=5, Tk=7, cross=True, causal=True,
              lengths=[7, 4, 2], out_dir=out_dir)


if __name__ == "__main__":
    main()
