#!/usr/bin/env python3
"""Writes golden files for SeqCore's SequenceClassifier from an equivalent PyTorch module.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_classifier_golden.py tests/SeqCore.Tests/Golden/classifier

The module has the attributes SeqCore's parameter names assume: embedding = nn.Embedding(V + 1, E, padding_idx=V),
encoder = nn.LSTM / nn.GRU / nn.RNN(E, H, layers, bidirectional) run on a packed ragged batch (with go_backwards, on
each sequence's valid prefix flipped, as Keras' LSTM(go_backwards=True) reads it), or nn.Conv1d(E, H, K,
padding="same") + ReLU; pooling over each sequence's own steps (mean, max, or last: the last layer's final state of
each direction for recurrent encoders, the output at the last valid step for conv); hidden = nn.ModuleList of
nn.Linear with ReLU after each; head = nn.Linear(F', K) with cross-entropy, or for the binary head nn.Linear(F', 1)
with BCEWithLogits against the labels 0/1 (the lecture's Keras pipeline: Embedding → LSTM(go_backwards=True) →
GlobalAveragePooling1D → Dense(relu) → Dense(1, sigmoid), binary cross-entropy). No dropout (evaluation mode). Each file holds, in float64: the state_dict under PyTorch's names; "ids" [T, B]
time-major padded with V (in the given order, not flipped); "lengths" [B]; "labels" [B]; "logits" [B, K] or [B, 1];
"loss" (mean cross-entropy, or mean binary cross-entropy); and
"grad.<name>" for every parameter. The metadata "config" is SeqCore's SequenceClassifierConfig as JSON.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_io import write_safetensors


class Classifier(nn.Module):
    def __init__(self, vocab, emb, hidden, classes, encoder, layers, bidirectional, kernel, pooling,
                 go_backwards=False, dense=(), binary=False):
        super().__init__()
        self.kind, self.pooling, self.dirs = encoder, pooling, 2 if bidirectional else 1
        self.go_backwards = go_backwards
        self.embedding = nn.Embedding(vocab + 1, emb, padding_idx=vocab)
        if encoder == "lstm":
            self.encoder = nn.LSTM(emb, hidden, layers, bidirectional=bidirectional)
        elif encoder == "gru":
            self.encoder = nn.GRU(emb, hidden, layers, bidirectional=bidirectional)
        elif encoder == "rnn":
            self.encoder = nn.RNN(emb, hidden, layers, bidirectional=bidirectional)
        else:
            self.encoder = nn.Conv1d(emb, hidden, kernel, padding="same")
        features = hidden * (self.dirs if encoder != "conv" else 1)
        widths = [features, *dense]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.head = nn.Linear(widths[-1], 1 if binary else classes)

    def forward(self, ids, lengths):
        steps, batch = ids.shape
        if self.go_backwards:                                            # flip each valid prefix; padding stays at the end
            ids = ids.clone()
            for b in range(batch):
                ids[:lengths[b], b] = ids[:lengths[b], b].flip(0)
        x = self.embedding(ids)                                          # [T, B, E]
        mask = torch.arange(steps)[:, None] < lengths[None, :]           # [T, B]
        if self.kind == "conv":
            y = F.relu(self.encoder(x.permute(1, 2, 0))).permute(2, 0, 1)  # [T, B, H]
        else:
            packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
            out, h = self.encoder(packed)
            if self.kind == "lstm":
                h = h[0]
            y, _ = pad_packed_sequence(out, total_length=steps)          # [T, B, D·H], zeros past each end
        if self.pooling == "mean":
            pooled = (y * mask[..., None]).sum(0) / lengths[:, None]
        elif self.pooling == "max":
            pooled = y.masked_fill(~mask[..., None], float("-inf")).amax(0)
        elif self.kind == "conv":
            pooled = y[lengths - 1, torch.arange(batch)]
        else:
            pooled = torch.cat([h[-self.dirs + d] for d in range(self.dirs)], dim=-1)
        for layer in self.hidden:
            pooled = F.relu(layer(pooled))
        return self.head(pooled)


def case(name, seed, encoder, pooling, bidirectional=False, layers=1, kernel=3, out_dir=Path("."),
         go_backwards=False, dense=(), binary=False):
    torch.manual_seed(seed)
    vocab, emb, hidden, classes = 7, 5, 6, 2 if binary else 3
    model = Classifier(vocab, emb, hidden, classes, encoder, layers, bidirectional, kernel, pooling,
                       go_backwards, dense, binary).double()
    lengths = torch.tensor([6, 2, 1, 4, 5])
    steps, batch = int(lengths.max()), len(lengths)
    ids = torch.randint(0, vocab, (steps, batch))
    ids[torch.arange(steps)[:, None] >= lengths[None, :]] = vocab       # padding id past each end
    labels = torch.randint(0, classes, (batch,))
    logits = model(ids, lengths)
    if binary:
        loss = F.binary_cross_entropy_with_logits(logits[:, 0], labels.double())
    else:
        loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors = {n: p for n, p in model.named_parameters()}
    tensors.update({"ids": ids, "lengths": lengths, "labels": labels, "logits": logits, "loss": loss.reshape(1)})
    tensors.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    config = dict(model="sequence-classifier", vocabulary_size=vocab, classes=classes, embedding_dim=emb, encoder=encoder,
                  hidden_size=hidden, layers=layers, bidirectional=bidirectional, kernel_size=kernel, pooling=pooling,
                  dropout=0.0, max_length=0)
    if go_backwards or dense or binary:  # keys the classifier gained with the Keras pipeline (old files lack them)
        config.update(go_backwards=go_backwards, hidden_layers=list(dense), head="binary" if binary else "softmax")
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__,
                "generator": "tests/golden/make_classifier_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: logits {tuple(logits.shape)}, loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    case("lstm.bidirectional.mean", 1, "lstm", "mean", bidirectional=True, out_dir=out_dir)
    case("lstm.2layers.last", 2, "lstm", "last", layers=2, out_dir=out_dir)
    case("lstm.bidirectional.last", 3, "lstm", "last", bidirectional=True, out_dir=out_dir)
    case("gru.max", 4, "gru", "max", out_dir=out_dir)
    case("gru.bidirectional.last", 5, "gru", "last", bidirectional=True, out_dir=out_dir)
    case("gru.2layers.bidirectional.max", 6, "gru", "max", bidirectional=True, layers=2, out_dir=out_dir)
    case("conv.k3.mean", 7, "conv", "mean", out_dir=out_dir)
    case("conv.k5.max", 8, "conv", "max", kernel=5, out_dir=out_dir)
    case("conv.k3.last", 9, "conv", "last", out_dir=out_dir)
    # The lecture's Keras pipeline, and its parts apart.
    case("keras.lstm.backwards.mean.dense8.binary", 10, "lstm", "mean", go_backwards=True, dense=(8,), binary=True, out_dir=out_dir)
    case("gru.backwards.last.dense7.4.binary", 11, "gru", "last", go_backwards=True, dense=(7, 4), binary=True, out_dir=out_dir)
    case("rnn.backwards.max.dense5", 12, "rnn", "max", go_backwards=True, dense=(5,), out_dir=out_dir)
    case("rnn.bidirectional.mean.binary", 13, "rnn", "mean", bidirectional=True, binary=True, out_dir=out_dir)


if __name__ == "__main__":
    main()
