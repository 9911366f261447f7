#!/usr/bin/env python3
"""Writes golden files for SeqCore's LayerNorm and Conv1d from PyTorch's nn.LayerNorm and nn.Conv1d.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_block_golden.py tests/SeqCore.Tests/Golden/blocks

Each file holds, for one configuration, computed in float64:
  the module's state_dict under PyTorch's own names (none for LayerNorm without elementwise affine);
  "input"; the loss weights "w_output"; the result "output"; and "grad.<name>" for every parameter and for the
  input, of loss = sum(output * w_output).
LayerNorm: input [N, S, D] normalised over D; weight and bias are drawn at random (not PyTorch's 1 and 0) so that
both paths are exercised. Conv1d: input [B, C_in, L]; "same" with stride 1 uses PyTorch's own padding="same";
"same" with a stride and "causal" pad explicitly with F.pad (left, right) before a valid convolution, with
total = max((ceil(L/s) - 1)*s + d*(K-1) + 1 - L, 0), left = total // 2 for "same", and left = d*(K-1), right = 0
for "causal" (Keras' layer_conv_1d(padding = "causal")).
The metadata "config" is a JSON object with the constructor arguments.
"""
import json
import sys
from pathlib import Path

import torch

import torch.nn.functional as F

from safetensors_io import write_safetensors



def finish(name, module, x, output, config, out_dir):
    w_output = torch.randn_like(output)
    loss = (output * w_output).sum()
    loss.backward()
    tensors = {}
    for pname, p in module.named_parameters():
        tensors[pname] = p
    tensors["input"] = x
    tensors["w_output"] = w_output
    tensors["output"] = output
    for pname, p in module.named_parameters():
        tensors["grad." + pname] = p.grad
    tensors["grad.input"] = x.grad
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__,
                "generator": "tests/golden/make_block_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: output {tuple(output.shape)}, loss {loss.item():.6f}")


def layernorm_case(name, seed, shape, affine=True, eps=1e-5, shift=0.0, out_dir=Path(".")):
    torch.manual_seed(seed)
    dim = shape[-1]
    module = torch.nn.LayerNorm(dim, eps=eps, elementwise_affine=affine).double()
    if affine:
        with torch.no_grad():
            module.weight.copy_(1 + 0.5 * torch.randn(dim, dtype=torch.float64))
            module.bias.copy_(0.5 * torch.randn(dim, dtype=torch.float64))
    x = (shift + torch.randn(*shape, dtype=torch.float64)).requires_grad_()
    output = module(x)
    config = dict(kind="layernorm", dim=dim, eps=eps, elementwise_affine=affine)
    finish(name, module, x, output, config, out_dir)


def conv_padding(length, kernel, stride, dilation, padding):
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    out = -(-length // stride)
    total = max((out - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def conv_case(name, seed, batch, c_in, c_out, length, kernel, stride=1, dilation=1, padding="valid", bias=True,
              out_dir=Path(".")):
    torch.manual_seed(seed)
    native_same = padding == "same" and stride == 1
    module = torch.nn.Conv1d(c_in, c_out, kernel, stride=stride, dilation=dilation, bias=bias,
                             padding="same" if native_same else 0).double()
    x = torch.randn(batch, c_in, length, dtype=torch.float64, requires_grad=True)
    if native_same:
        output = module(x)
    else:
        left, right = conv_padding(length, kernel, stride, dilation, padding)
        output = module(F.pad(x, (left, right)))
    config = dict(kind="conv1d", in_channels=c_in, out_channels=c_out, kernel_size=kernel, stride=stride,
                  dilation=dilation, padding=padding, bias=bias)
    finish(name, module, x, output, config, out_dir)


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    layernorm_case("layernorm.d7", 1, (3, 4, 7), out_dir=out_dir)
    layernorm_case("layernorm.d33", 2, (5, 33), out_dir=out_dir)
    layernorm_case("layernorm.d16.noaffine", 3, (2, 3, 16), affine=False, out_dir=out_dir)
    layernorm_case("layernorm.d9.eps1e-3.shift", 4, (6, 9), eps=1e-3, shift=5.0, out_dir=out_dir)
    conv_case("conv1d.k1.valid", 11, 2, 3, 4, 9, 1, out_dir=out_dir)
    conv_case("conv1d.k3.same", 12, 2, 3, 5, 10, 3, padding="same", out_dir=out_dir)
    conv_case("conv1d.k5.d2.same.nobias", 13, 3, 2, 4, 12, 5, dilation=2, padding="same", bias=False, out_dir=out_dir)
    conv_case("conv1d.k3.s2.valid", 14, 2, 4, 3, 11, 3, stride=2, out_dir=out_dir)
    conv_case("conv1d.k5.s2.d2.valid.nobias", 15, 2, 3, 4, 17, 5, stride=2, dilation=2, bias=False, out_dir=out_dir)
    conv_case("conv1d.k3.causal", 16, 2, 3, 4, 8, 3, padding="causal", out_dir=out_dir)
    conv_case("conv1d.k3.d2.causal", 17, 2, 3, 4, 10, 3, dilation=2, padding="causal", out_dir=out_dir)
    conv_case("conv1d.k5.s2.causal", 18, 2, 3, 2, 11, 5, stride=2, padding="causal", out_dir=out_dir)
    conv_case("conv1d.k4.same", 21, 2, 3, 2, 9, 4, padding="same", out_dir=out_dir)
    conv_case("conv1d.k4.s2.same", 19, 2, 3, 4, 9, 4, stride=2, padding="same", out_dir=out_dir)
    conv_case("conv1d.k3.s3.d2.same", 20, 1, 5, 3, 13, 3, stride=3, dilation=2, padding="same", out_dir=out_dir)


if __name__ == "__main__":
    main()
