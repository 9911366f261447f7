using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>bench lstm|gru|rnn|mha|lm --profile</c>: instead of the timing table, where one training step's time goes
/// by op family (a <see cref="ProfilingBackend{T}"/> around the CPU backend), against the peaks measured in the run.</summary>
internal static class BenchProfile
{
    public static readonly FlagOption Profile = new("--profile",
        "Instead of timing, show where a training step's time goes by op family (GEMMs by role, cell kernels, attention, softmax/loss, " +
        "layer norm, optimizer, other) as ms, share, GFLOP/s or GB/s against the FMA peak and memory bandwidth measured in the same run (CPU backend).");

    /// <summary>True when <c>--profile</c> is given; a profile of another backend than the CPU is a usage error.</summary>
    public static bool Requested(OptionValues v, string? backend = null)
    {
        if (!v.Get(Profile)) return false;
        if (backend is not null && backend != "cpu")
            throw new UsageException($"--profile times the CPU backend's calls; --backend {backend} queues work on a device, so its calls cannot be timed one by one.");
        return true;
    }

    /// <summary>Profiles each case with <paramref name="run"/> and prints one table per case (or one JSON line each).</summary>
    public static int Write<TCase>(CliIO io, IEnumerable<TCase> cases, Func<TCase, StepProfile> run, bool json)
    {
        foreach (var c in cases)
        {
            var p = run(c);
            if (json) { Output.WriteJsonLine(io.Out, p); continue; }
            var table = new Table().Title(Markup.Escape($"Where a training step goes: {p.Case} ({Output.Sig3(p.StepMs)} ms per step, {p.Steps} steps)"))
                .AddColumn("Family").AddColumn("ms/step", c => c.RightAligned()).AddColumn("share", c => c.RightAligned())
                .AddColumn("calls/step", c => c.RightAligned()).AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("% FMA peak", c => c.RightAligned())
                .AddColumn("GB/s", c => c.RightAligned()).AddColumn("% bandwidth", c => c.RightAligned());
            foreach (var r in p.Families.OrderByDescending(r => r.MsPerStep))
                table.AddRow(Markup.Escape(r.Family), Output.Sig3(r.MsPerStep), Percent(r.Share * 100), r.CallsPerStep.ToString("0.#", CultureInfo.InvariantCulture),
                    Rate(r.Gflops), Percent(r.PercentOfFmaPeak), Rate(r.GBs), Percent(r.PercentOfBandwidth));
            table.AddRow("host (between calls)", Output.Sig3(p.HostMs), Percent(p.HostMs / p.StepMs * 100), "", "", "", "", "");
            var console = Output.Console(io.Out);
            console.Write(table);
            var operations = new Table().Title("The backend calls that take longest (the rest of the backend time in the last row)")
                .AddColumn("Call").AddColumn("Family").AddColumn("ms/step", c => c.RightAligned()).AddColumn("share", c => c.RightAligned())
                .AddColumn("calls/step", c => c.RightAligned());
            foreach (var o in p.Operations.Take(TopOperations))
                operations.AddRow(Markup.Escape(o.Operation), Markup.Escape(o.Family), Output.Sig3(o.MsPerStep), Percent(o.Share * 100),
                    o.CallsPerStep.ToString("0.#", CultureInfo.InvariantCulture));
            if (p.Operations.Length > TopOperations)
            {
                double restMs = p.Operations.Skip(TopOperations).Sum(o => o.MsPerStep);
                operations.AddRow($"{p.Operations.Length - TopOperations} others", "", Output.Sig3(restMs), Percent(restMs / p.StepMs * 100), "");
            }
            console.Write(operations);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Peaks measured in this run: FMA {Output.Sig3(p.FmaPeakGflops)} GFLOP/s ({Output.Sig3(p.FmaPeakGflopsPerCore)} per core × {p.Threads} threads), " +
                $"memory {Output.Sig3(p.BandwidthGBs)} GB/s (Add over 3 × 32 MiB, so cache-resident work can pass 100%). Bytes count each tensor argument once."));
        }
        return ExitCodes.Ok;
    }

    private const int TopOperations = 12;

    private static string Rate(double? x) => x is { } v ? Output.Sig3(v) : "";
    private static string Percent(double? x) => x is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "";
}
