using System.CommandLine;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench</c>: a group of quick, self-contained benchmarks (BenchmarkDotNet suites live in bench/).</summary>
internal static class BenchCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("bench", "Quick benchmarks of backend operations (for full statistics use './build.sh bench').")
        {
            BenchGemmCommand.Create(io),
            BenchRecurrentCommand.Create(io, "lstm"),
            BenchRecurrentCommand.Create(io, "gru"),
            BenchRecurrentCommand.Create(io, "rnn"),
            BenchAttentionCommand.Create(io),
            BenchLanguageModelCommand.Create(io),
            BenchCudaKernelsCommand.Create(io),
        };
        CliApp.RequireVerb(command, io, "seqcore bench");
        return command;
    }
}
