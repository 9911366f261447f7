using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore train</c>: trains any model kind from flags or a <c>--config</c> file (same names), through the one
/// <see cref="TrainFlow"/>. <c>--model</c> picks the kind (default <c>language-model</c>); an option that belongs to
/// another kind is an error naming its kind.
/// </summary>
internal static class TrainCommand
{
    public static readonly TextOption Model = new("--model", $"What to train: {string.Join(", ", TrainKinds.All.Select(k => k.Kind.Name))}.", "language-model", "KIND");

    /// <summary>Every option <c>train</c> takes: the shared ones, <c>--model</c>, and each kind's own (one per name).</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Model, .. TrainFlow.SharedOptions, .. TrainKinds.All.SelectMany(k => k.Options).DistinctBy(o => o.Name)];

    public static Command Create(CliIO io)
    {
        var command = CliVerb.Create(io, "train", "train", "Train a model from flags or a --config file: a language model (the default) or, with --model, any kind of the catalogue; writes the checkpoint (resumable with --resume) and a loss-curve SVG beside it.", [Model, .. TrainFlow.SharedOptions], (_, v) => Execute(io, v));
        // A kind's own option appears once per name; its help says which kinds take it (and their defaults), and the
        // kind's own declaration parses it (OptionValues finds the value by name).
        foreach (var group in TrainKinds.All.SelectMany(k => k.Options.Select(o => (Kind: k.Kind.Name, Option: o))).GroupBy(x => x.Option.Name))
        {
            var first = group.First().Option;
            string kinds = string.Join("; ", group.Select(x => x.Option.DefaultText is { } d ? $"{x.Kind}, default {d}" : x.Kind));
            string help = $"{first.Help} [{first.TypeText}; {kinds}]";
            command.Options.Add(first is FlagOption ? new Option<bool>(first.Name) { Description = help } : new Option<string[]>(first.Name) { Description = help, HelpName = first.ValueName, AllowMultipleArgumentsPerToken = false });
        }
        return command;
    }

    private static int Execute(CliIO io, OptionValues values)
    {
        values.WithConfigFile();
        string kindName = values.Get(Model);
        var kind = TrainKinds.Find(kindName)
            ?? throw new UsageException($"{values.Where(Model)}: unknown model kind '{kindName}'; this build trains: {string.Join(", ", TrainKinds.All.Select(k => k.Kind.Name))}.");
        var own = new HashSet<string>([Model.Name, .. TrainFlow.SharedOptions.Select(o => o.Name), .. kind.Options.Select(o => o.Name)], StringComparer.Ordinal);
        foreach (var other in AllOptions.Where(o => !own.Contains(o.Name)))
            if (values.IsSet(other))
                throw new UsageException($"{other.Name} is not an option of a {kind.Kind.Name}; it belongs to {string.Join(", ", TrainKinds.All.Where(k => k.Options.Any(o => o.Name == other.Name)).Select(k => k.Kind.Name))}.");
        values.RejectUnknownKeys(AllOptions, "train");
        return TrainFlow.Run(io, kind, values, "train");
    }
}
