using System.Text;
using SeqCore.Cli.Commands;
using SeqCore.Cli.Commands.Classify;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Options;

/// <summary>
/// The option reference (docs/options.md), generated from the declarations: one table per verb, and for <c>train</c>
/// the shared options then each model kind's own. <c>seqcore options</c> prints it; a test checks the committed file is
/// current.
/// </summary>
internal static class OptionReference
{
    /// <summary>The verbs whose options are declared with <see cref="OptionSpec"/>, in the order of the reference.</summary>
    public static IReadOnlyList<(string Verb, IReadOnlyList<OptionSpec> Options)> Verbs { get; } =
    [
        ("eval", EvalCommand.AllOptions),
        ("generate", GenerateCommand.AllOptions),
        ("forecast", ForecastCommand.AllOptions),
        ("classify", ClassifyCommand.AllOptions),
        ("tag train", TagTrainCommand.AllOptions),
        ("tag eval", TagEvalCommand.AllOptions),
        ("tag predict", TagPredictCommand.AllOptions),
        ("seq2seq train", Seq2SeqTrainCommand.AllOptions),
        ("seq2seq translate", Seq2SeqTranslateCommand.AllOptions),
        ("seq2seq eval", Seq2SeqEvalCommand.AllOptions),
        ("seq2seq make-data", Seq2SeqMakeDataCommand.AllOptions),
        ("seq2seq data", Seq2SeqDataCommand.AllOptions),
        ("word2vec train", Word2VecTrainCommand.AllOptions),
        ("word2vec neighbours", Word2VecNeighboursCommand.AllOptions),
        ("word2vec analogy", Word2VecAnalogyCommand.AllOptions),
        ("tokenize", TokenizeCommand.AllOptions),
        ("score", ScoreCommand.AllOptions),
        ("info", InfoCommand.AllOptions),
        ("gradcheck", GradcheckCommand.AllOptions),
        ("selftest", SelftestCommand.AllOptions),
        ("bench gemm", BenchGemmCommand.AllOptions),
        ("bench lstm | gru | rnn", BenchRecurrentCommand.AllOptions),
        ("bench mha (alias attention)", BenchAttentionCommand.AllOptions),
        ("bench lm", BenchLanguageModelCommand.AllOptions),
        ("bench seq2seq", BenchSeq2SeqCommand.AllOptions),
        ("bench generate", BenchGenerateCommand.AllOptions),
        ("bench cuda-kernels", BenchCudaKernelsCommand.AllOptions),
    ];

    public static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("# Option reference\n\n");
        sb.Append("Generated from the option declarations by `seqcore options` (do not edit by hand; a test checks it is current). ");
        sb.Append("Every option is declared once and means the same in every verb. In a `--config` file the keys are the option names ");
        sb.Append("without the dashes; flags on the command line win. `--out` is always the checkpoint file; every other output of a ");
        sb.Append("verb is written beside it as `NAME.<what>.<ext>`.\n\n");
        sb.Append("## train: shared options\n\n");
        Table(sb, [TrainCommand.Model, .. TrainFlow.SharedOptions]);
        foreach (var kind in TrainKinds.All)
        {
            var d = kind.Defaults;
            sb.Append($"## train --model {kind.Kind.Name}\n\n{kind.Kind.Description}. Training defaults: steps {kind.StepsText}, ");
            sb.Append(System.FormattableString.Invariant($"lr {d.LearningRate}, optimizer {d.Optimizer}, clip {d.Clip}, schedule {d.Schedule}, evaluation {kind.EvalEveryText}, patience {d.Patience}.\n\n"));
            Table(sb, kind.Options);
        }
        foreach (var (verb, options) in Verbs)
        {
            sb.Append($"## {verb}\n\n");
            Table(sb, options);
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, IEnumerable<OptionSpec> options)
    {
        sb.Append("| option | value | default | what it does |\n| --- | --- | --- | --- |\n");
        foreach (var o in options)
            sb.Append($"| `{o.Name}` | {Cell(o.TypeText)} | {Cell(o.DefaultText ?? "—")} | {Cell(o.Help)} |\n");
        sb.Append('\n');
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
