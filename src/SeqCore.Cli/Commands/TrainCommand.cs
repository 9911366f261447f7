using System.CommandLine;
using SeqCore.Cli.LanguageModels;

namespace SeqCore.Cli.Commands;

/// <summary>The training settings every model kind shares (steps, time budget, optimizer, schedule, evaluation …).</summary>
internal sealed class CommonTrainOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "A JSON file of settings: keys are these option names without the dashes (e.g. {\"model\": \"language-model\", \"arch\": \"gru\", \"steps\": 2000}); flags given on the command line win.", HelpName = "FILE" };
    public Option<string?> Model { get; } = new("--model") { Description = "What to train: language-model (the default), or forecaster, classifier, seq2seq, word2vec — these run the verb of that name (forecast, classify, seq2seq train, word2vec train) with the remaining flags and the config's keys as its options.", HelpName = "KIND" };
    public Option<string?> Steps { get; } = new("--steps") { Description = "Optimizer steps at most (default 1000, or unbounded with --time).", HelpName = "N" };
    public Option<string?> Time { get; } = new("--time") { Description = "Wall-time budget: 120, 90s, 2m, 1h. Training stops after the step that crosses it.", HelpName = "DURATION" };
    public Option<string?> Batch { get; } = new("--batch") { Description = "Sequences per batch (default 32).", HelpName = "B" };
    public Option<string?> LearningRate { get; } = new("--lr") { Description = "Learning rate (default 0.002; the peak with a schedule).", HelpName = "RATE" };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "adam (default), adamw or sgd (momentum 0.9 unless --momentum).", HelpName = "adam|adamw|sgd" };
    public Option<string?> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (default 0; 0.01 for adamw).", HelpName = "W" };
    public Option<string?> Momentum { get; } = new("--momentum") { Description = "SGD momentum (default 0.9).", HelpName = "M" };
    public Option<string?> Clip { get; } = new("--clip") { Description = "Clip the global gradient norm to this (default 1; 0 = off).", HelpName = "NORM" };
    public Option<string?> Schedule { get; } = new("--schedule") { Description = "constant (default); step (halve the rate every quarter of the steps); cosine (linear warm-up, cosine decay to a tenth). step and cosine need --steps.", HelpName = "constant|step|cosine" };
    public Option<string?> Warmup { get; } = new("--warmup") { Description = "Warm-up steps of the cosine schedule (default 5% of --steps).", HelpName = "N" };
    public Option<string?> EvalEvery { get; } = new("--eval-every") { Description = "Score the held-out data every N steps and at the end (default 100; 0 = only at the end). The checkpoint keeps the best.", HelpName = "N" };
    public Option<string?> Patience { get; } = new("--patience") { Description = "Stop after N evaluations without improvement (default 0 = never).", HelpName = "N" };
    public Option<string?> Threads { get; } = new("--threads") { Description = "CPU threads (default 0 = all cores).", HelpName = "N" };
    public Option<string?> Seed { get; } = new("--seed") { Description = "Seed of the initial weights and dropout masks (default 1): the same seed, settings and thread count give the same model.", HelpName = "S" };
    public Option<string?> Out { get; } = new("--out") { Description = "Checkpoint to write (default model.safetensors); the loss curve goes beside it as NAME.loss.svg.", HelpName = "FILE" };
    public Option<bool> Json { get; } = CliOptions.Flag("--json", "Progress and the final result as JSON lines.");

    public IEnumerable<Option> All => [Config, Model, Steps, Time, Batch, LearningRate, Optimizer, WeightDecay, Momentum, Clip, Schedule, Warmup, EvalEvery, Patience, Threads, Seed, Out, Json];
}

/// <summary>
/// <c>seqcore train</c>: trains a model from flags or a <c>--config</c> file. The <c>model</c> setting picks the kind
/// of model; each kind is one <see cref="ModelKind"/> entry (its own options plus the shared ones), so another kind
/// is one more entry. Unknown kinds are a usage error (exit code 2).
/// </summary>
internal static class TrainCommand
{
    /// <summary>A kind of model <c>train</c> knows: its name, its own options and how to run it.</summary>
    internal sealed record ModelKind(string Name, IReadOnlyList<Option> Options, Func<CliIO, CommandSettings, CommonTrainOptions, int> Run);

    public static Command Create(CliIO io)
    {
        var common = new CommonTrainOptions();
        var lm = new LanguageModelTrainOptions();
        IReadOnlyList<ModelKind> kinds = [new(LanguageModelTrainOptions.Kind, lm.All.ToList(), (io2, s, c) => LanguageModelTraining.Run(io2, s, c, lm))];
        var command = new Command("train", "Train a model from flags or a --config file: a language model (rnn, lstm, gru or transformer over a text corpus; the default), or with --model forecaster|classifier|seq2seq|word2vec any other model (the options are then those of its own verb); writes the checkpoint and a loss-curve SVG.")
        {
            // Tokens this command does not know are kept for the verb of another model kind (checked below).
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in common.All) command.Options.Add(o);
        foreach (var o in kinds.SelectMany(k => k.Options).DistinctBy(o => o.Name)) command.Options.Add(o);
        command.SetAction(parse => Execute(io, parse, common, kinds));
        return command;
    }

    internal static int Execute(CliIO io, ParseResult parse, CommonTrainOptions common, IReadOnlyList<ModelKind> kinds)
    {
        try
        {
            string? configPath = parse.GetValue(common.Config);
            var config = configPath is null ? null : CommandSettings.ReadConfig(configPath);
            var settings = new CommandSettings(parse, config, configPath);
            string kindName = settings.String(common.Model, LanguageModelTrainOptions.Kind)!;
            if (TrainDelegation.Handles(kindName)) return TrainDelegation.Run(io, kindName, parse, config, configPath);
            if (parse.UnmatchedTokens.Count > 0)
                throw new UsageException($"unrecognized argument(s) for a {kindName}: {string.Join(" ", parse.UnmatchedTokens)}.");
            var kind = kinds.FirstOrDefault(k => k.Name.Equals(kindName, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"{(config is not null && parse.GetResult(common.Model) is null ? $"{configPath}: \"model\"" : "--model")}: unknown model kind '{kindName}'; " +
                    $"this build trains: {string.Join(", ", kinds.Select(k => k.Name).Concat(TrainDelegation.Kinds))}.");
            settings.RejectUnknownKeys([.. common.All, .. kind.Options]);
            return kind.Run(io, settings, common);
        }
        catch (UsageException e)
        {
            io.Error.WriteLine($"seqcore: train: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
