// Times TorchSharp (LibTorch on the CPU) on the cases SeqCore benchmarks, printing one JSON object per line, with the
// arguments and fields of bench/compare/torch_bench.py:
//   TorchSharpPeer gemm --shapes 1024x1024x1024 --threads 1
//   TorchSharpPeer lstm --seq 64 --batch 32 --input 256 --hidden 256 --threads 2
//   TorchSharpPeer mha --seq 256 --batch 16 --embed 512 --heads 8
//   TorchSharpPeer lm --arch lstm --vocab 96 --embed 256 --hidden 512 --layers 2 --seq 64 --batch 32
// The caller sets OMP_NUM_THREADS/MKL_NUM_THREADS before the process starts (LibTorch reads them when it loads);
// --threads also calls torch.set_num_threads. Timing rule: that of SeqCore's StepTimer and torch_bench.py.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

var options = Options.Parse(args);
torch.set_num_threads(options.Threads);
torch.manual_seed(0);
var common = new Dictionary<string, object>
{
    ["threads"] = options.Threads, ["blas_threads"] = options.Threads,
    ["torch_version"] = "torchsharp-" + typeof(torch).Assembly.GetName().Version + "/libtorch-" + torch.__version__,
};
switch (options.Suite)
{
    case "gemm": Suites.Gemm(options, common); break;
    case "mha": Suites.Attention(options, common); break;
    case "lm": Suites.LanguageModel(options, common); break;
    case "generate": Generation.Run(options, common); break;
    case "lstm" or "gru" or "rnn": Suites.Recurrent(options, common); break;
    default: Console.Error.WriteLine($"TorchSharpPeer: unknown suite '{options.Suite}' (gemm, lstm, gru, rnn, mha, lm, generate)"); return 2;
}
return 0;

sealed record Options(string Suite, string Arch, int Vocab, int Layers, string Shapes, int Seq, int Batch, int Input,
    int Hidden, int Embed, int Heads, bool Causal, int Threads, int Repeat, int Context, int Prompt, int Tokens, int Streams)
{
    public static Options Parse(string[] args)
    {
        var named = new Dictionary<string, string>();
        bool noCausal = false;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--no-causal") { noCausal = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"TorchSharpPeer: expected '--name value', got '{args[i]}'");
            named[args[i][2..]] = args[++i];
        }
        int Int(string key, int fallback) => named.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(args.Length > 0 ? args[0] : "", named.GetValueOrDefault("arch", "lstm"), Int("vocab", 96), Int("layers", 2),
            named.GetValueOrDefault("shapes", "1024x1024x1024"), Int("seq", 64), Int("batch", 32), Int("input", 256), Int("hidden", 256),
            Int("embed", 512), Int("heads", 8), !noCausal, Int("threads", 1), Int("repeat", 0), Int("context", 256), Int("prompt", 16),
            Int("tokens", 128), Int("streams", 1));
    }
}

static class Suites
{
    public static void Gemm(Options o, Dictionary<string, object> common)
    {
        foreach (string shape in o.Shapes.Split(','))
        {
            var d = shape.ToLowerInvariant().Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            int m = d[0], n = d[1], k = d[2];
            using var a = torch.randn(m, k);
            using var b = torch.randn(k, n);
            var (med, best, runs) = Timing.Timed(() => { using var c = torch.mm(a, b); }, o.Repeat);
            Print(new() { ["suite"] = "gemm", ["case"] = $"torchsharp.mm.{m}x{n}x{k}.t{o.Threads}", ["median_ms"] = med, ["min_ms"] = best,
                ["gflops"] = 2.0 * m * n * k / (med * 1e-3) / 1e9, ["repeat"] = runs }, common);
        }
    }

    public static void Attention(Options o, Dictionary<string, object> common)
    {
        // nn.MultiheadAttention self-attention (time-major: TorchSharp's has no batch_first), need_weights false, causal
        // as a boolean attn_mask: the same work as 'seqcore bench attention' and torch_bench.py mha.
        int t = o.Seq, b = o.Batch, e = o.Embed;
        using var model = torch.nn.MultiheadAttention(e, o.Heads);
        using var x = torch.randn(new long[] { t, b, e }, requires_grad: true);
        using var dy = torch.randn(t, b, e);
        using var mask = o.Causal ? torch.ones(t, t, dtype: ScalarType.Bool).triu(1) : null;
        void Forward() { using var _ = torch.no_grad(); using var d = torch.NewDisposeScope(); model.forward(x, x, x, null, false, mask); }
        void Step()
        {
            using var d = torch.NewDisposeScope();
            var (y, _) = model.forward(x, x, x, null, false, mask);
            y.backward([dy]);
        }
        var (fwd, _, _) = Timing.Timed(Forward, o.Repeat);
        var (med, best, runs) = Timing.Timed(Step, o.Repeat);
        Print(new() { ["suite"] = "attention", ["case"] = $"torchsharp.mha.T{t}.B{b}.E{e}.h{o.Heads}{(o.Causal ? ".causal" : "")}.t{o.Threads}",
            ["forward_ms"] = fwd, ["median_ms"] = med, ["min_ms"] = best, ["repeat"] = runs }, common);
    }

    public static void Recurrent(Options o, Dictionary<string, object> common)
    {
        var (model, run) = Cell(o.Suite, o.Input, o.Hidden, 1);
        using var _model = model;
        using var x = torch.randn(new long[] { o.Seq, o.Batch, o.Input }, requires_grad: true);
        using var dy = torch.randn(o.Seq, o.Batch, o.Hidden);
        void Forward() { using var _ = torch.no_grad(); using var d = torch.NewDisposeScope(); run(x); }
        void Step() { using var d = torch.NewDisposeScope(); run(x).backward([dy]); }
        var (fwd, _, _) = Timing.Timed(Forward, o.Repeat);
        var (med, best, runs) = Timing.Timed(Step, o.Repeat);
        Print(new() { ["suite"] = "rnn", ["case"] = $"torchsharp.{o.Suite}.T{o.Seq}.B{o.Batch}.I{o.Input}.H{o.Hidden}.t{o.Threads}",
            ["forward_ms"] = fwd, ["median_ms"] = med, ["min_ms"] = best, ["repeat"] = runs }, common);
    }

    /// <summary>Embedding → recurrent stack → linear head → mean cross-entropy → backward → clip to norm 1 → Adam: the
    /// work of 'seqcore bench lm' and torch_bench.py lm.</summary>
    public static void LanguageModel(Options o, Dictionary<string, object> common)
    {
        int t = o.Seq, b = o.Batch, v = o.Vocab;
        using var embedding = torch.nn.Embedding(v, o.Embed);
        var (rnnModule, rnn) = Cell(o.Arch, o.Embed, o.Hidden, o.Layers);
        using var _rnn = rnnModule;
        using var head = torch.nn.Linear(o.Hidden, v);
        var parameters = embedding.parameters().Concat(rnnModule.parameters()).Concat(head.parameters()).ToList();
        using var adam = torch.optim.Adam(parameters, 1e-3);
        using var tokens = torch.randint(0, v, new long[] { t + 1, b });
        using var inputs = tokens[..t];
        using var targets = tokens[1..].reshape(-1);
        using var loss = torch.nn.CrossEntropyLoss();
        void Forward()
        {
            using var _ = torch.no_grad();
            using var d = torch.NewDisposeScope();
            loss.call(head.call(rnn(embedding.call(inputs))).reshape(-1, v), targets);
        }
        void Step()
        {
            using var d = torch.NewDisposeScope();
            adam.zero_grad();
            var l = loss.call(head.call(rnn(embedding.call(inputs))).reshape(-1, v), targets);
            l.backward();
            torch.nn.utils.clip_grad_norm_(parameters, 1.0);
            adam.step();
        }
        var (fwd, _, _) = Timing.Timed(Forward, o.Repeat);
        var (med, best, runs) = Timing.Timed(Step, o.Repeat);
        Print(new() { ["suite"] = "lm", ["case"] = $"torchsharp.lm.{o.Arch}.L{o.Layers}.V{v}.E{o.Embed}.H{o.Hidden}.T{t}.B{b}.t{o.Threads}",
            ["forward_ms"] = fwd, ["median_ms"] = med, ["min_ms"] = best, ["tokens_per_s"] = t * b / (med * 1e-3), ["repeat"] = runs }, common);
    }

    /// <summary>nn.LSTM/GRU/RNN, and a function from its input to its output sequence (the final states dropped).</summary>
    internal static (nn.Module Module, Func<Tensor, Tensor> Run) Cell(string kind, int input, int hidden, int layers)
    {
        switch (kind)
        {
            case "lstm": { var m = torch.nn.LSTM(input, hidden, layers); return (m, x => m.call(x).Item1); }
            case "gru": { var m = torch.nn.GRU(input, hidden, layers); return (m, x => m.call(x).Item1); }
            case "rnn": { var m = torch.nn.RNN(input, hidden, layers); return (m, x => m.call(x).Item1); }
            default: throw new ArgumentException($"TorchSharpPeer: unknown cell '{kind}'");
        }
    }

    internal static void Print(Dictionary<string, object> fields, Dictionary<string, object> common)
    {
        foreach (var (k, v) in common) fields[k] = v;
        fields["blas"] = "libtorch (bundled)";
        fields["malloc"] = "libtorch default";
        Console.WriteLine(JsonSerializer.Serialize(fields));
    }
}

static class Timing
{
    /// <summary>Warm up for at least 3 calls and 0.5 s (or 2 s of calls), then time <paramref name="repeat"/> runs (default:
    /// about 1 s worth, 5 to 50; 3 when one run takes over a second); the median and the fastest, in ms.</summary>
    public static (double Median, double Min, int Runs) Timed(Action step, int repeat)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (true)
        {
            step();
            calls++;
            double elapsed = clock.Elapsed.TotalSeconds;
            if ((calls >= 3 && elapsed >= 0.5) || elapsed >= 2.0) break;
        }
        if (repeat <= 0)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            double once = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            repeat = once > 1.0 ? 3 : Math.Max(5, Math.Min(50, (int)(1.0 / Math.Max(once, 1e-4))));
        }
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[repeat / 2], times[0], repeat);
    }
}

/// <summary>Sampling from a language model with random weights: the loop of torch_bench.py generate (and 'seqcore bench
/// generate'): a P-token prompt continued by N tokens in B streams, temperature 1, no_grad; recurrent with the carried
/// state, or the pre-LN GPT block with an explicit KV cache.</summary>
static class Generation
{
    public static void Run(Options o, Dictionary<string, object> common)
    {
        int p = o.Prompt, n = o.Tokens, b = o.Streams, v = o.Vocab, e = o.Embed;
        torch.manual_seed(1);
        using var prompt = torch.randint(0, v, new long[] { p });
        Action run;
        string name;
        var owned = new List<IDisposable>();
        if (o.Arch != "transformer")
        {
            var embedding = torch.nn.Embedding(v, e);
            var head = torch.nn.Linear(o.Hidden, v);
            owned.AddRange([embedding, head]);
            Func<Tensor, Tensor?, (Tensor, Tensor?)> step;
            switch (o.Arch)
            {
                case "lstm":
                {
                    var m = torch.nn.LSTM(e, o.Hidden, o.Layers); owned.Add(m);
                    step = (x, state) =>
                    {
                        var (y, h, c) = state is null ? m.call(x) : m.call(x, (state[0], state[1]));
                        return (y, torch.stack([h, c]));
                    };
                    break;
                }
                case "gru": { var m = torch.nn.GRU(e, o.Hidden, o.Layers); owned.Add(m); step = (x, state) => m.call(x, state); break; }
                default: { var m = torch.nn.RNN(e, o.Hidden, o.Layers); owned.Add(m); step = (x, state) => m.call(x, state); break; }
            }
            run = () =>
            {
                using var _ = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                var (y, state) = step(embedding.call(prompt.unsqueeze(1).expand(p, b)), null);
                var logits = head.call(y[-1]);
                for (int t = 0; t < n; t++)
                {
                    var next = torch.multinomial(torch.nn.functional.softmax(logits, -1), 1).squeeze(1);
                    if (t + 1 < n)
                    {
                        (y, state) = step(embedding.call(next.unsqueeze(0)), state);
                        logits = head.call(y[-1]);
                    }
                }
            };
            name = $"torchsharp.generate.{o.Arch}.L{o.Layers}.V{v}.E{e}.H{o.Hidden}.P{p}.N{n}.B{b}.t{o.Threads}";
        }
        else
        {
            int layers = o.Layers, heads = o.Heads, context = o.Context, d = e / heads;
            if (p + n > context) throw new ArgumentException("TorchSharpPeer generate: prompt + tokens must fit the context.");
            var tok = torch.nn.Embedding(v, e);
            var pos = torch.nn.Embedding(context, e);
            var lnF = torch.nn.LayerNorm(e);
            var head = torch.nn.Linear(e, v);
            owned.AddRange([tok, pos, lnF, head]);
            var blocks = Enumerable.Range(0, layers).Select(_ => new Block(e)).ToArray();
            owned.AddRange(blocks);
            double scale = 1.0 / Math.Sqrt(d);
            Tensor Forward(Tensor x, int start, (Tensor K, Tensor V)[] cache)
            {
                long len = x.shape[1];
                x = x + pos.weight![start..(int)(start + len)];
                Tensor? mask = len > 1 ? torch.ones(len, start + len, dtype: ScalarType.Bool).tril(start) : null;
                for (int l = 0; l < layers; l++)
                {
                    var blk = blocks[l];
                    var qkv = blk.Qkv.call(blk.Ln1.call(x)).view(b, len, 3, heads, d).permute(2, 0, 3, 1, 4);
                    Tensor q = qkv[0], k = qkv[1], val = qkv[2];
                    var (kc, vc) = cache[l];
                    kc[.., .., start..(int)(start + len)] = k;
                    vc[.., .., start..(int)(start + len)] = val;
                    var att = torch.matmul(q, kc[.., .., ..(int)(start + len)].transpose(-1, -2)) * scale;
                    if (mask is not null) att = att.masked_fill(mask.logical_not(), double.NegativeInfinity);
                    var a = torch.matmul(att.softmax(-1), vc[.., .., ..(int)(start + len)]).transpose(1, 2).reshape(b, len, e);
                    x = x + blk.Out.call(a);
                    x = x + blk.Fc2.call(torch.nn.functional.gelu(blk.Fc1.call(blk.Ln2.call(x))));
                }
                return head.call(lnF.call(x[.., -1]));
            }
            run = () =>
            {
                using var _ = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                var cache = Enumerable.Range(0, layers).Select(_ => (torch.empty(b, heads, context, d), torch.empty(b, heads, context, d))).ToArray();
                var logits = Forward(tok.call(prompt).unsqueeze(0).expand(b, p, e), 0, cache);
                for (int t = 0; t < n; t++)
                {
                    var next = torch.multinomial(torch.nn.functional.softmax(logits, -1), 1);
                    if (t + 1 < n) logits = Forward(tok.call(next), p + t, cache);
                }
            };
            name = $"torchsharp.generate.transformer.L{layers}.V{v}.E{e}.h{heads}.P{p}.N{n}.B{b}.t{o.Threads}";
        }
        var (med, best, runs) = Timing.Timed(run, o.Repeat);
        Suites.Print(new() { ["suite"] = "generate", ["case"] = name, ["median_ms"] = med, ["min_ms"] = best,
            ["tokens_per_s"] = n * b / (med * 1e-3), ["ms_per_token"] = med / n, ["repeat"] = runs }, common);
        foreach (var m in owned) m.Dispose();
    }

    private sealed class Block : IDisposable
    {
        public Block(int e)
        {
            Ln1 = torch.nn.LayerNorm(e); Qkv = torch.nn.Linear(e, 3 * e); Out = torch.nn.Linear(e, e);
            Ln2 = torch.nn.LayerNorm(e); Fc1 = torch.nn.Linear(e, 4 * e); Fc2 = torch.nn.Linear(4 * e, e);
        }

        public nn.Module<Tensor, Tensor> Ln1, Qkv, Out, Ln2, Fc1, Fc2;

        public void Dispose() { foreach (var m in new[] { Ln1, Qkv, Out, Ln2, Fc1, Fc2 }) m.Dispose(); }
    }
}
