#!/usr/bin/env python3
"""The PyTorch side of docs/translation.md: the encoder-decoder transformer of 'Attention is all you need' built on
nn.Transformer, trained on the same token ids, sizes, schedule and wall-clock budget as SeqCore's transformer seq2seq.

    seqcore seq2seq data --data data/bible_es_en.tsv --source-column spanish --target-column english \\
        --test-books Acts --dev-books Eph --tokens bpe --vocabulary joint --merges 8000 --export runs/bible-bpe
    /usr/bin/python3 bench/translation/torch_transformer.py --data runs/bible-bpe --out runs/torch-bible \\
        --seqcore "dotnet src/SeqCore.Cli/bin/Release/net10.0/SeqCore.Cli.dll" --minutes 60 --threads 2

The token ids come from SeqCore's export (one pair a line: source ids<TAB>target ids; pad 0, <s> 1, </s> 2), so both
frameworks see exactly the same tokens; hypotheses are turned back into text with the exported vocabulary (characters,
words with their spaces, or byte-level BPE tokens read as UTF-8) and scored by the same code as SeqCore's
('seqcore score': sacreBLEU's corpus BLEU and chrF2), so the metric cannot differ either.

Model: shared token embedding (joint vocabulary; source, target and output projection tied, as --share-embeddings in
SeqCore), scaled by sqrt(E), sinusoidal positions, nn.Transformer (batch_first; ReLU as the paper, or --gelu, SeqCore's),
dropout (none on the attention probabilities unless --attention-dropout, as SeqCore), label-smoothed cross-entropy with padding ignored, Adam(0.9, 0.999, 1e-8: SeqCore's) with the inverse-square-root warm-up
schedule of Vaswani et al. eq. 3 scaled to peak at --lr after --warmup steps, gradient clipping to --clip. Batches of
length-sorted pairs of at most --batch-tokens padded source+target tokens, shuffled each epoch (seeded).

Outputs in --out: curve.csv (elapsed s, step, epoch, target tokens, train loss, dev loss, dev BLEU, dev chrF), one row
per evaluation; test.greedy.txt and test.beam.txt (the test hypotheses); summary.json (sizes, steps, tokens/s, BLEU and
chrF of greedy and beam search on the test pairs, decoding times).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="folder written by 'seqcore seq2seq data --export'")
    p.add_argument("--out", required=True, help="folder for curve.csv, hypotheses and summary.json")
    p.add_argument("--seqcore", required=True, help="command that runs the seqcore CLI (for 'seqcore score')")
    p.add_argument("--minutes", type=float, default=60.0, help="wall-clock training budget")
    p.add_argument("--eval-minutes", type=float, default=10.0, help="development BLEU every this many minutes of training")
    p.add_argument("--embed", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--encoder-layers", type=int, default=3)
    p.add_argument("--decoder-layers", type=int, default=3)
    p.add_argument("--feed-forward", type=int, default=1024)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--norm-first", action="store_true", help="pre-LN (default post-LN as the paper)")
    p.add_argument("--gelu", action="store_true", help="GELU in the feed-forward block (default ReLU as the paper)")
    p.add_argument("--attention-dropout", action="store_true",
                   help="also drop attention probabilities, as nn.Transformer does by default (SeqCore does not; off unless given)")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of the warm-up schedule")
    p.add_argument("--warmup", type=int, default=4000)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--batch-tokens", type=int, default=4096)
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--alpha", type=float, default=0.6)
    p.add_argument("--max-length-ratio", type=float, default=2.0)
    p.add_argument("--max-length-extra", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--test-limit", type=int, default=0, help="score only the first N test pairs (a smoke test; 0 = all)")
    p.add_argument("--no-decode", action="store_true", help="stop after training: save model.pt and train.json, decode later with --decode-only")
    p.add_argument("--decode-only", action="store_true", help="load model.pt from --out and decode the test pairs")
    return p.parse_args()


PAD, BOS, EOS = 0, 1, 2


def read_pairs(path):
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        src, sep, tgt = line.partition("\t")
        if not sep:
            raise SystemExit(f"{path}:{number}: no tab")
        pairs.append(([int(t) for t in src.split()], [int(t) for t in tgt.split()]))
    return pairs


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (what SeqCore's byte-level BPE tokens are spelled in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class Detokenizer:
    """Target ids -> text, as Seq2SeqVocabulary.DecodeTarget: stop at </s>, skip other specials."""

    def __init__(self, vocabulary_json):
        v = json.loads(Path(vocabulary_json).read_text(encoding="utf-8"))
        if v.get("type") != "seq2seq":
            raise SystemExit(f"{vocabulary_json}: not a SeqCore seq2seq vocabulary (type {v.get('type')!r})")
        self.kind = v["tokens"]
        side = v["shared"] if v["joint"] else v["target"]
        if self.kind == "bpe":
            self.tokens, self.first = side["vocabulary"], 3
            self.byte_of = bytes_to_unicode()
        elif self.kind == "word":
            self.tokens, self.first = side, 4
        else:
            self.tokens, self.first = side, 3
        self.size = self.first + len(self.tokens)

    def decode(self, ids):
        kept = []
        for i in ids:
            if i == EOS:
                break
            if self.first <= i < self.size:
                kept.append(self.tokens[i - self.first])
            elif self.kind == "word" and i == 3:
                kept.append("<unk>")
        if self.kind == "bpe":
            return bytes(self.byte_of[c] for c in "".join(kept)).decode("utf-8", errors="replace")
        return "".join(kept)


def token_batches(pairs, max_tokens, rng):
    """Length-sorted pairs cut into batches of at most max_tokens padded source + target(+1) tokens, shuffled."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]), len(pairs[i][1])))
    batches, current, longest_s, longest_t = [], [], 0, 0
    for i in order:
        s, t = len(pairs[i][0]), len(pairs[i][1]) + 1
        ls, lt = max(longest_s, s), max(longest_t, t)
        if current and (len(current) + 1) * (ls + lt) > max_tokens:
            batches.append(current)
            current, ls, lt = [], s, t
        current.append(i)
        longest_s, longest_t = ls, lt
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def main():
    args = parse_args()
    # As bench/compare/torch_bench.py: the thread count fixed for torch's pool and for the BLAS it calls (otherwise
    # OpenBLAS starts a thread per core under every OpenMP thread), and glibc told to keep freed memory (PyTorch frees
    # and reallocates its tensors every step; by default glibc returns them to the kernel, page fault by page fault).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "compare"))
    from torch_bench import keep_freed_memory
    malloc = keep_freed_memory()
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    detok = Detokenizer(data / "vocabulary.json")
    vocab = json.loads((data / "vocabulary.json").read_text(encoding="utf-8"))
    if not vocab["joint"]:
        raise SystemExit("torch_transformer.py: export a joint vocabulary (--vocabulary joint): the embeddings are shared")
    V = detok.size
    train, dev, test = (read_pairs(data / f"{n}.ids") for n in ("train", "dev", "test"))
    if args.test_limit > 0:
        test = test[: args.test_limit]
    dev_refs = [detok.decode(t) for _, t in dev]
    test_refs = (data / "test.reference").read_text(encoding="utf-8").splitlines()
    test_refs = test_refs[: len(test)]
    roundtrip = sum(detok.decode(t) == r for (_, t), r in zip(test, test_refs))
    print(f"data: {len(train)} train, {len(dev)} dev, {len(test)} test pairs; vocabulary {V} ({detok.kind}); "
          f"test references decoded back exactly: {roundtrip}/{len(test)}", flush=True)

    E = args.embed
    F = torch.nn.functional

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, E, padding_idx=PAD)
            torch.nn.init.normal_(self.embedding.weight, 0, E ** -0.5)
            self.transformer = torch.nn.Transformer(E, args.heads, args.encoder_layers, args.decoder_layers, args.feed_forward, args.dropout,
                                                    activation="gelu" if args.gelu else "relu", batch_first=True, norm_first=args.norm_first)
            if not args.attention_dropout:  # SeqCore's attention drops no probabilities; nn.Transformer's does
                for layer in [*self.transformer.encoder.layers, *self.transformer.decoder.layers]:
                    layer.self_attn.dropout = 0.0
                    if hasattr(layer, "multihead_attn"):
                        layer.multihead_attn.dropout = 0.0
            self.drop = torch.nn.Dropout(args.dropout)
            pos = torch.arange(1024).unsqueeze(1)
            div = torch.exp(torch.arange(0, E, 2) * (-math.log(10000.0) / E))
            pe = torch.zeros(1024, E)
            pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
            self.register_buffer("pe", pe)

        def embed(self, ids):
            return self.drop(self.embedding(ids) * math.sqrt(E) + self.pe[: ids.shape[1]])

        def encode(self, src):
            mask = src == PAD
            return self.transformer.encoder(self.embed(src), src_key_padding_mask=mask), mask

        def decode(self, tgt_in, memory, memory_mask, last_only=False):
            """Logits of every target position, or of the last only (decoding: nn.Transformer has no cache, so each step
            runs the decoder over the whole prefix, but only the last position is projected onto the vocabulary)."""
            T = tgt_in.shape[1]
            causal = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
            y = self.transformer.decoder(self.embed(tgt_in), memory, tgt_mask=causal, tgt_key_padding_mask=tgt_in == PAD,
                                         memory_key_padding_mask=memory_mask)
            if last_only:
                y = y[:, -1]
            return y @ self.embedding.weight.t()  # output projection tied to the embedding

        def step(self, tokens, t, memory, memory_mask, caches):
            """One decoding step of the pre-LN decoder (eval mode) with a cache per layer of the normalised inputs of the
            earlier positions (the self-attention's keys and values are projected from them): tokens [R] at position
            t -> logits [R, V]. nn.Transformer has no cache of its own; this gives every step O(t) work as SeqCore's."""
            x = self.embedding(tokens).unsqueeze(1) * math.sqrt(E) + self.pe[t:t + 1]
            for i, layer in enumerate(self.transformer.decoder.layers):
                n1 = layer.norm1(x)
                caches[i] = n1 if caches[i] is None else torch.cat([caches[i], n1], 1)
                x = x + layer.self_attn(n1, caches[i], caches[i], need_weights=False)[0]
                x = x + layer.multihead_attn(layer.norm2(x), memory, memory, key_padding_mask=memory_mask, need_weights=False)[0]
                x = x + layer.linear2(layer.activation(layer.linear1(layer.norm3(x))))
            return self.transformer.decoder.norm(x)[:, -1] @ self.embedding.weight.t()

    model = Model()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)  # SeqCore's Adam defaults
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=args.label_smoothing)

    def lr_at(step):  # Vaswani et al. eq. 3, scaled so that the peak (step = warmup) is args.lr
        return args.lr * min(step ** -0.5, step * args.warmup ** -1.5) * args.warmup ** 0.5

    def tensors(batch, pairs):
        S = max(len(pairs[i][0]) for i in batch)
        T = max(len(pairs[i][1]) for i in batch) + 1
        src = torch.zeros(len(batch), S, dtype=torch.long)
        tin = torch.zeros(len(batch), T, dtype=torch.long)
        tout = torch.zeros(len(batch), T, dtype=torch.long)
        for r, i in enumerate(batch):
            s, t = pairs[i]
            src[r, : len(s)] = torch.tensor(s)
            tin[r, : len(t) + 1] = torch.tensor([BOS] + t)
            tout[r, : len(t) + 1] = torch.tensor(t + [EOS])
        return src, tin, tout

    def dev_loss():
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for batch in token_batches(dev, args.batch_tokens, random.Random(0)):
                src, tin, tout = tensors(batch, dev)
                memory, mask = model.encode(src)
                logits = model.decode(tin, memory, mask)
                n = int((tout != PAD).sum())
                total += float(F.cross_entropy(logits.reshape(-1, V), tout.reshape(-1), ignore_index=PAD, reduction="sum"))
                count += n
        model.train()
        return total / count

    def sources(part):
        src = torch.zeros(len(part), max(len(x) for x, _ in part), dtype=torch.long)
        for r, (x, _) in enumerate(part):
            src[r, : len(x)] = torch.tensor(x)
        return src

    def greedy(pairs, chunk=64):
        """Batched greedy decoding through Model.step (the per-layer cache); each row stops at </s> or its limit."""
        model.eval()
        hyps = []
        with torch.no_grad():
            for start in range(0, len(pairs), chunk):
                part = pairs[start:start + chunk]
                limit = [math.ceil(args.max_length_ratio * len(x)) + args.max_length_extra for x, _ in part]
                memory, mask = model.encode(sources(part))
                caches = [None] * len(model.transformer.decoder.layers)
                last = torch.full((len(part),), BOS, dtype=torch.long)
                out_ids = [[] for _ in part]
                done = [False] * len(part)
                for t in range(max(limit)):
                    last = model.step(last, t, memory, mask, caches).argmax(-1)
                    for r, tok in enumerate(last.tolist()):
                        if not done[r]:
                            out_ids[r].append(tok)
                            done[r] = tok == EOS or len(out_ids[r]) >= limit[r]
                    if all(done):
                        break
                hyps += [detok.decode(ids) for ids in out_ids]
        model.train()
        return hyps

    def check_cache(pairs):
        """The cached steps give the logits of the full decoder over the same prefix (a self-check before decoding)."""
        model.eval()
        with torch.no_grad():
            part = pairs[:4]
            memory, mask = model.encode(sources(part))
            caches = [None] * len(model.transformer.decoder.layers)
            ys = torch.full((len(part), 1), BOS, dtype=torch.long)
            for t in range(6):
                cached = model.step(ys[:, -1], t, memory, mask, caches)
                full = model.decode(ys, memory, mask, last_only=True)
                if not torch.allclose(cached, full, atol=1e-3, rtol=1e-4):
                    raise SystemExit(f"torch_transformer.py: cached decoding differs from the full decoder at step {t}: "
                                     f"{float((cached - full).abs().max())}")
                ys = torch.cat([ys, full.argmax(-1, keepdim=True)], 1)
        model.train()

    def beam(pairs, k):
        """Beam search per sentence with GNMT length normalisation ((5+|Y|)/6)^alpha, SeqCore's rule, through the cache."""
        model.eval()
        hyps = []
        with torch.no_grad():
            for x, _ in pairs:
                memory, mask = model.encode(torch.tensor([x]))
                limit = math.ceil(args.max_length_ratio * len(x)) + args.max_length_extra
                caches = [None] * len(model.transformer.decoder.layers)
                live = [([BOS], 0.0)]
                finished = []
                for step in range(1, limit + 1):
                    rows = len(live)
                    last = torch.tensor([h[-1] for h, _ in live])
                    logp = F.log_softmax(model.step(last, step - 1, memory.expand(rows, -1, -1), mask.expand(rows, -1), caches), -1)
                    scores = logp + torch.tensor([lp for _, lp in live]).unsqueeze(1)
                    top = scores.view(-1).topk(min(2 * k, scores.numel()))
                    nxt, parents = [], []
                    for rank, (value, j) in enumerate(zip(top.values.tolist(), top.indices.tolist())):
                        row, tok = divmod(j, V)
                        if tok == EOS:
                            if rank < k:
                                n = len(live[row][0])
                                finished.append((live[row][0][1:] + [EOS], value / ((5 + n) / 6) ** args.alpha))
                        elif len(nxt) < k:
                            nxt.append((live[row][0] + [tok], value))
                            parents.append(row)
                    if len(finished) >= k or not nxt:
                        break
                    if step == limit:
                        finished += [(h[1:], lp / ((5 + len(h) - 1) / 6) ** args.alpha) for h, lp in nxt]
                        break
                    index = torch.tensor(parents)
                    caches = [c.index_select(0, index) for c in caches]
                    live = nxt
                best = max(finished, key=lambda f: f[1])[0] if finished else []
                hyps.append(detok.decode(best))
        model.train()
        return hyps

    def score(hyps, refs, name):
        hyp_file, ref_file = out / f"{name}.hyp.txt", out / f"{name}.ref.txt"
        hyp_file.write_text("".join(h + "\n" for h in hyps), encoding="utf-8")
        ref_file.write_text("".join(r + "\n" for r in refs), encoding="utf-8")
        cmd = args.seqcore.split() + ["score", "--hypotheses", str(hyp_file), "--references", str(ref_file), "--json"]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        return {"bleu": result["bleu"]["score"], "chrf": result["chrf"]["score"], "bleu_line": result["bleu"]["format"]}

    print(f"model: nn.Transformer E={E}, {args.heads} heads, {args.encoder_layers}+{args.decoder_layers} layers, FF {args.feed_forward}, "
          f"{'pre' if args.norm_first else 'post'}-LN; {params:,} parameters; batches of {args.batch_tokens} tokens; "
          f"{args.threads} threads; torch {torch.__version__}; malloc: {malloc}", flush=True)
    def decode_and_report(trained):
        """Greedy and beam decoding of the test pairs through the cache, timed, scored by 'seqcore score'."""
        t0 = time.perf_counter()
        g = greedy(test)
        greedy_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        b = beam(test, args.beam)
        beam_s = time.perf_counter() - t0
        sg, sb = score(g, test_refs, "test.greedy"), score(b, test_refs, "test.beam")
        summary = {"framework": f"torch {torch.__version__}", **trained, "test_pairs": len(test),
                   "test_greedy_bleu": sg["bleu"], "test_greedy_chrf": sg["chrf"], "test_greedy_bleu_line": sg["bleu_line"],
                   "test_beam_bleu": sb["bleu"], "test_beam_chrf": sb["chrf"], "test_beam_bleu_line": sb["bleu_line"],
                   "greedy_sentences_per_s": len(test) / greedy_s, "beam_sentences_per_s": len(test) / beam_s, "beam": args.beam,
                   "args": vars(args)}
        (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
        print(json.dumps(summary), flush=True)
        return 0

    if args.decode_only:
        model.load_state_dict(torch.load(out / "model.pt"))
        trained = json.loads((out / "train.json").read_text())
        check_cache(test)
        return decode_and_report(trained)
    curve = open(out / "curve.csv", "w")
    curve.write("elapsed_s,step,epoch,target_tokens,train_loss,dev_loss,dev_bleu,dev_chrf\n")
    budget = args.minutes * 60
    train_seconds, step, epoch, tokens_seen, next_eval = 0.0, 0, 0, 0, args.eval_minutes * 60
    recent = []
    while train_seconds < budget:
        epoch += 1
        for batch in token_batches(train, args.batch_tokens, rng):
            t0 = time.perf_counter()
            src, tin, tout = tensors(batch, train)
            step += 1
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad()
            memory, mask = model.encode(src)
            loss = loss_fn(model.decode(tin, memory, mask).reshape(-1, V), tout.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            train_seconds += time.perf_counter() - t0
            tokens_seen += int((tout != PAD).sum())
            recent.append(float(loss))
            if train_seconds >= next_eval:  # development BLEU (not counted in the budget); none past the budget
                dl = dev_loss()
                sc = score(greedy(dev), dev_refs, "dev.greedy")
                curve.write(f"{train_seconds:.1f},{step},{epoch},{tokens_seen},{sum(recent) / len(recent):.4f},{dl:.4f},{sc['bleu']:.2f},{sc['chrf']:.2f}\n")
                curve.flush()
                print(f"{train_seconds / 60:6.1f} min  step {step}  epoch {epoch}  train loss {sum(recent) / len(recent):.3f}  "
                      f"dev loss {dl:.3f}  dev BLEU {sc['bleu']:.2f}  chrF2 {sc['chrf']:.2f}  {tokens_seen / train_seconds:,.0f} target tokens/s", flush=True)
                recent = []
                next_eval += args.eval_minutes * 60
            if train_seconds >= budget:
                break
    curve.close()
    torch.save(model.state_dict(), out / "model.pt")
    trained = {"parameters": params, "steps": step, "epochs": epoch, "train_seconds": train_seconds, "target_tokens": tokens_seen,
               "target_tokens_per_s": tokens_seen / train_seconds}
    (out / "train.json").write_text(json.dumps(trained) + "\n")
    print(json.dumps(trained), flush=True)
    if args.no_decode:
        return 0
    check_cache(test)
    return decode_and_report(trained)


if __name__ == "__main__":
    sys.exit(main())
