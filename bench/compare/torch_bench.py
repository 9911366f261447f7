#!/usr/bin/env python3
"""Times PyTorch (CPU) on the cases SeqCore benchmarks, printing one JSON object per line.

    /usr/bin/python3 bench/compare/torch_bench.py gemm --shapes 1024x1024x1024 --threads 1
    /usr/bin/python3 bench/compare/torch_bench.py lstm --seq 64 --batch 32 --input 256 --hidden 256 --threads 2
    /usr/bin/python3 bench/compare/torch_bench.py mha --seq 256 --batch 16 --embed 512 --heads 8 --threads 2
    /usr/bin/python3 bench/compare/torch_bench.py lm --arch lstm --vocab 96 --embed 256 --hidden 512 --layers 2 --seq 64 --batch 32
    /usr/bin/python3 bench/compare/torch_bench.py generate --arch transformer --embed 128 --layers 2 --heads 4 --streams 8
    /usr/bin/python3 bench/compare/torch_bench.py seq2seq --layers 3 --vocab 8259 --embed 256 --heads 4 --ff 1024 --source 32 --target 32 --batch 64

The thread count is fixed before torch is imported, for torch's own pool (OpenMP) and for the BLAS it calls
(OpenBLAS or another libblas.so.3), so "1 thread" is one thread: otherwise OpenBLAS starts one thread per core
under every OpenMP thread. Fields: suite, case, median_ms (forward + backward for recurrent cells and mha), min_ms,
forward_ms (recurrent, mha), threads, blas (the BLAS library torch resolved), torch_version, malloc.

glibc's malloc is told to keep the memory it frees (mallopt, before torch is imported): PyTorch allocates and frees
its tensors on every op, and by default glibc gives large freed blocks back to the kernel and takes them again on
the next step, page fault by page fault. On the 2-vCPU VM of docs/benchmarks.md that made PyTorch's LSTM step at
T=64, B=1, H=256 take 42 ms instead of 14 ms. --glibc-malloc keeps glibc's defaults.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("suite", choices=["gemm", "lstm", "gru", "rnn", "mha", "lm", "generate", "seq2seq"])
    p.add_argument("--arch", default="lstm", choices=["rnn", "lstm", "gru", "transformer"], help="lm, generate: the model")
    p.add_argument("--vocab", type=int, default=96, help="lm: vocabulary size")
    p.add_argument("--layers", type=int, default=2, help="lm: recurrent layers; seq2seq: encoder layers and as many decoder layers")
    p.add_argument("--ff", type=int, default=1024, help="seq2seq: feed-forward width")
    p.add_argument("--source", type=int, default=32, help="seq2seq: source steps of every pair")
    p.add_argument("--target", type=int, default=32, help="seq2seq: decoder steps of every pair")
    p.add_argument("--dropout", type=float, default=0.1, help="seq2seq: dropout")
    p.add_argument("--shapes", default="1024x1024x1024", help="gemm: MxNxK[,MxNxK...]")
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--input", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--embed", type=int, default=512, help="mha: embedding width E")
    p.add_argument("--heads", type=int, default=8, help="mha, generate: heads")
    p.add_argument("--context", type=int, default=256, help="generate: a transformer's context length (its KV cache)")
    p.add_argument("--prompt", type=int, default=16, help="generate: prompt tokens P")
    p.add_argument("--tokens", type=int, default=128, help="generate: tokens N generated per stream")
    p.add_argument("--streams", type=int, default=1, help="generate: streams B sampled together")
    p.add_argument("--no-causal", action="store_true", help="mha: full attention instead of the causal attn_mask")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--blas-threads", type=int, default=0, help="threads of the BLAS library (default: the same as --threads)")
    p.add_argument("--repeat", type=int, default=0, help="timed runs (default: about 1 s worth, 5..50; 3 when one run takes over a second)")
    p.add_argument("--glibc-malloc", action="store_true", help="leave glibc's malloc at its defaults (returns freed memory to the kernel)")
    return p.parse_args()


# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory():
    """Large blocks from the heap rather than from mmap, and no trimming of the heap's top: freed tensors stay mapped."""
    name = ctypes.util.find_library("c")
    if name is None:
        return "default (no libc found)"
    libc = ctypes.CDLL(name)
    ok = (libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1 and libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1) == 1
          and libc.mallopt(M_TOP_PAD, 256 << 20) == 1)
    return "glibc, freed memory kept" if ok else "default (mallopt refused)"


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and line.strip().endswith(".so.3") or "openblas" in line.lower()}
        libs = sorted(l for l in libs if l.startswith("/"))
        return os.path.realpath(libs[0]) if libs else "unknown"
    except OSError:
        return "unknown"


def timed(fn, repeat):
    """The rule of SeqCore's StepTimer: warm up for at least 3 calls and 0.5 s, or as many calls as fit in 2 s when a
    call is longer; then time `repeat` runs (default: about 1 s worth, 5 to 50; 3 when one run takes over a second)."""
    start = time.perf_counter()
    calls = 0
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if (calls >= 3 and elapsed >= 0.5) or elapsed >= 2.0:
            break
    if repeat <= 0:
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        repeat = 3 if once > 1.0 else max(5, min(50, int(1.0 / max(once, 1e-4))))
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3, repeat


def main():
    args = parse_args()
    blas_threads = args.blas_threads or args.threads
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(blas_threads)
    malloc = "glibc defaults" if args.glibc_malloc else keep_freed_memory()
    import torch  # after the environment and the allocator are set

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    common = {"threads": args.threads, "blas_threads": blas_threads, "torch_version": torch.__version__, "malloc": malloc}
    if args.suite == "gemm":
        for shape in args.shapes.split(","):
            m, n, k = (int(v) for v in shape.lower().split("x"))
            a, b = torch.randn(m, k), torch.randn(k, n)
            med, best, runs = timed(lambda: torch.mm(a, b), args.repeat)
            out = {"suite": "gemm", "case": f"torch.mm.{m}x{n}x{k}.t{args.threads}", "median_ms": med, "min_ms": best,
                   "gflops": 2.0 * m * n * k / (med * 1e-3) / 1e9, "repeat": runs, "blas": blas_library(), **common}
            print(json.dumps(out), flush=True)
        return
    if args.suite == "mha":
        # nn.MultiheadAttention self-attention, batch_first, need_weights=False, causal as a boolean attn_mask:
        # the same work as 'seqcore bench mha'.
        T, B, E = args.seq, args.batch, args.embed
        causal = not args.no_causal
        model = torch.nn.MultiheadAttention(E, args.heads, batch_first=True)
        x = torch.randn(B, T, E, requires_grad=True)
        dy = torch.randn(B, T, E)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if causal else None

        def forward():
            with torch.no_grad():
                model(x, x, x, attn_mask=mask, need_weights=False)

        def step():
            y, _ = model(x, x, x, attn_mask=mask, need_weights=False)
            y.backward(dy)

        fwd, _, _ = timed(forward, args.repeat)
        med, best, runs = timed(step, args.repeat)
        out = {"suite": "attention", "case": f"torch.mha.T{T}.B{B}.E{E}.h{args.heads}{'.causal' if causal else ''}.t{args.threads}",
               "forward_ms": fwd, "median_ms": med, "min_ms": best, "repeat": runs, "blas": blas_library(), **common}
        print(json.dumps(out), flush=True)
        return
    if args.suite == "lm":
        lm_step(args, common, torch)
        return
    if args.suite == "generate":
        generate(args, common, torch)
        return
    if args.suite == "seq2seq":
        seq2seq_step(args, common, torch)
        return
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[args.suite]
    model = cls(args.input, args.hidden)
    x = torch.randn(args.seq, args.batch, args.input, requires_grad=True)
    dy = torch.randn(args.seq, args.batch, args.hidden)

    def forward():
        with torch.no_grad():
            model(x)

    def step():
        y, _ = model(x)
        y.backward(dy)

    fwd, _, _ = timed(forward, args.repeat)
    med, best, runs = timed(step, args.repeat)
    out = {"suite": "rnn", "case": f"torch.{args.suite}.T{args.seq}.B{args.batch}.I{args.input}.H{args.hidden}.t{args.threads}",
           "forward_ms": fwd, "median_ms": med, "min_ms": best, "repeat": runs, "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


def lm_step(args, common, torch):
    """One training step of a language model: embedding -> rnn/lstm/gru stack (or the transformer stack) -> linear head -> mean
    cross-entropy over T*B tokens -> backward -> gradient clipping (norm 1) -> Adam step. The same work as
    'seqcore bench lm' (same sizes, hidden state starting at zero)."""
    T, B, V, E, H = args.seq, args.batch, args.vocab, args.embed, args.hidden
    if args.arch == "transformer":
        # SeqCore's transformer LM: learned positions, nn.TransformerEncoder of pre-LN GELU blocks (4E feed-forward,
        # no dropout) with a final LayerNorm, causal mask, time-major [T, B] as the recurrent models.
        H = E
        embedding, pos = torch.nn.Embedding(V, E), torch.nn.Embedding(T, E)
        layer = torch.nn.TransformerEncoderLayer(E, args.heads, 4 * E, 0.0, activation="gelu", norm_first=True)
        encoder = torch.nn.TransformerEncoder(layer, args.layers, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
        causal = torch.nn.Transformer.generate_square_subsequent_mask(T)
        positions = torch.arange(T).unsqueeze(1)

        class Stack(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.pos, self.encoder = pos, encoder

            def forward(self, x):
                return self.encoder(x + self.pos(positions), mask=causal), None
        rnn = Stack()
        name = f"torch.lm.transformer.L{args.layers}.V{V}.E{E}.h{args.heads}.T{T}.B{B}.t{args.threads}"
    else:
        rnn_cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[args.arch]
        rnn = rnn_cls(E, H, args.layers)
        embedding = torch.nn.Embedding(V, E)
        name = f"torch.lm.{args.arch}.L{args.layers}.V{V}.E{E}.H{H}.T{T}.B{B}.t{args.threads}"
    head = torch.nn.Linear(H, V)
    params = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens = torch.randint(0, V, (T + 1, B))
    inputs, targets = tokens[:-1], tokens[1:].reshape(-1)
    loss_fn = torch.nn.CrossEntropyLoss()

    def forward():
        with torch.no_grad():
            y, _ = rnn(embedding(inputs))
            loss_fn(head(y).reshape(-1, V), targets)

    def step():
        opt.zero_grad(set_to_none=False)
        y, _ = rnn(embedding(inputs))
        loss = loss_fn(head(y).reshape(-1, V), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    fwd, _, _ = timed(forward, args.repeat)
    med, best, runs = timed(step, args.repeat)
    out = {"suite": "lm", "case": name,
           "forward_ms": fwd, "median_ms": med, "min_ms": best, "tokens_per_s": T * B / (med * 1e-3), "repeat": runs,
           "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


def seq2seq_step(args, common, torch):
    """One training step of the encoder-decoder transformer of bench/translation/torch_transformer.py (nn.Transformer,
    pre-LN, GELU as SeqCore's feed-forward, one embedding scaled by sqrt(E) for source, target and output, sinusoidal
    positions, dropout on the embeddings, after each sublayer and inside the feed-forward but not on the attention
    probabilities, as SeqCore): label-smoothed (0.1) cross-entropy over B*T target tokens -> backward -> clipping (norm 1) ->
    Adam. B pairs of S source and T target random ids, no padding (so no padding masks), the causal mask on the
    decoder. The same work as 'seqcore bench seq2seq'."""
    import math
    L, V, E, H, F, S, T, B = args.layers, args.vocab, args.embed, args.heads, args.ff, args.source, args.target, args.batch
    embedding = torch.nn.Embedding(V, E)
    transformer = torch.nn.Transformer(E, H, L, L, F, args.dropout, activation="gelu", batch_first=True, norm_first=True)
    no_attention_dropout(transformer)
    drop = torch.nn.Dropout(args.dropout)
    position = torch.arange(max(S, T)).unsqueeze(1)
    div = torch.exp(torch.arange(0, E, 2) * (-math.log(10000.0) / E))
    pe = torch.zeros(max(S, T), E)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(position * div), torch.cos(position * div)
    params = [*embedding.parameters(), *transformer.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    src, tgt_in, tgt_out = torch.randint(3, V, (B, S)), torch.randint(3, V, (B, T)), torch.randint(3, V, (B * T,))
    causal = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)

    def loss():
        memory = transformer.encoder(drop(embedding(src) * math.sqrt(E) + pe[:S]))
        y = transformer.decoder(drop(embedding(tgt_in) * math.sqrt(E) + pe[:T]), memory, tgt_mask=causal)
        return loss_fn((y @ embedding.weight.t()).reshape(-1, V), tgt_out)

    def forward():
        with torch.no_grad():
            loss()

    def step():
        opt.zero_grad(set_to_none=False)
        loss().backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    transformer.train()
    fwd, _, _ = timed(forward, args.repeat)
    med, best, runs = timed(step, args.repeat)
    out = {"suite": "seq2seq", "case": f"torch.seq2seq.transformer.L{L}+{L}.V{V}.E{E}.h{H}.F{F}.S{S}.T{T}.B{B}.t{args.threads}",
           "forward_ms": fwd, "median_ms": med, "min_ms": best, "tokens_per_s": T * B / (med * 1e-3), "repeat": runs,
           "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


def no_attention_dropout(transformer):
    """nn.Transformer also drops attention probabilities (its dropout reaches every nn.MultiheadAttention); SeqCore's
    attention has no dropout, so it is switched off here to keep the two models and their work the same."""
    for layer in [*transformer.encoder.layers, *transformer.decoder.layers]:
        layer.self_attn.dropout = 0.0
        if hasattr(layer, "multihead_attn"):
            layer.multihead_attn.dropout = 0.0


def generate(args, common, torch):
    """Sampling from a language model with random weights, the loop of 'seqcore bench generate': a P-token prompt
    continued by N tokens in B streams at once, temperature 1 (softmax, multinomial), under no_grad. Recurrent: embedding
    -> nn.LSTM/GRU/RNN stack -> linear head, the prompt run as one sequence, then one step per token with the carried
    state. Transformer: the pre-LN GPT block of SeqCore's transformer LM (learned positions, exact GELU, 4E feed-forward,
    final LayerNorm), written out with an explicit KV cache so each token costs O(context): the prompt fills the cache in
    one pass, then each token attends over the cached keys and values."""
    P, N, B, V, E = args.prompt, args.tokens, args.streams, args.vocab, args.embed
    F = torch.nn.functional
    torch.manual_seed(1)
    prompt = torch.randint(0, V, (P,))
    if args.arch != "transformer":
        rnn_cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[args.arch]
        embedding, rnn, head = torch.nn.Embedding(V, E), rnn_cls(E, args.hidden, args.layers), torch.nn.Linear(args.hidden, V)

        def run():
            with torch.no_grad():
                y, state = rnn(embedding(prompt.unsqueeze(1).expand(P, B)))
                logits = head(y[-1])
                for t in range(N):
                    nxt = torch.multinomial(F.softmax(logits, dim=-1), 1).squeeze(1)
                    if t + 1 < N:
                        y, state = rnn(embedding(nxt.unsqueeze(0)), state)
                        logits = head(y[-1])
        name = f"torch.generate.{args.arch}.L{args.layers}.V{V}.E{E}.H{args.hidden}.P{P}.N{N}.B{B}.t{args.threads}"
    else:
        L, h, C = args.layers, args.heads, args.context
        d = E // h
        if P + N > C:
            raise SystemExit("torch_bench.py generate: prompt + tokens must fit the context (no sliding window here)")
        tok, pos = torch.nn.Embedding(V, E), torch.nn.Embedding(C, E)
        blocks = [dict(ln1=torch.nn.LayerNorm(E), qkv=torch.nn.Linear(E, 3 * E), out=torch.nn.Linear(E, E), ln2=torch.nn.LayerNorm(E),
                       fc1=torch.nn.Linear(E, 4 * E), fc2=torch.nn.Linear(4 * E, E)) for _ in range(L)]
        ln_f, head = torch.nn.LayerNorm(E), torch.nn.Linear(E, V)
        scale = 1.0 / d ** 0.5

        def forward(x, start, cache):
            """x [B, n, E] at positions start.. ; cache[l] = (K, V) [B, h, C, d] filled up to start."""
            n = x.shape[1]
            x = x + pos.weight[start:start + n]
            mask = torch.ones(n, start + n, dtype=torch.bool).tril(start) if n > 1 else None
            for l, blk in enumerate(blocks):
                q, k, v = blk["qkv"](blk["ln1"](x)).view(B, n, 3, h, d).permute(2, 0, 3, 1, 4)
                K, Vc = cache[l]
                K[:, :, start:start + n] = k
                Vc[:, :, start:start + n] = v
                att = (q @ K[:, :, :start + n].transpose(-1, -2)) * scale
                if mask is not None:
                    att = att.masked_fill(~mask, float("-inf"))
                a = (att.softmax(-1) @ Vc[:, :, :start + n]).transpose(1, 2).reshape(B, n, E)
                x = x + blk["out"](a)
                x = x + blk["fc2"](F.gelu(blk["fc1"](blk["ln2"](x))))
            return head(ln_f(x[:, -1]))

        def run():
            with torch.no_grad():
                cache = [(torch.empty(B, h, C, d), torch.empty(B, h, C, d)) for _ in range(L)]
                logits = forward(tok(prompt).unsqueeze(0).expand(B, P, E), 0, cache)
                for t in range(N):
                    nxt = torch.multinomial(F.softmax(logits, dim=-1), 1)
                    if t + 1 < N:
                        logits = forward(tok(nxt), P + t, cache)
        name = f"torch.generate.transformer.L{L}.V{V}.E{E}.h{h}.P{P}.N{N}.B{B}.t{args.threads}"

    med, best, runs = timed(run, args.repeat)
    out = {"suite": "generate", "case": name, "median_ms": med, "min_ms": best, "tokens_per_s": N * B / (med * 1e-3),
           "ms_per_token": med / N, "repeat": runs, "blas": blas_library(), **common}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
