using System.Diagnostics;
using System.Numerics;
using SeqCore.Diagnostics;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One GEMM benchmark case: <c>C[m,n] = op(A)[m,k] · op(B)[k,n]</c> on the CPU backend.</summary>
internal sealed record GemmCase(string Type, int M, int N, int K, bool TransA, bool TransB, int Threads, string Backend = "cpu", bool Tf32 = false)
{
    /// <summary>
    /// E.g. <c>sgemm.1024x1024x1024.t1</c>; a transposed operand adds its pattern: <c>dgemm.nt.32x1024x256.t2</c>; on the GPU
    /// the thread count is replaced by <c>cuda</c> or <c>cuda.tf32</c>.
    /// </summary>
    public string Name => $"{(Type == "float" ? 's' : 'd')}gemm{(TransA || TransB ? $".{(TransA ? 't' : 'n')}{(TransB ? 't' : 'n')}" : "")}.{M}x{N}x{K}.{(Backend == "cuda" ? (Tf32 ? "cuda.tf32" : "cuda") : $"t{Threads}")}";

    /// <summary>Floating-point operations of one product: 2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;
}

/// <summary>What one case measured; the JSON line of <c>seqcore bench gemm --json</c> (snake_case).</summary>
/// <remarks><see cref="Repeat"/> timed samples of <see cref="Batch"/> back-to-back calls each (batch &gt; 1 only for
/// products shorter than ~50 µs); times are per call.</remarks>
internal sealed record GemmResult(
    string Suite, string Case, string Type, int M, int N, int K, bool TransA, bool TransB, int Threads, int Repeat, int Batch,
    double MedianMs, double MinMs, double Gflops, double PeakGflops, double PeakPct, string Check);

/// <summary>Times <see cref="IBackend{T}.Gemm"/> for one case and checks a sample of the result.</summary>
internal static class GemmRunner
{
    /// <summary>Target total time of the timed runs when no repeat count is given.</summary>
    public static readonly TimeSpan TargetTime = TimeSpan.FromSeconds(0.5);
    /// <summary>Least time spent on warm-up calls before timing.</summary>
    public static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(0.2);
    /// <summary>Warm-up also waits until the JIT has compiled nothing for this long (longer than its 100 ms tiering delay).</summary>
    public static readonly TimeSpan JitQuietTime = TimeSpan.FromSeconds(0.25);
    /// <summary>Most time spent on warm-up calls.</summary>
    public static readonly TimeSpan MaxWarmupTime = TimeSpan.FromSeconds(2);
    /// <summary>Fewest timed runs when no repeat count is given.</summary>
    public const int MinRepeat = 5;
    private const int MaxRepeat = 100_000;
    private const double SampleMs = 0.05;
    private const int MaxBatch = 100_000;

    /// <summary>
    /// Runs the case: warm-up calls (see the comment in the code), then <paramref name="repeat"/> timed samples (null: enough for about
    /// <see cref="TargetTime"/>, at least <see cref="MinRepeat"/>). A sample is one call, or for a product shorter
    /// than ~50 µs a batch of back-to-back calls whose mean is taken, so the clock's own cost does not count.
    /// </summary>
    public static GemmResult Run(GemmCase c, int? repeat) =>
        c.Backend == "cuda" ? CudaGemmRunner.Run(c, repeat) : c.Type == "float" ? Run<float>(c, repeat) : Run<double>(c, repeat);

    private static GemmResult Run<T>(GemmCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = BackendOption.OpenCpu<T>(c.Threads);
        int aRows = c.TransA ? c.K : c.M, aCols = c.TransA ? c.M : c.K;
        int bRows = c.TransB ? c.N : c.K, bCols = c.TransB ? c.K : c.N;
        using var a = cpu.Allocate(aRows, aCols);
        using var b = cpu.Allocate(bRows, bCols);
        using var cm = cpu.Allocate(c.M, c.N);
        var random = new RandomStream(seed: 1234);
        cpu.FillUniform(random, -T.One, T.One, a);
        cpu.FillUniform(random, -T.One, T.One, b);
        var ta = c.TransA ? Transpose.Yes : Transpose.No;
        var tb = c.TransB ? Transpose.Yes : Transpose.No;

        // Time `calls` back-to-back products and return the time of one, in ms.
        double Time(int calls)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
                cpu.Gemm(ta, tb, c.M, c.N, c.K, T.One, a, aCols, b, bCols, T.Zero, cm, c.N);
            cpu.Synchronize();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls;
        }

        // Warm-up: page faults, worker threads, and the JIT's tiering (tier-0 code is replaced by optimised
        // code in the background after a delay and a number of calls, later still on a busy machine). Calls
        // until at least WarmupTime has passed and no method has been compiled for JitQuietTime, or until
        // MaxWarmupTime; a product slower than that gets one warm-up call (its loops are optimised on-stack).
        var warmup = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        double probe = double.MaxValue;
        do
        {
            probe = Math.Min(probe, Time(1));
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled) { compiled = now; quiet.Restart(); }
        } while ((warmup.Elapsed < WarmupTime || quiet.Elapsed < JitQuietTime) && warmup.Elapsed < MaxWarmupTime);
        // Tiny products are timed in batches so that one sample lasts at least ~50 µs and the clock's own cost vanishes.
        int batch = 1;
        while (probe * batch < SampleMs && batch < MaxBatch)
        {
            batch = (int)Math.Min(MaxBatch, Math.Max(2.0 * batch, Math.Ceiling(SampleMs / Math.Max(probe, 1e-6))));
            probe = Time(batch);
        }
        // Timed samples: exactly `repeat`, or until TargetTime has passed and at least MinRepeat were taken.
        var times = new List<double>(repeat ?? 1024);
        var timed = Stopwatch.StartNew();
        while (repeat is { } r ? times.Count < r : (times.Count < MinRepeat || timed.Elapsed < TargetTime) && times.Count < MaxRepeat)
            times.Add(Time(batch));
        times.Sort();
        int runs = times.Count;
        double median = runs % 2 == 1 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
        double gflops = c.Flops / (median * 1e6);
        double peak = FmaPeak.SingleCore<T>().GflopsPerCore * cpu.Threads;

        string check = CheckSample<T>(cpu.HostSpan(a), cpu.HostSpan(b), cpu.HostSpan(cm), c, Roundoff<T>());
        return new GemmResult("gemm", c.Name, c.Type, c.M, c.N, c.K, c.TransA, c.TransB, cpu.Threads, runs, batch,
            median, times[0], gflops, peak, 100 * gflops / peak, check);
    }

    /// <summary>
    /// Recomputes a few entries of C in double on the host and compares them with the backend's result,
    /// within <c>2(k+2)·u·Σ|a·b|</c> (u the unit roundoff; about the worst-case rounding bound of a length-k
    /// dot product, doubled to cover the reference's own rounding in double).
    /// Returns "ok" or a description of the first wrong entry.
    /// </summary>
    internal static string CheckSample<T>(ReadOnlySpan<T> ha, ReadOnlySpan<T> hb, ReadOnlySpan<T> hc, GemmCase c, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (c.M == 0 || c.N == 0) return "ok";
        int aCols = c.TransA ? c.M : c.K, bCols = c.TransB ? c.K : c.N;
        var picks = new RandomStream(seed: 99);
        for (int s = 0; s < 16; s++)
        {
            int i = s == 0 ? 0 : s == 1 ? c.M - 1 : picks.NextInt(c.M);
            int j = s == 0 ? 0 : s == 1 ? c.N - 1 : picks.NextInt(c.N);
            double sum = 0, abs = 0;
            for (int p = 0; p < c.K; p++)
            {
                double x = double.CreateTruncating(c.TransA ? ha[p * aCols + i] : ha[i * aCols + p]);
                double y = double.CreateTruncating(c.TransB ? hb[j * bCols + p] : hb[p * bCols + j]);
                sum += x * y;
                abs += Math.Abs(x * y);
            }
            double got = double.CreateTruncating(hc[i * c.N + j]);
            double tol = 2.0 * (c.K + 2) * unitRoundoff * abs + 1e-300;
            if (!(Math.Abs(got - sum) <= tol))
                return $"C[{i},{j}] = {got:G9}, expected {sum:G9} (tolerance {tol:G3})";
        }
        return "ok";
    }

    /// <summary>The unit roundoff of T: 2⁻²⁴ (float) or 2⁻⁵³ (double).</summary>
    internal static double Roundoff<T>() => typeof(T) == typeof(float) ? Math.ScaleB(1.0, -24) : Math.ScaleB(1.0, -53);
}
