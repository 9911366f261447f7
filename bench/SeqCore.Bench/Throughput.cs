using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SeqCore.Diagnostics;

namespace SeqCore.Bench;

/// <summary>A benchmark whose work per operation can be counted from its parameters.</summary>
/// <remarks>The columns create an instance with the parameterless constructor (no setup runs) and set nothing:
/// the counts must come from <paramref name="parameter"/>, which reads the case's parameter values by name.</remarks>
public interface ICountedBenchmark
{
    /// <summary>Floating-point operations of one call of <paramref name="method"/>, or null where they are not countable.</summary>
    double? Flops(string method, Func<string, object?> parameter);

    /// <summary>The least bytes one call must move to and from memory, or null.</summary>
    double? Bytes(string method, Func<string, object?> parameter);

    /// <summary>Threads the case runs on (for % of peak).</summary>
    int ThreadCount(Func<string, object?> parameter);
}

/// <summary>The GFLOP/s, % of peak and GB/s columns, added to a suite with <c>[Config(typeof(ThroughputConfig))]</c>.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    /// <summary>Adds the three columns.</summary>
    public ThroughputConfig() => AddColumn(ThroughputColumn.Gflops, ThroughputColumn.PeakPercent, ThroughputColumn.Bandwidth);
}

/// <summary>
/// A column computed from a case's parameters and its mean time: GFLOP/s = flops / mean, % of peak =
/// GFLOP/s / (single-core FMA peak × threads), GB/s = bytes / mean. The peak is measured once per process by
/// <see cref="FmaPeak.SingleCore{T}"/>, in the host process after the benchmarks have run, so it sees the same
/// idle machine.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    private enum Kind { Gflops, PeakPercent, Bandwidth }

    /// <summary>GFLOP/s.</summary>
    public static readonly IColumn Gflops = new ThroughputColumn(Kind.Gflops);
    /// <summary>% of the measured FMA peak × threads.</summary>
    public static readonly IColumn PeakPercent = new ThroughputColumn(Kind.PeakPercent);
    /// <summary>GB/s of the least memory traffic.</summary>
    public static readonly IColumn Bandwidth = new ThroughputColumn(Kind.Bandwidth);

    private readonly Kind _kind;
    private ThroughputColumn(Kind kind) => _kind = kind;

    /// <inheritdoc />
    public string Id => $"SeqCore.{_kind}";
    /// <inheritdoc />
    public string ColumnName => _kind switch { Kind.Gflops => "GFLOP/s", Kind.PeakPercent => "% peak", _ => "GB/s" };
    /// <inheritdoc />
    public bool AlwaysShow => true;
    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc />
    public int PriorityInCategory => (int)_kind;
    /// <inheritdoc />
    public bool IsNumeric => true;
    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc />
    public string Legend => _kind switch
    {
        Kind.Gflops => "Floating-point operations per second (2·m·n·k for GEMM) from the mean time, in 10^9/s",
        Kind.PeakPercent => "GFLOP/s as a percentage of the measured single-core FMA peak (SeqCore.Diagnostics.FmaPeak) times the thread count",
        _ => "The least bytes the operation must read and write, per second of mean time, in 10^9/s",
    };

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Amount(c) is not null);
    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNs is not > 0 || Amount(benchmarkCase) is not { } amount) return "-";
        double value = amount / meanNs.Value; // per ns = 10^9 per s
        if (_kind == Kind.PeakPercent)
            value = 100 * value / (PeakPerCore(benchmarkCase) * Counted(benchmarkCase)!.ThreadCount(name => Parameter(benchmarkCase, name)));
        return value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
    }

    /// <summary>FLOP (GFLOP/s and % of peak) or bytes (GB/s) of one operation of the case; null where not countable.</summary>
    private double? Amount(BenchmarkCase c)
    {
        if (Counted(c) is not { } counted) return null;
        string method = c.Descriptor.WorkloadMethod.Name;
        return _kind == Kind.Bandwidth
            ? counted.Bytes(method, name => Parameter(c, name))
            : counted.Flops(method, name => Parameter(c, name));
    }

    private static object? Parameter(BenchmarkCase c, string name) =>
        c.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value;

    private static ICountedBenchmark? Counted(BenchmarkCase c) =>
        typeof(ICountedBenchmark).IsAssignableFrom(c.Descriptor.Type) ? (ICountedBenchmark?)Activator.CreateInstance(c.Descriptor.Type) : null;

    private static double PeakPerCore(BenchmarkCase c)
    {
        var type = c.Descriptor.Type;
        bool isDouble = type.IsGenericType && type.GetGenericArguments()[0] == typeof(double);
        return isDouble ? FmaPeak.SingleCore<double>().GflopsPerCore : FmaPeak.SingleCore<float>().GflopsPerCore;
    }

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
