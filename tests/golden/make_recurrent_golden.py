#!/usr/bin/env python3
"""Writes golden files for SeqCore's recurrent layers from PyTorch's nn.RNN / nn.LSTM / nn.GRU.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_recurrent_golden.py tests/SeqCore.Tests/Golden/recurrent

Each file holds, for one configuration, computed in float64:
  the module's state_dict under PyTorch's own names; "input" [T, B, I] (time-major); "h0" (and "c0");
  the loss weights "w_output", "w_hn" (and "w_cn"); the results "output", "hn" (and "cn");
  and "grad.<name>" for every parameter and for input, h0 (and c0), of
  loss = sum(output * w_output) + sum(hn * w_hn) [+ sum(cn * w_cn)].
Ragged cases run through pack_padded_sequence / pad_packed_sequence(total_length=T); "lengths" is in the metadata.
The metadata "config" is a JSON object with the constructor arguments.
"""
import json
import sys
from pathlib import Path

import torch

from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_io import write_safetensors



def make_case(name, cell, seed, T=5, B=3, I=4, H=6, layers=1, bidirectional=False, proj_size=0,
              nonlinearity="tanh", lengths=None, out_dir=Path(".")):
    torch.manual_seed(seed)
    kwargs = dict(input_size=I, hidden_size=H, num_layers=layers, bidirectional=bidirectional)
    if cell == "lstm":
        module = torch.nn.LSTM(proj_size=proj_size, **kwargs)
    elif cell == "gru":
        module = torch.nn.GRU(**kwargs)
    else:
        module = torch.nn.RNN(nonlinearity=nonlinearity, **kwargs)
    module = module.double()
    D = 2 if bidirectional else 1
    P = proj_size if proj_size > 0 else H
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = (0.5 * torch.randn(layers * D, B, P, dtype=torch.float64)).requires_grad_()
    c0 = (0.5 * torch.randn(layers * D, B, H, dtype=torch.float64)).requires_grad_()
    state = (h0, c0) if cell == "lstm" else h0

    if lengths is None:
        output, final = module(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        packed_out, final = module(packed, state)
        output, _ = pad_packed_sequence(packed_out, total_length=T)
    hn, cn = (final if cell == "lstm" else (final, None))

    w_output = torch.randn_like(output)
    w_hn = torch.randn_like(hn)
    loss = (output * w_output).sum() + (hn * w_hn).sum()
    tensors = {}
    if cn is not None:
        w_cn = torch.randn_like(cn)
        loss = loss + (cn * w_cn).sum()
    loss.backward()

    for pname, p in module.named_parameters():
        tensors[pname] = p
    tensors["input"] = x
    tensors["h0"] = h0
    if cell == "lstm":
        tensors["c0"] = c0
    tensors["w_output"] = w_output
    tensors["w_hn"] = w_hn
    if cn is not None:
        tensors["w_cn"] = w_cn
    tensors["output"] = output
    tensors["hn"] = hn
    if cn is not None:
        tensors["cn"] = cn
    for pname, p in module.named_parameters():
        tensors["grad." + pname] = p.grad
    tensors["grad.input"] = x.grad
    tensors["grad.h0"] = h0.grad
    if cell == "lstm":
        tensors["grad.c0"] = c0.grad

    config = dict(cell=cell, input_size=I, hidden_size=H, num_layers=layers, bidirectional=bidirectional,
                  proj_size=proj_size, nonlinearity=nonlinearity, steps=T, batch=B)
    metadata = {"config": json.dumps(config), "lengths": json.dumps(lengths or []),
                "torch_version": torch.__version__, "generator": "tests/golden/make_recurrent_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    ragged = [5, 2, 4]
    make_case("lstm", "lstm", 1, out_dir=out_dir)
    make_case("lstm.bidirectional.layers2", "lstm", 2, layers=2, bidirectional=True, out_dir=out_dir)
    make_case("lstm.proj.bidirectional", "lstm", 3, proj_size=3, bidirectional=True, out_dir=out_dir)
    make_case("lstm.packed.bidirectional.layers2", "lstm", 4, layers=2, bidirectional=True, lengths=ragged, out_dir=out_dir)
    make_case("lstm.proj.packed.layers2", "lstm", 5, layers=2, proj_size=4, lengths=ragged, out_dir=out_dir)
    make_case("gru", "gru", 6, out_dir=out_dir)
    make_case("gru.bidirectional.layers2", "gru", 7, layers=2, bidirectional=True, out_dir=out_dir)
    make_case("gru.packed.bidirectional", "gru", 8, bidirectional=True, lengths=ragged, out_dir=out_dir)
    make_case("rnn.tanh", "rnn", 9, out_dir=out_dir)
    make_case("rnn.relu.bidirectional.layers2", "rnn", 10, layers=2, bidirectional=True, nonlinearity="relu", out_dir=out_dir)
    make_case("rnn.tanh.packed.bidirectional", "rnn", 11, bidirectional=True, lengths=ragged, out_dir=out_dir)


if __name__ == "__main__":
    main()
