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
    case "lstm" or "gru" or "rnn": Suites.Recurrent(options, common); break;
    default: Console.Error.WriteLine($"TorchSharpPeer: unknown suite '{options.Suite}' (gemm, lstm, gru, rnn, mha, lm)"); return 2;
}
return 0;

sealed record Options(string Suite, string Arch, int Vocab, int Layers, string Shapes, int Seq, int Batch, int Input,
    int Hidden, int Embed, int Heads, bool Causal, int Threads, int Repeat)
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
            Int("embed", 512), Int("heads", 8), !noCausal, Int("threads", 1), Int("repeat", 0));
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
    private static (nn.Module Module, Func<Tensor, Tensor> Run) Cell(string kind, int input, int hidden, int layers)
    {
        switch (kind)
        {
            case "lstm": { var m = torch.nn.LSTM(input, hidden, layers); return (m, x => m.call(x).Item1); }
            case "gru": { var m = torch.nn.GRU(input, hidden, layers); return (m, x => m.call(x).Item1); }
            case "rnn": { var m = torch.nn.RNN(input, hidden, layers); return (m, x => m.call(x).Item1); }
            default: throw new ArgumentException($"TorchSharpPeer: unknown cell '{kind}'");
        }
    }

    private static void Print(Dictionary<string, object> fields, Dictionary<string, object> common)
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
