using System.CommandLine;
using SeqCore.Cli.Options;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench</c>: a group of quick, self-contained benchmarks (BenchmarkDotNet suites live in bench/),
/// and the options its benchmarks share.</summary>
internal static class BenchCommand
{
    public static readonly IntListOption Threads = new("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [0], "all");
    public static readonly ChoiceListOption Type = new("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
    public static readonly IntOption Repeat = new("--repeat", "Timed runs per case (default: about 1 s worth, 5 to 50; 3 when one run takes over a second).", null);

    public static Command Create(CliIO io)
    {
        var command = new Command("bench", "Quick benchmarks of backend operations: median times, GFLOP/s and a correctness check per case.")
        {
            BenchGemmCommand.Create(io),
            BenchRecurrentCommand.Create(io, "lstm"),
            BenchRecurrentCommand.Create(io, "gru"),
            BenchRecurrentCommand.Create(io, "rnn"),
            BenchAttentionCommand.Create(io),
            BenchLanguageModelCommand.Create(io),
            BenchSeq2SeqCommand.Create(io),
            BenchGenerateCommand.Create(io),
            BenchCudaKernelsCommand.Create(io),
        };
        CliApp.RequireVerb(command, io, "seqcore bench");
        return command;
    }

    /// <summary>A bench verb's command with <paramref name="options"/>, running <paramref name="execute"/>; a bad value
    /// is one line on stderr naming the option, exit code 2.</summary>
    public static Command Verb(CliIO io, string name, string description, IReadOnlyList<OptionSpec> options, Func<OptionValues, int> execute) =>
        CliVerb.Create(io, $"bench {name}", name, description, options, (_, v) => execute(v));
}
