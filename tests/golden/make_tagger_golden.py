#!/usr/bin/env python3
"""Writes golden files for SeqCore's SequenceTagger from the equivalent PyTorch module.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_tagger_golden.py tests/SeqCore.Tests/Golden/tagger

The module has the attributes SeqCore's parameter names assume: embedding = nn.Embedding(V + 1, E, padding_idx=V),
encoder = nn.LSTM / nn.GRU(E, H, layers, bidirectional) run on a packed ragged batch (zeros past each end), and
head = nn.Linear(D·H, K) at every position. The loss is cross-entropy with ignore_index=-1 over the flattened
[T·B, K] logits (row t·B + b), the padded positions carrying the target -1, so it is the mean over the real tokens.
No dropout (evaluation mode). Each file holds, in float64: the state_dict under PyTorch's names; "ids" [T, B]
time-major padded with V; "lengths" [B]; "tags" [T, B] (-1 past each end); "logits" [T·B, K]; "loss"; and
"grad.<name>" for every parameter. The metadata "config" is SeqCore's TaggerConfig as JSON.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_io import write_safetensors


class Tagger(nn.Module):
    def __init__(self, vocab, emb, hidden, tags, encoder, layers, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(vocab + 1, emb, padding_idx=vocab)
        rnn = nn.LSTM if encoder == "lstm" else nn.GRU
        self.encoder = rnn(emb, hidden, layers, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), tags)

    def forward(self, ids, lengths):
        steps = ids.shape[0]
        packed = pack_padded_sequence(self.embedding(ids), lengths, enforce_sorted=False)
        out, _ = self.encoder(packed)
        y, _ = pad_packed_sequence(out, total_length=steps)                  # [T, B, D·H], zeros past each end
        return self.head(y)                                                  # [T, B, K]


def case(name, seed, encoder, bidirectional, layers, out_dir):
    torch.manual_seed(seed)
    vocab, emb, hidden, tags = 7, 5, 6, 4
    model = Tagger(vocab, emb, hidden, tags, encoder, layers, bidirectional).double()
    lengths = torch.tensor([6, 2, 1, 4, 5])
    steps, batch = int(lengths.max()), len(lengths)
    pad = torch.arange(steps)[:, None] >= lengths[None, :]
    ids = torch.randint(0, vocab, (steps, batch))
    ids[pad] = vocab                                                         # padding id past each end
    targets = torch.randint(0, tags, (steps, batch))
    targets[pad] = -1                                                        # ignored by the loss
    logits = model(ids, lengths).reshape(steps * batch, tags)
    loss = F.cross_entropy(logits, targets.reshape(-1), ignore_index=-1)
    loss.backward()
    tensors = {n: p for n, p in model.named_parameters()}
    tensors.update({"ids": ids, "lengths": lengths, "tags": targets, "logits": logits, "loss": loss.reshape(1)})
    tensors.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    config = dict(model="tagger", vocabularySize=vocab, tags=tags, tokens="char", embeddingSize=emb, encoder=encoder,
                  hiddenSize=hidden, layers=layers, bidirectional=bidirectional, dropout=0.0)
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__,
                "generator": "tests/golden/make_tagger_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: logits {tuple(logits.shape)}, loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    case("lstm.bidirectional", 1, "lstm", True, 1, out_dir)
    case("lstm", 2, "lstm", False, 1, out_dir)
    case("gru.2layers.bidirectional", 3, "gru", True, 2, out_dir)


if __name__ == "__main__":
    main()
