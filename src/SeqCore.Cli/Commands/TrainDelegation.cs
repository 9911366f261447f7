using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.Json;
using System.Text.Json.Nodes;
using SeqCore.Cli.Commands.Classify;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore train --model forecaster|classifier|seq2seq|word2vec</c>: the model kinds that have a verb of their own
/// are trained by that verb. The config file's keys are that verb's option names without the dashes, and every other
/// command-line token is passed through, so <c>train --config air.json</c> with
/// <c>{"model": "forecaster", "csv": "data/airpassengers.csv", "column": "passengers", "log": true}</c> runs exactly
/// <c>forecast --csv data/airpassengers.csv --column passengers --log</c>. Flags on the command line win over the file.
/// </summary>
internal static class TrainDelegation
{
    /// <summary>A model kind and the verb (and sub-verb) that trains it.</summary>
    private sealed record Target(string Kind, string Verb, Func<CliIO, Command> Create, string[] Prefix);

    private static readonly Target[] Targets =
    [
        new("forecaster", "forecast", ForecastCommand.Create, []),
        new("classifier", "classify", ClassifyCommand.Create, []),
        new("seq2seq", "seq2seq train", Seq2SeqCommand.Create, ["train"]),
        new("word2vec", "word2vec train", Word2VecCommand.Create, ["train"]),
    ];

    /// <summary>The kinds trained by another verb.</summary>
    public static IEnumerable<string> Kinds => Targets.Select(t => t.Kind);

    /// <summary>True when <paramref name="kind"/> is trained by another verb.</summary>
    public static bool Handles(string kind) => Targets.Any(t => t.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs the verb for <paramref name="kind"/> with the command line's tokens (less <c>--config</c> and
    /// <c>--model</c>) and the config's settings that the command line does not give.</summary>
    public static int Run(CliIO io, string kind, ParseResult parse, JsonObject? config, string? configPath)
    {
        var target = Targets.First(t => t.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase));
        var args = new List<string>(target.Prefix);
        var tokens = parse.Tokens.Select(t => t.Value).SkipWhile(v => v != "train").Skip(1).ToList();
        for (int i = 0; i < tokens.Count; i++)
        {
            string t = tokens[i];
            if (t is "--config" or "--model") { i++; continue; }
            if (t.StartsWith("--config=", StringComparison.Ordinal) || t.StartsWith("--model=", StringComparison.Ordinal)) continue;
            args.Add(t);
        }
        var given = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, node) in config ?? [])
        {
            if (key == "model" || node is null || given.Contains($"--{key}")) continue;
            switch (node.GetValueKind())
            {
                case JsonValueKind.True: args.Add($"--{key}"); break;
                case JsonValueKind.False: break;
                case JsonValueKind.Array: args.Add($"--{key}"); args.Add(string.Join(",", node.AsArray().Select(Text))); break;
                case JsonValueKind.Object: throw new UsageException($"{configPath}: \"{key}\": expected a number, a string, true/false or a list, got an object.");
                default: args.Add($"--{key}"); args.Add(Text(node)); break;
            }
        }

        var command = target.Create(io);
        var result = command.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors.Select(e => e.Message).Distinct())
                io.Error.WriteLine($"seqcore: train --model {target.Kind} (runs '{target.Verb}'{(configPath is null ? "" : $" with the settings of {configPath}")}): {error}");
            io.Error.WriteLine($"Try 'seqcore {target.Verb} --help' for the options (config keys are the same names without dashes).");
            return ExitCodes.Usage;
        }
        return result.Invoke(new InvocationConfiguration { Output = io.Out, Error = io.Error, EnableDefaultExceptionHandler = false });
    }

    private static string Text(JsonNode? node) =>
        node is null ? "" : node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
}
