using System.Diagnostics;

namespace SeqCore.Cli.Benchmarks;

/// <summary>What <see cref="StepTimer.Measure"/> found: medians in ms, the runs timed, managed bytes per training step.</summary>
internal readonly record struct StepTiming(double ForwardMs, double MedianMs, double MinMs, int Runs, long AllocatedBytesPerStep);

/// <summary>Times a layer's forward pass alone and its training step (forward + backward) the same way for every suite.</summary>
internal static class StepTimer
{
    /// <summary>
    /// Warms up (arenas, worker threads, and the tiered JIT, which recompiles hot methods on a background thread that
    /// takes a core on a 2-core machine: at least 3 calls and 0.5 s of each, or as many calls as fit in 2 s when one call
    /// is longer; and in both cases until a call compiles no method, at most 20 s), then times
    /// <paramref name="repeat"/> runs of each (default: <see cref="DefaultRuns"/>), counting the managed bytes the
    /// training steps allocate. torch_bench.py warms up and picks its runs by the same time rule.
    /// </summary>
    public static StepTiming Measure(Action forwardOnly, Action step, int? repeat)
    {
        Warm(step);
        Warm(forwardOnly);
        int runs = repeat ?? DefaultRuns(Time(step));
        var forward = new double[runs];
        for (int i = 0; i < runs; i++) forward[i] = Time(forwardOnly);
        var times = new double[runs];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) times[i] = Time(step);
        long allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;
        Array.Sort(forward);
        Array.Sort(times);
        return new StepTiming(forward[runs / 2] * 1e3, times[runs / 2] * 1e3, times[0] * 1e3, runs, allocated);
    }

    /// <summary>About 1 s worth of runs, 5 to 50; 3 when one run takes over a second (the grid's largest cases).</summary>
    public static int DefaultRuns(double secondsPerRun) =>
        secondsPerRun > 1.0 ? 3 : Math.Clamp((int)(1.0 / Math.Max(1e-4, secondsPerRun)), 5, 50);

    /// <summary>Most time a warm-up waits for the JIT to go quiet.</summary>
    public const double MaxWarmupSeconds = 20;

    /// <summary>
    /// Calls <paramref name="a"/> until the time rule above is met and the last call compiled nothing: a step of a
    /// second or more otherwise stops after two calls, while methods it calls thousands of times (the attention
    /// tiles' kernels, the exp) still run their unoptimised first tier, about 5 % of the transformer step.
    /// </summary>
    private static void Warm(Action a)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; ; i++)
        {
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            a();
            bool jitQuiet = System.Runtime.JitInfo.GetCompiledMethodCount() == compiled;
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (((i >= 2 && elapsed >= 0.5) || elapsed >= 2.0) && jitQuiet) return;
            if (elapsed >= MaxWarmupSeconds) return;
        }
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
