#!/usr/bin/env python3
"""Trains small character language models in PyTorch and saves them in SeqCore's checkpoint format, with the
PyTorch NLL of a fixed KJV excerpt (tests/SeqCore.Tests/Models/LanguageModelGoldenTests.cs checks that seqcore gives
the same NLL from the same file).

Run with Debian's python3-torch (PyTorch 1.13, CPU), from the repository root:
    /usr/bin/python3 tests/golden/make_lm_golden.py data/kjv.txt tests/SeqCore.Tests/Golden/lm

Files (weights F32, as a float32 PyTorch model has them; metadata as SeqCore writes it, plus the golden values):
  char_lstm.safetensors        CharRnnLM(V, 16, 48, 2 layers, "lstm"), trained 150 Adam steps on Genesis
  char_gru_tied.safetensors    CharRnnLM(V, 24, 24, 1 layer, "gru", tie=True), trained likewise
  char_transformer.safetensors TransformerLM(V, 32, 4 heads, 2 layers, context 32), trained likewise
Metadata "golden.text" is the excerpt (Psalm 23, not in the training text); "golden.nll" the mean NLL (nats) per
predicted character computed in float64 from the stored float32 weights, "golden.window" the window length used:
recurrent models read the excerpt as one stream with the state carried, the transformer in separate windows of its
context length (each from position 0), exactly as SeqCore's LanguageModelEvaluator does with batch 1.

The two classes and save_seqcore/load_seqcore are the snippet docs/checkpoint-format.md shows.
"""
import json
import math
import sys
from pathlib import Path

import torch
from torch import nn

from safetensors_io import read_safetensors, write_safetensors


# ---- the PyTorch modules whose state_dict names SeqCore's LanguageModel uses -------------------------------------
class CharRnnLM(nn.Module):
    """embedding -> nn.RNN/LSTM/GRU -> head; time-major [T, B] token ids."""

    def __init__(self, vocab, emb, hidden, layers=1, cell="lstm", dropout=0.0, tie=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](emb, hidden, layers, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)
        if tie:
            self.head.weight = self.embedding.weight  # needs hidden == emb
        self.config = {"model": "language-model", "arch": cell, "vocabularySize": vocab, "embeddingSize": emb,
                       "hiddenSize": hidden, "layers": layers, "dropout": dropout, "tieWeights": tie}

    def forward(self, x, state=None):
        y, state = self.rnn(self.drop(self.embedding(x)), state)
        return self.head(self.drop(y)), state


class TransformerLM(nn.Module):
    """embedding + learned positions -> causal pre-LN nn.TransformerEncoder (GELU) with a final LayerNorm -> head."""

    def __init__(self, vocab, dim, heads, layers, context, ff=0, dropout=0.0, tie=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, ff or 4 * dim, dropout, activation="gelu", norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(dim), enable_nested_tensor=False)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(dim, vocab)
        if tie:
            self.head.weight = self.embedding.weight
        self.config = {"model": "language-model", "arch": "transformer", "vocabularySize": vocab, "embeddingSize": dim,
                       "layers": layers, "dropout": dropout, "tieWeights": tie, "heads": heads,
                       "feedForwardSize": ff or 4 * dim, "contextLength": context, "positions": "learned"}

    def forward(self, x):
        t = x.shape[0]
        h = self.embedding(x) + self.pos(torch.arange(t))[:, None, :]
        mask = torch.triu(torch.full((t, t), float("-inf"), dtype=h.dtype), 1)
        return self.head(self.encoder(self.drop(h), mask=mask))


def char_tokenizer_json(symbols):
    """SeqCore's character tokenizer file: one token per code point, sorted."""
    return json.dumps({"format": "seqcore-tokenizer", "version": 1, "type": "char", "unknown": None,
                       "symbols": list(symbols)})


def save_seqcore(path, model, tokenizer_json, extra_metadata=None):
    """Writes model in SeqCore's checkpoint format (F32 under state_dict names; config and tokenizer in the header).
    A tied head is stored once, as embedding.weight."""
    state = {k: v for k, v in model.state_dict().items()}
    if model.config.get("tieWeights"):
        del state["head.weight"]
    metadata = {"seqcore.format": "seqcore-checkpoint", "seqcore.version": "1", "seqcore.dtype": "float",
                "seqcore.config": json.dumps(model.config), "seqcore.tokenizer": tokenizer_json}
    metadata.update(extra_metadata or {})
    write_safetensors(path, state, metadata, {k: "F32" for k in state})


def load_seqcore(path):
    """Reads a SeqCore language model checkpoint into the matching module; returns (model, tokenizer dict)."""
    tensors, metadata = read_safetensors(path)
    c = json.loads(metadata["seqcore.config"])
    if c["arch"] == "transformer":
        if c.get("positions", "learned") != "learned":
            raise ValueError("this snippet covers learned positions only")
        model = TransformerLM(c.get("vocabularySize", c.get("vocabSize")), c["embeddingSize"], c["heads"], c["layers"], c["contextLength"],
                              c["feedForwardSize"], c["dropout"], c["tieWeights"])
    else:
        model = CharRnnLM(c.get("vocabularySize", c.get("vocabSize")), c["embeddingSize"], c["hiddenSize"], c["layers"], c["arch"],
                          c["dropout"], c["tieWeights"])
    # A tied file has no head.weight: loading embedding.weight fills the shared tensor.
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    assert not unexpected and set(missing) <= ({"head.weight"} if c["tieWeights"] else set()), (missing, unexpected)
    return model, json.loads(metadata["seqcore.tokenizer"])


# ---- golden files ---------------------------------------------------------------------------------------------
def nll(model, ids, window):
    """Mean NLL per predicted token, B = 1, windows of `window` (state carried for recurrent models)."""
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for start in range(0, len(ids) - 1, window):
            x = ids[start:start + window][: len(ids) - 1 - start]
            y = ids[start + 1:start + 1 + len(x)]
            xt = torch.tensor(x)[:, None]
            if isinstance(model, CharRnnLM):
                logits, state = model(xt, state)
            else:
                logits = model(xt)
            total += nn.functional.cross_entropy(logits[:, 0, :], torch.tensor(y), reduction="sum").item()
            count += len(y)
    return total / count


def train(model, ids, steps, window, batch, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    data = torch.tensor(ids)
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - window - 1, (batch,))
        x = torch.stack([data[s:s + window] for s in starts], 1)
        y = torch.stack([data[s + 1:s + 1 + window] for s in starts], 1)
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return loss.item()


def main():
    kjv = Path(sys.argv[1] if len(sys.argv) > 1 else "data/kjv.txt").read_text(encoding="utf-8")
    out_dir = Path(sys.argv[2] if len(sys.argv) > 2 else ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    symbols = sorted(set(kjv))
    index = {s: i for i, s in enumerate(symbols)}
    genesis = kjv[:60000]
    at = kjv.index("Psalms 23\n")
    excerpt = kjv[at:kjv.index("Psalms 24\n")]
    train_ids = [index[ch] for ch in genesis]
    ids = [index[ch] for ch in excerpt]
    v = len(symbols)

    cases = [
        ("char_lstm", lambda: CharRnnLM(v, 16, 48, 2, "lstm"), 64),
        ("char_gru_tied", lambda: CharRnnLM(v, 24, 24, 1, "gru", tie=True), 64),
        ("char_transformer", lambda: TransformerLM(v, 32, 4, 2, 32), 32),
    ]
    for i, (name, make, window) in enumerate(cases):
        torch.manual_seed(100 + i)
        model = make()
        last = train(model, train_ids, 150, window, 16, 200 + i)
        # Round the weights to float32 (what the file stores), then score in float64.
        path = out_dir / f"{name}.safetensors"
        save_seqcore(path, model, char_tokenizer_json(symbols))
        reloaded, _ = load_seqcore(path)
        value = nll(reloaded.double(), ids, window)
        save_seqcore(path, model, char_tokenizer_json(symbols), {
            "golden.text": excerpt, "golden.nll": repr(value), "golden.window": str(window),
            "golden.generator": "tests/golden/make_lm_golden.py", "golden.torch_version": torch.__version__})
        print(f"{name}: train loss {last:.3f}, excerpt of {len(excerpt)} chars: NLL {value:.6f} nats "
              f"= {value / math.log(2):.4f} bits/char")


if __name__ == "__main__":
    main()
