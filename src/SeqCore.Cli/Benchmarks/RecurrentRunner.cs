using System.Diagnostics;
using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One recurrent benchmark case: a cell over a [T, B, I] batch with hidden size H.</summary>
internal sealed record RecurrentCase(string Cell, int Steps, int Batch, int Input, int Hidden, int Threads, string Type, int Layers = 1, bool Bidirectional = false)
{
    public string Name => $"{Cell}.T{Steps}.B{Batch}.I{Input}.H{Hidden}{(Layers > 1 ? $".L{Layers}" : "")}{(Bidirectional ? ".bi" : "")}.{Type}.t{Threads}";

    public CellKind Kind => Cell switch
    {
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        _ => CellKind.RnnTanh,
    };
}

/// <summary>The JSON line of one recurrent case; <c>median_ms</c> is one training step (forward + backward).</summary>
internal sealed record RecurrentResult(string Suite, string Case, string Cell, string Type, int Threads, int Seq, int Batch, int Input, int Hidden,
    double ForwardMs, double MedianMs, double MinMs, int Repeat, double Gflops, long AllocatedBytesPerStep);

/// <summary>Times a RecurrentLayer: forward alone, then forward + backward of the whole sequence.</summary>
internal static class RecurrentRunner
{
    public static RecurrentResult Run(RecurrentCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    private static RecurrentResult Run<T>(RecurrentCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = new CpuBackend<T>(new CpuBackendOptions { Threads = c.Threads });
        var options = new RecurrentOptions { Cell = c.Kind, InputSize = c.Input, HiddenSize = c.Hidden, NumLayers = c.Layers, Bidirectional = c.Bidirectional };
        var random = new RandomStream(1);
        using var layer = new RecurrentLayer<T>(be, options, random);
        using var x = be.Allocate(c.Steps, c.Batch, c.Input);
        using var y = be.Allocate(c.Steps, c.Batch, layer.OutputSize);
        using var dy = be.Allocate(c.Steps, c.Batch, layer.OutputSize);
        using var dx = be.Allocate(c.Steps, c.Batch, c.Input);
        be.FillUniform(random, -T.One, T.One, x);
        be.FillUniform(random, -T.One, T.One, dy);

        Action forwardOnly = () => layer.Forward(x, [], null, null, y, null, null);
        Action step = () => { forwardOnly(); layer.Backward(dy, null, null, dx, null, null); };

        // Warm-up: arenas, worker threads, and the tiered JIT, which recompiles hot methods on a background thread
        // (on a 2-core machine that thread takes a core): at least 3 steps and 0.5 s of each thing that is timed.
        Warm(step);
        Warm(forwardOnly);
        int runs = repeat ?? Math.Clamp((int)(1.0 / Math.Max(1e-4, Time(step))), 5, 50);
        double forward = Median(runs, forwardOnly);
        var times = new double[runs];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) times[i] = Time(step);
        long allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;
        Array.Sort(times);
        double median = times[times.Length / 2] * 1e3;
        return new RecurrentResult("rnn", c.Name, c.Cell, c.Type, c.Threads, c.Steps, c.Batch, c.Input, c.Hidden,
            forward, median, times[0] * 1e3, runs, Flops(c, options.Cell) / (median * 1e-3) / 1e9, allocated);
    }

    /// <summary>GEMM FLOPs of one training step: forward 2·T·B·(I+H)·G·H; backward twice that (input and weight gradients).</summary>
    private static double Flops(RecurrentCase c, CellKind cell)
    {
        int gates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        return 3.0 * 2 * c.Steps * c.Batch * (double)(c.Input + c.Hidden) * gates * c.Hidden * c.Layers * (c.Bidirectional ? 2 : 1);
    }

    private static void Warm(Action a)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < 0.5; i++) a();
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    private static double Median(int runs, Action a)
    {
        var t = Enumerable.Range(0, runs).Select(_ => Time(a)).Order().ToArray();
        return t[t.Length / 2] * 1e3;
    }
}
