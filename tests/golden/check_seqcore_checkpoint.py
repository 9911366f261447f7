#!/usr/bin/env python3
"""Loads a SeqCore LSTM checkpoint into torch.nn.LSTM (strict=True) and prints its output for a given input.

    /usr/bin/python3 tests/golden/check_seqcore_checkpoint.py model.safetensors input.safetensors

The checkpoint's "seqcore.config" metadata holds input_size, hidden_size, num_layers and bidirectional; the input
file holds "input" [T, B, input_size]. Prints the float64 output [T, B, D*hidden_size] as a flat JSON list.
Used by tests/SeqCore.Tests/IO/CheckpointTests.cs to prove PyTorch reads SeqCore's files.
"""
import json
import sys

import torch

from safetensors_io import read_safetensors


def main():
    state, metadata = read_safetensors(sys.argv[1])
    assert metadata.get("seqcore.format") == "seqcore-checkpoint", metadata.get("seqcore.format")
    config = json.loads(metadata["seqcore.config"])
    lstm = torch.nn.LSTM(config["input_size"], config["hidden_size"], num_layers=config["num_layers"],
                         bidirectional=config["bidirectional"]).double()
    lstm.load_state_dict(state, strict=True)
    x = read_safetensors(sys.argv[2])[0]["input"]
    with torch.no_grad():
        y, _ = lstm(x)
    print(json.dumps(y.reshape(-1).tolist()))


if __name__ == "__main__":
    main()
