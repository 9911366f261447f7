using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>
/// Times <see cref="IBackend{T}.Gemm"/> on the CUDA backend (cuBLAS) with CUDA events: each sample is a batch of
/// back-to-back calls between two events, so launch gaps count but host timing noise does not. TF32 is opt-in
/// (<c>--tf32 on</c>); its result check allows TF32's 2⁻¹¹ unit roundoff.
/// </summary>
internal static class CudaGemmRunner
{
    private const int CallsPerSample = 10;

    public static GemmResult Run(GemmCase c, int? repeat) => c.Type == "float" ? Run<float>(c, repeat) : Run<double>(c, repeat);

    private static GemmResult Run<T>(GemmCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gpu = BackendOption.OpenCuda<T>(c.Tf32);
        int aRows = c.TransA ? c.K : c.M, aCols = c.TransA ? c.M : c.K;
        int bRows = c.TransB ? c.N : c.K, bCols = c.TransB ? c.K : c.N;
        using var a = gpu.Allocate(aRows, aCols);
        using var b = gpu.Allocate(bRows, bCols);
        using var cm = gpu.Allocate(c.M, c.N);
        var random = new RandomStream(seed: 1234);
        gpu.FillUniform(random, -T.One, T.One, a);
        gpu.FillUniform(random, -T.One, T.One, b);
        var ta = c.TransA ? Transpose.Yes : Transpose.No;
        var tb = c.TransB ? Transpose.Yes : Transpose.No;
        void Calls(int n)
        {
            for (int i = 0; i < n; i++) gpu.Gemm(ta, tb, c.M, c.N, c.K, T.One, a, aCols, b, bCols, T.Zero, cm, c.N);
        }

        Calls(3); // warm-up: cuBLAS picks its kernels, the PTX is JIT-compiled on first launch
        gpu.Synchronize();
        int runs = repeat ?? 20;
        var times = new double[runs];
        for (int i = 0; i < runs; i++) times[i] = gpu.TimeMilliseconds(() => Calls(CallsPerSample)) / CallsPerSample;
        Array.Sort(times);
        double median = runs % 2 == 1 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
        double gflops = c.Flops / (median * 1e6);
        double roundoff = c.Tf32 && typeof(T) == typeof(float) ? Math.ScaleB(1.0, -11) : GemmRunner.Roundoff<T>();
        string check = GemmRunner.CheckSample<T>(gpu.ToArray(a), gpu.ToArray(b), gpu.ToArray(cm), c, roundoff);
        return new GemmResult("gemm", c.Name, c.Type, c.M, c.N, c.K, c.TransA, c.TransB, 0, runs, CallsPerSample,
            median, times[0], gflops, 0, 0, check);
    }
}
