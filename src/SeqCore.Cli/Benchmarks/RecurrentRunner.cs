using System.Diagnostics;
using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One recurrent benchmark case: a cell over a [T, B, I] batch with hidden size H.</summary>
internal sealed record RecurrentCase(string Cell, int Steps, int Batch, int Input, int Hidden, int Threads, string Type, int Layers = 1, bool Bidirectional = false, string Backend = "cpu")
{
    public string Name => $"{Cell}.T{Steps}.B{Batch}.I{Input}.H{Hidden}{(Layers > 1 ? $".L{Layers}" : "")}{(Bidirectional ? ".bi" : "")}.{Type}.{(Backend == "cuda" ? "cuda" : $"t{Threads}")}";

    public CellDescriptor Descriptor => CellCatalogue.Parse(Cell, "recurrent benchmark");
}

/// <summary>The JSON line of one recurrent case; <c>median_ms</c> is one training step (forward + backward).</summary>
internal sealed record RecurrentResult(string Suite, string Case, string Cell, string Type, int Threads, int Seq, int Batch, int Input, int Hidden,
    double ForwardMs, double MedianMs, double MinMs, int Repeat, double Gflops, long AllocatedBytesPerStep);

/// <summary>Times a RecurrentLayer: forward alone, then forward + backward of the whole sequence.</summary>
internal static class RecurrentRunner
{
    public static RecurrentResult Run(RecurrentCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    /// <summary>Where one training step's time goes, by op family, on the CPU backend (per-step GEMMs: B rows).</summary>
    public static StepProfile Profile(RecurrentCase c, int? repeat) => c.Type == "double" ? Profile<double>(c, repeat) : Profile<float>(c, repeat);

    private static RecurrentResult Run<T>(RecurrentCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = BackendOption.Open<T>(c.Backend, c.Threads);
        return With(be, c, (forwardOnly, step) =>
        {
            // A GPU queues work: each timed call ends when the device is done.
            var s = StepTimer.Measure(() => { forwardOnly(); be.Synchronize(); }, () => { step(); be.Synchronize(); }, repeat);
            return new RecurrentResult("rnn", c.Name, c.Cell, c.Type, c.Threads, c.Steps, c.Batch, c.Input, c.Hidden,
                s.ForwardMs, s.MedianMs, s.MinMs, s.Runs, Flops(c) / (s.MedianMs * 1e-3) / 1e9, s.AllocatedBytesPerStep);
        });
    }

    private static StepProfile Profile<T>(RecurrentCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = BackendOption.Open<T>("cpu", c.Threads);
        var be = new ProfilingBackend<T>(cpu, stepRows: c.Batch);
        return With(be, c, (_, step) => StepProfiler.Profile(be, step, repeat, c.Name, c.Type, c.Threads));
    }

    /// <summary>Builds the layer and its data on <paramref name="be"/> and hands <paramref name="measure"/> the forward
    /// pass alone and the training step (forward + backward of the whole sequence).</summary>
    private static TResult With<T, TResult>(IBackend<T> be, RecurrentCase c, Func<Action, Action, TResult> measure) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var options = new RecurrentOptions { Cell = c.Descriptor.Kind, InputSize = c.Input, HiddenSize = c.Hidden, Layers = c.Layers, Bidirectional = c.Bidirectional };
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
        return measure(forwardOnly, step);
    }

    /// <summary>GEMM FLOPs of one training step: forward 2·T·B·(I+H)·G·H; backward twice that (input and weight gradients).</summary>
    private static double Flops(RecurrentCase c) =>
        3.0 * 2 * c.Steps * c.Batch * (double)(c.Input + c.Hidden) * c.Descriptor.Gates * c.Hidden * c.Layers * (c.Bidirectional ? 2 : 1);
}
