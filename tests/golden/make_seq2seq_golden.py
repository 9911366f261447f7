#!/usr/bin/env python3
"""Writes golden files for SeqCore's recurrent Seq2Seq (stacked layers, attention or none) from a PyTorch module.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_seq2seq_golden.py tests/SeqCore.Tests/Golden/seq2seq

The module has the attributes SeqCore's parameter names assume: source_embedding / target_embedding =
nn.Embedding(V, E, padding_idx=0); encoder = nn.LSTM / nn.GRU(E, H, L_enc, bidirectional, batch_first) over a packed
ragged batch; decoder = nn.LSTM / nn.GRU(input, D·H, L_dec) stepped one token at a time; decoder layer l starts from
encoder layer l + L_enc − L_dec (directions concatenated), zeros when there is none; attention: additive
(query_proj = Linear(Dk, A, bias=False), key_proj = Linear(Dk, A), v = Linear(A, 1, bias=False), source padding
masked), dot, or none (the top encoder layer's final states as a fixed context fed into every step and into combine);
input feeding; combine = Linear(2·Dk, Dk) + tanh; generator = Linear(Dk, V_t); mean cross-entropy over the target
tokens and <eos>, padding ignored. No dropout (evaluation mode). Each file holds, in float64: the state_dict under
PyTorch's names; "source_ids" [B, S] (padded with 0, each ending with <eos> = 1), "source_lengths" [B],
"target_ids" [B, T] (padded with −1), "target_lengths" [B]; "loss"; and "grad.<name>" for every parameter.
The metadata "config" is SeqCore's Seq2SeqConfig as JSON.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_io import write_safetensors

PAD, BOS, EOS, SOURCE_EOS = 0, 1, 2, 1


class AdditiveAttention(nn.Module):
    def __init__(self, dk, a):
        super().__init__()
        self.query_proj = nn.Linear(dk, a, bias=False)
        self.key_proj = nn.Linear(dk, a)
        self.v = nn.Linear(a, 1, bias=False)

    def scores(self, q, m):  # q [B, Dk], m [B, S, Dk] -> [B, S]
        return self.v(torch.tanh(self.query_proj(q)[:, None, :] + self.key_proj(m)))[..., 0]


class Seq2Seq(nn.Module):
    def __init__(self, vs, vt, e, h, cell, enc_layers, dec_layers, bidirectional, attention, a, feeding):
        super().__init__()
        self.dirs, self.attention_kind, self.feeding = 2 if bidirectional else 1, attention, feeding
        self.enc_layers, self.dec_layers, self.cell = enc_layers, dec_layers, cell
        dk = self.dirs * h
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.source_embedding = nn.Embedding(vs, e, padding_idx=PAD)
        self.encoder = rnn(e, h, enc_layers, bidirectional=bidirectional, batch_first=True)
        self.target_embedding = nn.Embedding(vt, e, padding_idx=PAD)
        din = e + (dk if attention == "none" else 0) + (dk if feeding else 0)
        self.decoder = rnn(din, dk, dec_layers)
        if attention == "additive":
            self.attention = AdditiveAttention(dk, a)
        self.combine = nn.Linear(2 * dk, dk)
        self.generator = nn.Linear(dk, vt)

    def bridge(self, final, batch):  # [L_enc·D, B, H] -> [L_dec, B, D·H]
        rows = []
        for l in range(self.dec_layers):
            partner = l + self.enc_layers - self.dec_layers
            if partner < 0:
                rows.append(torch.zeros(batch, final.shape[2] * self.dirs, dtype=final.dtype))
            else:
                rows.append(torch.cat([final[partner * self.dirs + d] for d in range(self.dirs)], dim=-1))
        return torch.stack(rows)

    def forward(self, source, lengths, inputs):  # source [B, S], inputs [T, B] -> logits [T, B, V]
        batch, steps = source.shape
        packed = pack_padded_sequence(self.source_embedding(source), lengths, batch_first=True, enforce_sorted=False)
        out, final = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        if self.cell == "lstm":
            state = (self.bridge(final[0], batch), self.bridge(final[1], batch))
            top = final[0]
        else:
            state = self.bridge(final, batch)
            top = final
        fixed = torch.cat([top[(self.enc_layers - 1) * self.dirs + d] for d in range(self.dirs)], dim=-1)
        mask = torch.arange(steps)[None, :] < lengths[:, None]
        feed = torch.zeros_like(fixed)
        logits = []
        for t in range(inputs.shape[0]):
            parts = [self.target_embedding(inputs[t])]
            if self.attention_kind == "none":
                parts.append(fixed)
            if self.feeding:
                parts.append(feed)
            y, state = self.decoder(torch.cat(parts, dim=-1)[None], state)
            q = y[0]
            if self.attention_kind == "none":
                context = fixed
            else:
                s = self.attention.scores(q, memory) if self.attention_kind == "additive" else (memory @ q[:, :, None])[..., 0]
                alpha = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1)
                context = (alpha[:, :, None] * memory).sum(1)
            feed = torch.tanh(self.combine(torch.cat([context, q], dim=-1)))
            logits.append(self.generator(feed))
        return torch.stack(logits)


def case(name, seed, cell, attention, enc_layers, dec_layers, feeding=True, bidirectional=True, out_dir=Path(".")):
    torch.manual_seed(seed)
    vs, vt, e, h, a = 7, 8, 4, 3, 5
    model = Seq2Seq(vs, vt, e, h, cell, enc_layers, dec_layers, bidirectional, attention, a, feeding).double()
    with torch.no_grad():  # larger weights than the initialisation, so every gradient is well above rounding
        for p in model.parameters():
            p.uniform_(-0.8, 0.8)
        model.source_embedding.weight[PAD].zero_()
        model.target_embedding.weight[PAD].zero_()
    source_lengths = torch.tensor([5, 2, 4])
    target_lengths = torch.tensor([3, 1, 4])
    batch, s, t = len(source_lengths), int(source_lengths.max()), int(target_lengths.max())
    source = torch.zeros(batch, s, dtype=torch.long)
    targets = torch.full((batch, t), -1, dtype=torch.long)
    for b in range(batch):
        source[b, :source_lengths[b] - 1] = torch.randint(2, vs, (int(source_lengths[b]) - 1,))
        source[b, source_lengths[b] - 1] = SOURCE_EOS
        targets[b, :target_lengths[b]] = torch.randint(3, vt, (int(target_lengths[b]),))
    steps = t + 1
    inputs = torch.full((steps, batch), PAD, dtype=torch.long)
    labels = torch.full((steps, batch), -100, dtype=torch.long)
    for b in range(batch):
        n = int(target_lengths[b])
        inputs[0, b] = BOS
        inputs[1:n + 1, b] = targets[b, :n]
        labels[:n, b] = targets[b, :n]
        labels[n, b] = EOS
    logits = model(source, source_lengths, inputs)
    loss = F.cross_entropy(logits.reshape(-1, vt), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    tensors = {n: p for n, p in model.named_parameters()}
    tensors.update({"source_ids": source, "source_lengths": source_lengths, "target_ids": targets,
                    "target_lengths": target_lengths, "loss": loss.reshape(1)})
    tensors.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    config = dict(model="seq2seq", sourceVocabularySize=vs, targetVocabularySize=vt, embeddingSize=e, hiddenSize=h,
                  cell=cell, encoderLayers=enc_layers, decoderLayers=dec_layers, dropout=0.0, bidirectional=bidirectional,
                  attention=attention, attentionSize=a if attention == "additive" else 0, inputFeeding=feeding)
    metadata = {"config": json.dumps(config), "torch_version": torch.__version__,
                "generator": "tests/golden/make_seq2seq_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    case("lstm.additive.layers2x2", 1, "lstm", "additive", 2, 2, out_dir=out_dir)
    case("gru.none.layers2x1", 2, "gru", "none", 2, 1, out_dir=out_dir)
    case("lstm.dot.layers1x2.nofeeding", 3, "lstm", "dot", 1, 2, feeding=False, out_dir=out_dir)
    case("gru.additive.layers3x2.unidirectional", 4, "gru", "additive", 3, 2, bidirectional=False, out_dir=out_dir)


if __name__ == "__main__":
    main()
