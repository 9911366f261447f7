using System.Diagnostics;
using System.Numerics;
using SeqCore.Diagnostics;

namespace SeqCore.Cli.Benchmarks;

/// <summary>The peaks a profile is read against, measured in the same run: the FMA peak (<c>seqcore info</c>'s
/// single-core loop, times the threads) and the memory bandwidth of the backend's <c>Add</c> over three 32 MiB
/// buffers (two read, one written), the best of twenty (a busy machine descheduling some of them).</summary>
internal sealed record MachinePeaks(double FmaGflops, double FmaGflopsPerCore, int Threads, double BandwidthGBs)
{
    private const int BandwidthElements = 8 << 20;

    public static MachinePeaks Measure<T>(IBackend<T> backend, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double perCore = FmaPeak.Measure<T>().GflopsPerCore;
        int n = BandwidthElements * 4 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        using var a = backend.Allocate(n);
        using var b = backend.Allocate(n);
        using var y = backend.Allocate(n);
        backend.Fill(T.One, a);
        backend.Fill(T.One, b);
        double best = double.MaxValue;
        for (int i = 0; i < 21; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            backend.Add(a, b, y);
            backend.Synchronize();
            if (i > 0) best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds); // the first call warms up
        }
        double bytes = 3.0 * n * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return new MachinePeaks(perCore * threads, perCore, threads, bytes / best / 1e9);
    }
}

/// <summary>One family of a profile: per training step, its calls, time, share of the step and rate against the peak
/// (GFLOP/s for the GEMM and attention families, GB/s for the rest; null where the family has no such work).</summary>
internal sealed record ProfileRow(string Family, double CallsPerStep, double MsPerStep, double Share, double? Gflops, double? PercentOfFmaPeak,
    double? GBs, double? PercentOfBandwidth);

/// <summary>The JSON line of <c>bench … --profile</c>: where one training step's time goes. <c>host_ms</c> is the part
/// of the step spent between backend calls (managed code, loops, the profiler's own clock reads).</summary>
internal sealed record StepProfile(string Suite, string Case, string Type, int Threads, int Steps, double StepMs, double BackendMs, double HostMs,
    double FmaPeakGflops, double FmaPeakGflopsPerCore, double BandwidthGBs, ProfileRow[] Families, OperationRow[] Operations);

/// <summary>One backend method within a family, per training step (the profile's finer view, longest first).</summary>
internal sealed record OperationRow(string Operation, string Family, double CallsPerStep, double MsPerStep, double Share);

/// <summary>Runs a training step through a <see cref="ProfilingBackend{T}"/> and books its time by family.</summary>
internal static class StepProfiler
{
    /// <summary>Warms <paramref name="step"/> up (3 calls), then runs it <paramref name="repeat"/> times (default 10)
    /// and divides what each family booked, and the wall time, by the runs.</summary>
    public static StepProfile Profile<T>(ProfilingBackend<T> backend, Action step, int? repeat, string caseName, string type, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(step);
        var peaks = MachinePeaks.Measure(backend.Inner, threads);
        for (int i = 0; i < 3; i++) step();
        int runs = repeat ?? 10;
        backend.Reset();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < runs; i++) step();
        double stepMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / runs;
        var totals = backend.Totals;
        var rows = totals.Where(t => t.Calls > 0).Select(t => Row(t, runs, stepMs, peaks)).ToArray();
        double backendMs = rows.Sum(r => r.MsPerStep);
        var operations = backend.Operations.Select(o => new OperationRow(o.Operation, OpFamilies.Name(o.Family), (double)o.Calls / runs,
            o.Seconds * 1e3 / runs, o.Seconds * 1e3 / runs / stepMs)).OrderByDescending(o => o.MsPerStep).ToArray();
        return new StepProfile("profile", caseName, type, threads, runs, stepMs, backendMs, stepMs - backendMs,
            peaks.FmaGflops, peaks.FmaGflopsPerCore, peaks.BandwidthGBs, rows, operations);
    }

    private static ProfileRow Row(FamilyTotal t, int runs, double stepMs, MachinePeaks peaks)
    {
        double ms = t.Seconds * 1e3 / runs;
        double? gflops = null, gbs = null;
        if (t.Seconds > 0 && OpFamilies.CountsFlops(t.Family) && t.Flops > 0) gflops = t.Flops / t.Seconds / 1e9;
        if (t.Seconds > 0 && !OpFamilies.CountsFlops(t.Family) && t.Bytes > 0) gbs = t.Bytes / t.Seconds / 1e9;
        return new ProfileRow(OpFamilies.Name(t.Family), (double)t.Calls / runs, ms, ms / stepMs, gflops, gflops / peaks.FmaGflops * 100,
            gbs, gbs / peaks.BandwidthGBs * 100);
    }
}
