#!/usr/bin/env python3
"""Writes golden files for SeqCore's encoder-decoder transformer from PyTorch's nn.TransformerDecoderLayer,
nn.TransformerDecoder and nn.Transformer.

Run with Debian's python3-torch (PyTorch 1.13, CPU):
    /usr/bin/python3 tests/golden/make_transformer_seq2seq_golden.py tests/SeqCore.Tests/Golden/transformer_seq2seq

decoder.*: computed in float64 with dropout 0 and activation="gelu" (exact): the module's state_dict under PyTorch's
names; "input" [T, B, E] and "memory" [S, B, E] (time-major); "w_output"; "output"; and "grad.<name>" for every
parameter, for the input and for the memory, of loss = sum(output * w_output), with the causal tgt_mask and a
memory_key_padding_mask. Metadata: "config" (JSON), "memory_lengths" (the padding mask as lengths).

model.*: the TransformerSeq2Seq wrapper below (scaled embeddings, positions, nn.Transformer, output tied to the target
embedding) on a padded batch: the state_dict, "source_ids" [B, S], "decoder_inputs" [T, B], "targets" [T, B]
(-100 = padding), "loss" (label-smoothed cross-entropy, mean over the real target tokens), "logits" [T, B, V] and
"grad.<name>" for every parameter. Metadata: "config" (the SeqCore config JSON), "source_lengths".
"""
import json
import math
import sys
from pathlib import Path

import torch

from safetensors_io import write_safetensors


def perturb(module):
    # LayerNorms start at 1/0 and biases at 0; randomise so the golden values exercise every parameter.
    for p in module.parameters():
        with torch.no_grad():
            p.add_(0.1 * torch.randn_like(p))


def padding_mask(lengths, steps):
    return torch.arange(steps)[None, :] >= torch.tensor(lengths)[:, None]


def make_decoder_case(name, seed, out_dir, T=5, S=4, B=3, E=8, heads=2, ff=16, norm_first=True, lengths=(4, 2, 3), layers=0):
    torch.manual_seed(seed)
    layer = torch.nn.TransformerDecoderLayer(E, heads, dim_feedforward=ff, dropout=0.0, activation="gelu", norm_first=norm_first)
    module = torch.nn.TransformerDecoder(layer, num_layers=layers, norm=torch.nn.LayerNorm(E)) if layers > 0 else layer
    module = module.double()
    perturb(module)
    x = torch.randn(T, B, E, dtype=torch.float64, requires_grad=True)
    memory = torch.randn(S, B, E, dtype=torch.float64, requires_grad=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T).double()
    y = module(x, memory, tgt_mask=mask, memory_key_padding_mask=padding_mask(lengths, S))
    w = torch.randn_like(y)
    (y * w).sum().backward()
    tensors = dict(module.named_parameters())
    tensors.update({"input": x, "memory": memory, "w_output": w, "output": y})
    tensors.update({"grad." + n: p.grad for n, p in module.named_parameters()})
    tensors["grad.input"] = x.grad
    tensors["grad.memory"] = memory.grad
    config = dict(dim=E, heads=heads, feedforward=ff, norm_first=norm_first, layers=max(layers, 1), stack=layers > 0)
    metadata = {"config": json.dumps(config), "memory_lengths": json.dumps(list(lengths)), "torch_version": torch.__version__,
                "generator": "tests/golden/make_transformer_seq2seq_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: output sum {y.sum().item():.6f}")


def sinusoid_table(length, dim):
    table = torch.zeros(length, dim, dtype=torch.float64)
    for p in range(length):
        for j in range(dim):
            angle = p / math.pow(10000, (j - j % 2) / dim)
            table[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return table


class TransformerSeq2Seq(torch.nn.Module):
    """What SeqCore's TransformerSeq2Seq computes, with its parameter names."""

    def __init__(self, c):
        super().__init__()
        E = c["embeddingSize"]
        self.c = c
        self.target_embedding = torch.nn.Embedding(c["targetVocabularySize"], E, padding_idx=0)
        if not c["shareEmbeddings"]:
            self.source_embedding = torch.nn.Embedding(c["sourceVocabularySize"], E, padding_idx=0)
        if c["positions"] == "learned":
            self.source_positions = torch.nn.Embedding(c["maxLength"], E)
            self.target_positions = torch.nn.Embedding(c["maxLength"], E)
        else:
            self.register_buffer("table", sinusoid_table(c["maxLength"], E))
        self.transformer = torch.nn.Transformer(E, c["heads"], c["encoderLayers"], c["decoderLayers"], c["feedForwardSize"],
                                                dropout=0.0, activation="gelu", norm_first=c["normFirst"])

    def positions(self, which, steps):
        if self.c["positions"] == "learned":
            return getattr(self, which + "_positions").weight[:steps]
        return self.table[:steps]

    def forward(self, source_ids, source_lengths, decoder_inputs):
        E = self.c["embeddingSize"]
        scale = math.sqrt(E)
        source_table = self.target_embedding if self.c["shareEmbeddings"] else self.source_embedding
        src = source_table(source_ids.t()) * scale + self.positions("source", source_ids.shape[1])[:, None, :]
        tgt = self.target_embedding(decoder_inputs) * scale + self.positions("target", decoder_inputs.shape[0])[:, None, :]
        T, S = decoder_inputs.shape[0], source_ids.shape[1]
        pad = padding_mask(source_lengths, S)
        h = self.transformer(src, tgt, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(T).double(),
                             src_key_padding_mask=pad, memory_key_padding_mask=pad)
        return h @ self.target_embedding.weight.t()


def make_model_case(name, seed, out_dir, positions="sinusoidal", norm_first=True, share=False, smoothing=0.1):
    torch.manual_seed(seed)
    c = dict(model="transformer-seq2seq", sourceVocabularySize=9, targetVocabularySize=9 if share else 10, embeddingSize=8,
             heads=2, feedForwardSize=12, encoderLayers=2, decoderLayers=2, dropout=0.0, normFirst=norm_first,
             positions=positions, maxLength=16, shareEmbeddings=share, labelSmoothing=smoothing)
    model = TransformerSeq2Seq(c).double()
    perturb(model)
    # Sources end with the source <eos> (1); targets get <bos> (1) in front and <eos> (2) behind; 0 pads.
    sources = [[3, 5, 7, 4, 1], [6, 8, 1], [4, 1]]
    targets = [[4, 6, 3], [5, 7, 8, 3, 4], [6]]
    B, S = len(sources), max(map(len, sources))
    T = max(map(len, targets)) + 1
    source_ids = torch.zeros(B, S, dtype=torch.long)
    decoder_inputs = torch.zeros(T, B, dtype=torch.long)
    target_ids = torch.full((T, B), -100, dtype=torch.long)
    for b, (s, t) in enumerate(zip(sources, targets)):
        source_ids[b, :len(s)] = torch.tensor(s)
        decoder_inputs[:len(t) + 1, b] = torch.tensor([1] + t)
        target_ids[:len(t) + 1, b] = torch.tensor(t + [2])
    lengths = [len(s) for s in sources]
    logits = model(source_ids, lengths, decoder_inputs)
    loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, -1), target_ids.reshape(-1), ignore_index=-100,
                                             label_smoothing=smoothing)
    loss.backward()
    tensors = {n: p for n, p in model.named_parameters()}
    tensors.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    tensors.update({"source_ids": source_ids, "decoder_inputs": decoder_inputs, "targets": target_ids,
                    "loss": loss.reshape(1), "logits": logits})
    metadata = {"config": json.dumps(c), "sources": json.dumps(sources), "target_sequences": json.dumps(targets),
                "torch_version": torch.__version__, "generator": "tests/golden/make_transformer_seq2seq_golden.py"}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata)
    print(f"{name}: loss {loss.item():.6f}")


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    make_decoder_case("decoder.prenorm.padding", 1, out_dir)
    make_decoder_case("decoder.postnorm.padding.heads4", 2, out_dir, norm_first=False, heads=4, lengths=(4, 1, 3))
    make_decoder_case("decoder.stack.prenorm.layers2", 3, out_dir, layers=2, T=6, S=3, lengths=(3, 3, 2))
    make_model_case("model.prenorm.sinusoidal", 11, out_dir)
    make_model_case("model.postnorm.learned", 12, out_dir, positions="learned", norm_first=False)
    make_model_case("model.prenorm.shared", 13, out_dir, share=True, smoothing=0.0)


if __name__ == "__main__":
    main()
