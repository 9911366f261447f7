using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SeqCore.Cli.Commands;

namespace SeqCore.Cli;

/// <summary>Exit codes of the <c>seqcore</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;
    /// <summary>The command ran and failed (e.g. a benchmark's result check).</summary>
    public const int Failed = 1;
    /// <summary>The command line was wrong: unknown verb or option, missing or malformed value.</summary>
    public const int Usage = 2;
}

/// <summary>
/// The <c>seqcore</c> command line. <see cref="Run(string[], TextReader, TextWriter, TextWriter)"/> is the whole program; <c>Program.cs</c> only passes
/// the console streams, so tests run the CLI in-process with <see cref="StringWriter"/>s.
/// </summary>
internal static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the verb, and returns the process exit code
    /// (<see cref="ExitCodes"/>). Everything is written to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, TextReader.Null, stdout, stderr);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, with <paramref name="stdin"/> for verbs that read
    /// standard input (<c>tokenize</c>).</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var io = new CliIO(stdout, stderr) { In = stdin };
        var root = BuildRoot(io);
        var parse = root.Parse(args);

        // An unknown verb is an error even beside --help (which would otherwise print the parent's help and exit 0).
        if (UnknownVerb(parse) is { } verb)
        {
            var group = parse.CommandResult.Command;
            stderr.WriteLine($"seqcore: unknown verb '{verb}' for '{string.Join(' ', CommandNames(parse.CommandResult))}'; the verbs are {string.Join(", ", group.Subcommands.Select(c => c.Name))}.");
            stderr.WriteLine($"Try '{HelpHint(parse.CommandResult)}'.");
            return ExitCodes.Usage;
        }

        // Help (and --version) clear parse errors; anything else with errors is a usage error: one line per
        // problem on stderr, naming the option and the value, and exit code 2.
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction or null)
        {
            foreach (var error in parse.Errors.Select(e => e.Message).Distinct())
                stderr.WriteLine($"seqcore: {error}");
            stderr.WriteLine($"Try '{HelpHint(parse.CommandResult)}'.");
            return ExitCodes.Usage;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(config);
        }
        catch (SeqCore.Cuda.CudaException e) when (e.Message.StartsWith("No CUDA device", StringComparison.Ordinal))
        {
            // --backend cuda on a machine without a usable GPU: one line saying why, exit code 2.
            stderr.WriteLine($"{string.Join(' ', CommandNames(parse.CommandResult))}: --backend cuda: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failure inside a verb (e.g. memory for a huge benchmark) is one line, not a stack trace.
            stderr.WriteLine($"{string.Join(' ', CommandNames(parse.CommandResult))}: failed: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>The root command with every verb; exposed so tests can inspect the tree.</summary>
    internal static RootCommand BuildRoot(CliIO io)
    {
        var root = new RootCommand("seqcore: the command line of SeqCore, an engine for sequence models. Verbs: train, eval, generate, forecast, classify, tag, seq2seq, word2vec, tokenize, score, gradcheck, selftest, bench, info, options.");
        root.Subcommands.Add(InfoCommand.Create(io));
        root.Subcommands.Add(BenchCommand.Create(io));
        root.Subcommands.Add(GradcheckCommand.Create(io));
        root.Subcommands.Add(SelftestCommand.Create(io));
        root.Subcommands.Add(TokenizeCommand.Create(io));
        root.Subcommands.Add(ScoreCommand.Create(io));
        root.Subcommands.Add(Seq2SeqCommand.Create(io));
        root.Subcommands.Add(ForecastCommand.Create(io));
        root.Subcommands.Add(Word2VecCommand.Create(io));
        root.Subcommands.Add(Commands.Classify.ClassifyCommand.Create(io));
        root.Subcommands.Add(TagCommand.Create(io));
        root.Subcommands.Add(TrainCommand.Create(io));
        root.Subcommands.Add(EvalCommand.Create(io));
        root.Subcommands.Add(GenerateCommand.Create(io));
        root.Subcommands.Add(OptionsCommand.Create(io));
        RequireVerb(root, io, "seqcore");
        return root;
    }

    /// <summary>
    /// Gives a command that only groups verbs an action that reports the missing verb (exit code 2), instead of
    /// System.CommandLine's generic "Required command was not provided", which would also be printed beside an
    /// unknown verb's own error.
    /// </summary>
    internal static void RequireVerb(Command group, CliIO io, string path)
    {
        group.SetAction(_ =>
        {
            io.Error.WriteLine($"seqcore: '{path}' needs a command: {string.Join(", ", group.Subcommands.Select(c => c.Name))}.");
            io.Error.WriteLine($"Try '{path} --help'.");
            return ExitCodes.Usage;
        });
    }

    /// <summary>The first word after a command that only groups verbs when it names none of them (e.g. <c>tag</c> in
    /// <c>seqcore tag --help</c>), or null.</summary>
    private static string? UnknownVerb(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command.Subcommands.Count == 0) return null;
        return parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
    }

    /// <summary>"seqcore bench gemm --help" for the innermost command the parser reached.</summary>
    private static string HelpHint(CommandResult result) => $"{string.Join(' ', CommandNames(result))} --help";

    /// <summary>The command path the parser reached, e.g. <c>seqcore bench gemm</c>.</summary>
    private static IEnumerable<string> CommandNames(CommandResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Push(c.Command is RootCommand ? "seqcore" : c.Command.Name);
        return names;
    }
}

/// <summary>The output streams a verb writes to.</summary>
internal sealed record CliIO(TextWriter Out, TextWriter Error)
{
    /// <summary>Standard input (empty unless the caller gives one).</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Streams that discard everything.</summary>
    public static CliIO Null { get; } = new(TextWriter.Null, TextWriter.Null);
}
