using System.Numerics;
using SeqCore.Cuda;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>
/// One case of <c>seqcore bench cuda-kernels</c>: <c>Kind</c> is <c>lstm-cell</c>, <c>gru-cell</c>, <c>lstm-step</c> or
/// <c>attention</c>; the sizes that kind does not use are 0.
/// </summary>
internal sealed record CudaKernelCase(string Kind, int Seq, int Batch, int Input, int Hidden, int Heads, int HeadDim, bool Causal, string Type)
{
    public string Name => Kind switch
    {
        "lstm-cell" or "gru-cell" => $"{Kind}.B{Batch}.H{Hidden}.{Type}",
        "lstm-step" => $"lstm-step.T{Seq}.B{Batch}.I{Input}.H{Hidden}.{Type}",
        _ => $"attention.T{Seq}.B{Batch}.h{Heads}.d{HeadDim}{(Causal ? ".causal" : "")}.{Type}",
    };
}

/// <summary>The JSON line of one case: <c>forward_ms</c> the forward alone, <c>median_ms</c> forward + backward, per call.</summary>
internal sealed record CudaKernelResult(string Suite, string Case, string Kind, string Type, string Device, double ForwardMs, double MedianMs,
    double MinMs, int Repeat, int Inner, double Gflops);

/// <summary>
/// GPU timings of the recurrent and attention kernels with CUDA events (<see cref="CudaBackend{T}.TimeMilliseconds"/>):
/// each sample is <c>inner</c> back-to-back calls between two events, divided by <c>inner</c>; the median of
/// <c>repeat</c> samples is reported. The same shapes in PyTorch: <c>bench/compare/torch_cuda_cells.py</c> (fused cells)
/// and <c>bench/compare/torch_cuda_bench.py lstm|attention</c> (cuDNN LSTM, scaled_dot_product_attention).
/// </summary>
internal static class CudaKernelRunner
{
    public static CudaKernelResult Run(CudaKernelCase c, int repeat, int inner) =>
        c.Type == "double" ? Run<double>(c, repeat, inner) : Run<float>(c, repeat, inner);

    private static CudaKernelResult Run<T>(CudaKernelCase c, int repeat, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gpu = BackendOption.OpenCuda<T>();
        var random = new RandomStream(1);
        var owned = new List<Tensor<T>>();
        Tensor<T> Rand(params int[] shape)
        {
            var t = gpu.Allocate(shape);
            owned.Add(t);
            gpu.FillUniform(random, -T.One, T.One, t);
            return t;
        }
        try
        {
            Action forward, step;
            double flops = 0;
            RecurrentLayer<T>? layer = null;
            switch (c.Kind)
            {
                case "lstm-cell":
                {
                    int b = c.Batch, h = c.Hidden;
                    Tensor<T> pre = Rand(b, 4 * h), g = Rand(b, 4 * h), cp = Rand(b, h), cc = Rand(b, h), hh = Rand(b, h);
                    Tensor<T> dh = Rand(b, h), dc = Rand(b, h), dg = Rand(b, 4 * h), dcp = Rand(b, h);
                    // The pre-activations are copied in each time (the op overwrites them), as a layer's GEMM would write them.
                    forward = () => { gpu.Copy(pre, g); gpu.LstmCellForward(g, cp, null, cc, hh); };
                    step = () => { forward(); gpu.LstmCellBackward(g, cp, cc, null, dh, dc, dg, dcp, null); };
                    break;
                }
                case "gru-cell":
                {
                    int b = c.Batch, h = c.Hidden;
                    Tensor<T> pre = Rand(b, 3 * h), g = Rand(b, 3 * h), p = Rand(b, 3 * h), hp = Rand(b, h), hh = Rand(b, h);
                    Tensor<T> dh = Rand(b, h), dg = Rand(b, 3 * h), dp = Rand(b, 3 * h), dhp = Rand(b, h);
                    forward = () => { gpu.Copy(pre, g); gpu.GruCellForward(g, p, hp, hh); };
                    step = () => { forward(); gpu.GruCellBackward(g, p, hp, dh, dg, dp, dhp); };
                    break;
                }
                case "lstm-step":
                {
                    var lstm = CellCatalogue.Find(CellKind.Lstm);
                    var options = new RecurrentOptions { Cell = lstm.Kind, InputSize = c.Input, HiddenSize = c.Hidden };
                    layer = new RecurrentLayer<T>(gpu, options, new RandomStream(2));
                    Tensor<T> x = Rand(c.Seq, c.Batch, c.Input), y = Rand(c.Seq, c.Batch, c.Hidden), dy = Rand(c.Seq, c.Batch, c.Hidden), dx = Rand(c.Seq, c.Batch, c.Input);
                    var l = layer;
                    forward = () => l.Forward(x, [], null, null, y, null, null);
                    step = () => { forward(); l.Backward(dy, null, null, dx, null, null); };
                    // GEMMs of forward (input projection + recurrent) and twice that backward.
                    flops = 3 * 2.0 * c.Seq * c.Batch * lstm.Gates * c.Hidden * (c.Input + c.Hidden);
                    break;
                }
                default:
                {
                    int b = c.Batch, hd = c.Heads, t = c.Seq, d = c.HeadDim;
                    var spec = new AttentionSpec { Batch = b, Heads = hd, QueryLength = t, KeyLength = t, HeadSize = d, Causal = c.Causal };
                    Tensor<T> q = Rand(b, hd, t, d), k = Rand(b, hd, t, d), v = Rand(b, hd, t, d), o = Rand(b, hd, t, d), lse = Rand(b, hd, t);
                    Tensor<T> dO = Rand(b, hd, t, d), dq = Rand(b, hd, t, d), dk = Rand(b, hd, t, d), dv = Rand(b, hd, t, d);
                    forward = () => gpu.AttentionForward(q, k, v, null, spec, o, lse);
                    step = () => { forward(); gpu.AttentionBackward(q, k, v, o, lse, dO, null, spec, dq, dk, dv); };
                    // Q·Kᵀ and P·V forward (4·B·h·T²·d, halved under the causal mask), 2.5 times that backward.
                    flops = 3.5 * 4.0 * b * hd * t * (double)t * d * (c.Causal ? 0.5 : 1);
                    break;
                }
            }
            try
            {
                double fwd = Median(gpu, forward, repeat, inner, out _);
                double med = Median(gpu, step, repeat, inner, out double min);
                return new CudaKernelResult("cuda-kernels", c.Name, c.Kind, c.Type, gpu.Name, fwd, med, min, repeat, inner,
                    flops > 0 ? flops / (med * 1e-3) / 1e9 : 0);
            }
            finally { layer?.Dispose(); }
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>Median (and minimum) per call of <paramref name="repeat"/> samples of <paramref name="inner"/> calls between CUDA events.</summary>
    private static double Median<T>(CudaBackend<T> gpu, Action call, int repeat, int inner, out double min) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < 3; i++) call(); // warm-up: PTX JIT, arenas, cuBLAS heuristics
        gpu.Synchronize();
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
            times[i] = gpu.TimeMilliseconds(() => { for (int j = 0; j < inner; j++) call(); }) / inner;
        Array.Sort(times);
        min = times[0];
        return repeat % 2 == 1 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
    }
}
