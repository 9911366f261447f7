using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Diagnostics;

/// <summary>A measured floating-point peak.</summary>
/// <param name="ElementType">"float" or "double".</param>
/// <param name="Threads">Threads that ran the loop at the same time.</param>
/// <param name="Gflops">GFLOP/s of all threads together.</param>
/// <param name="GflopsPerCore">GFLOP/s per thread (<see cref="Gflops"/> / <see cref="Threads"/>).</param>
/// <param name="Method">The instruction sequence measured, e.g. <c>Vector256 FMA</c>.</param>
/// <param name="Elapsed">Wall time the measurement took.</param>
internal sealed record FmaPeakResult(string ElementType, int Threads, double Gflops, double GflopsPerCore, string Method, TimeSpan Elapsed);

/// <summary>
/// Measures the machine's arithmetic peak: a tight loop of independent vector multiply-add chains that
/// keeps every FMA unit busy. This is the ceiling a GEMM kernel is compared with ("% of peak").
/// </summary>
/// <remarks>
/// <para>The loop runs <see cref="Chains"/> independent accumulator chains. An FMA has a latency of about
/// 4 cycles and modern cores issue 2 per cycle, so at least 8 chains are needed to keep both units busy;
/// 12 leaves headroom for cores with a longer latency and still fits the 16 YMM registers.</para>
/// <para>With FMA and a hardware <see cref="Vector256{T}"/> (x86 AVX2/FMA3) each iteration is 12
/// <c>vfmadd</c> instructions, counted as 2 FLOP per lane; where the GEMM uses AVX-512 the loop does too
/// (<see cref="Vector512{T}"/>, twice the lanes). Elsewhere the loop uses
/// <see cref="Vector{T}"/> multiply and add (still 2 FLOP per lane, but not fused), which is the best the
/// portable path can do; <see cref="FmaPeakResult.Method"/> says which ran.</para>
/// <para>The result is the best of several short windows, so a descheduled window on a busy machine does
/// not lower it. It is a measurement, not a datasheet number: turbo, SMT siblings and other load move it.</para>
/// </remarks>
internal static class FmaPeak
{
    /// <summary>Independent accumulator chains in the measured loop.</summary>
    public const int Chains = 12;

    private const int InnerIterations = 1 << 14;
    private static readonly object CacheLock = new();
    private static FmaPeakResult? _cachedFloat, _cachedDouble;

    /// <summary>True when the measured loop uses fused <see cref="Vector256{T}"/> FMA instructions.</summary>
    public static bool UsesFusedVector256 => Fma.IsSupported && Vector256.IsHardwareAccelerated && !UsesFusedVector512;

    /// <summary>True when the measured loop uses fused <see cref="Vector512{T}"/> FMA instructions: wherever the packed
    /// GEMM runs its AVX-512 micro-kernels, so that its "% of peak" is against the width it computes with.</summary>
    public static bool UsesFusedVector512 => Cpu.Gemm.Avx512Width.Available;

    /// <summary>
    /// Measures the peak for <typeparamref name="T"/> (float or double) with <paramref name="threads"/> threads
    /// running the loop at once, for about <paramref name="duration"/> in total (default 60 ms).
    /// </summary>
    public static FmaPeakResult Measure<T>(int threads = 1, TimeSpan? duration = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"FmaPeak measures float and double, not {typeof(T).Name}.");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"Thread count must be at least 1, got {threads}.");
        var total = duration ?? TimeSpan.FromMilliseconds(60);
        if (total <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), $"Duration must be positive, got {total}.");

        const int windows = 20;
        long windowTicks = Math.Max(1, (long)(total.TotalSeconds * Stopwatch.Frequency / windows));
        var clock = Stopwatch.StartNew();
        Kernel<T>(1); // JIT the loop before timing

        double[] perThread = new double[threads];
        if (threads == 1)
        {
            perThread[0] = BestRate<T>(windows, windowTicks);
        }
        else
        {
            using var start = new Barrier(threads);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int id = t;
                workers[t] = new Thread(() => { start.SignalAndWait(); perThread[id] = BestRate<T>(windows, windowTicks); })
                { IsBackground = true, Name = $"FmaPeak {id}" };
                workers[t].Start();
            }
            foreach (var w in workers) w.Join();
        }

        double sum = perThread.Sum();
        string type = typeof(T) == typeof(float) ? "float" : "double";
        string method = UsesFusedVector512 ? "Vector512 FMA" : UsesFusedVector256 ? "Vector256 FMA" : $"Vector<{type}> mul+add ({Vector<T>.Count} lanes)";
        return new FmaPeakResult(type, threads, sum / 1e9, sum / 1e9 / threads, method, clock.Elapsed);
    }

    /// <summary>The single-thread peak for <typeparamref name="T"/>, measured once per process and cached.</summary>
    public static FmaPeakResult SingleCore<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        lock (CacheLock)
        {
            if (typeof(T) == typeof(float)) return _cachedFloat ??= Measure<T>();
            return _cachedDouble ??= Measure<T>();
        }
    }

    /// <summary>Best FLOP/s over <paramref name="windows"/> windows of about <paramref name="windowTicks"/> each.</summary>
    private static double BestRate<T>(int windows, long windowTicks) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double best = 0;
        for (int w = 0; w < windows; w++)
        {
            long flops = 0;
            long begin = Stopwatch.GetTimestamp(), now;
            do
            {
                flops += Kernel<T>(InnerIterations);
                now = Stopwatch.GetTimestamp();
            } while (now - begin < windowTicks);
            best = Math.Max(best, flops * (double)Stopwatch.Frequency / (now - begin));
        }
        return best;
    }

    /// <summary>Runs <paramref name="iterations"/> iterations and returns the FLOP count done.</summary>
    private static long Kernel<T>(int iterations) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UsesFusedVector512)
        {
            if (typeof(T) == typeof(float)) { Sink(Fused512<float>(iterations)); return 2L * Chains * Vector512<float>.Count * iterations; }
            Sink(Fused512<double>(iterations)); return 2L * Chains * Vector512<double>.Count * iterations;
        }
        if (UsesFusedVector256)
        {
            if (typeof(T) == typeof(float)) { Sink(FusedSingle(iterations)); return 2L * Chains * Vector256<float>.Count * iterations; }
            Sink(FusedDouble(iterations)); return 2L * Chains * Vector256<double>.Count * iterations;
        }
        Sink(Portable<T>(iterations));
        return 2L * Chains * Vector<T>.Count * iterations;
    }

    private static double _sink;

    // Keeps the accumulators observable so the JIT cannot drop the loop.
    private static void Sink(double value) => _sink += value;

    // acc = acc·a + b converges to b/(1-a) (about 1e-4/1e-4 = 1): no overflow, no denormals, and each chain
    // depends on its own previous value, so the loop is bound by FMA throughput once there are enough chains.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FusedSingle(int iterations)
    {
        var a = Vector256.Create(0.9999f);
        var b = Vector256.Create(1e-4f);
        Vector256<float> c0 = Vector256.Create(0.5f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b); c1 = Fma.MultiplyAdd(c1, a, b); c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b); c4 = Fma.MultiplyAdd(c4, a, b); c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b); c7 = Fma.MultiplyAdd(c7, a, b); c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b); c10 = Fma.MultiplyAdd(c10, a, b); c11 = Fma.MultiplyAdd(c11, a, b);
        }
        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(s);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FusedDouble(int iterations)
    {
        var a = Vector256.Create(0.9999);
        var b = Vector256.Create(1e-4);
        Vector256<double> c0 = Vector256.Create(0.5), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b); c1 = Fma.MultiplyAdd(c1, a, b); c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b); c4 = Fma.MultiplyAdd(c4, a, b); c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b); c7 = Fma.MultiplyAdd(c7, a, b); c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b); c10 = Fma.MultiplyAdd(c10, a, b); c11 = Fma.MultiplyAdd(c11, a, b);
        }
        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(s);
    }

    /// <summary>The same loop on Vector512 (AVX-512F), float or double.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Fused512<T>(int iterations) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Vector512.Create(T.CreateTruncating(0.9999));
        var b = Vector512.Create(T.CreateTruncating(1e-4));
        Vector512<T> c0 = Vector512.Create(T.CreateTruncating(0.5)), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Cpu.VectorMath.MultiplyAdd(c0, a, b); c1 = Cpu.VectorMath.MultiplyAdd(c1, a, b); c2 = Cpu.VectorMath.MultiplyAdd(c2, a, b);
            c3 = Cpu.VectorMath.MultiplyAdd(c3, a, b); c4 = Cpu.VectorMath.MultiplyAdd(c4, a, b); c5 = Cpu.VectorMath.MultiplyAdd(c5, a, b);
            c6 = Cpu.VectorMath.MultiplyAdd(c6, a, b); c7 = Cpu.VectorMath.MultiplyAdd(c7, a, b); c8 = Cpu.VectorMath.MultiplyAdd(c8, a, b);
            c9 = Cpu.VectorMath.MultiplyAdd(c9, a, b); c10 = Cpu.VectorMath.MultiplyAdd(c10, a, b); c11 = Cpu.VectorMath.MultiplyAdd(c11, a, b);
        }
        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return double.CreateTruncating(Vector512.Sum(s));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Portable<T>(int iterations) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new Vector<T>(T.CreateTruncating(0.9999));
        var b = new Vector<T>(T.CreateTruncating(1e-4));
        Vector<T> c0 = new(T.CreateTruncating(0.5)), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b; c4 = c4 * a + b; c5 = c5 * a + b;
            c6 = c6 * a + b; c7 = c7 * a + b; c8 = c8 * a + b; c9 = c9 * a + b; c10 = c10 * a + b; c11 = c11 * a + b;
        }
        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return double.CreateTruncating(Vector.Sum(s));
    }
}
