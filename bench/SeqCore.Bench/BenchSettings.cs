namespace SeqCore.Bench;

/// <summary>
/// Parameter lists shared by the suites, each overridable from the environment so a quick run can pick one
/// small case (BenchmarkDotNet's <c>--filter</c> selects methods, not parameter values):
/// <c>SEQCORE_BENCH_SHAPES=64x64x64 SEQCORE_BENCH_THREADS=1 ./build.sh bench '*Gemm*' --job short</c>.
/// </summary>
public static class BenchSettings
{
    /// <summary>Comma-separated shapes from <paramref name="variable"/>, or <paramref name="defaults"/>.</summary>
    public static IEnumerable<string> Shapes(string variable, params string[] defaults) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } s
            ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : defaults;

    /// <summary>Thread counts from <c>SEQCORE_BENCH_THREADS</c> (0 or <c>all</c> = every core), or 1 and every core.</summary>
    public static IEnumerable<int> Threads()
    {
        int all = Environment.ProcessorCount;
        if (Environment.GetEnvironmentVariable("SEQCORE_BENCH_THREADS") is { Length: > 0 } s)
            return s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => t.Equals("all", StringComparison.OrdinalIgnoreCase) || t == "0" ? all : int.Parse(t, System.Globalization.CultureInfo.InvariantCulture))
                .Distinct().ToArray();
        return all > 1 ? [1, all] : [1];
    }

    /// <summary>Parses <c>AxBxC</c> into its numbers.</summary>
    public static int[] Dims(string shape) =>
        shape.Split('x').Select(d => int.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
