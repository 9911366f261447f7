using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary>
/// <c>--embeddings FILE [--freeze-embeddings]</c> for the kinds with one token embedding (language model, classifier,
/// tagger), <c>--source-embeddings</c>/<c>--target-embeddings</c> for the sequence-to-sequence kinds: copies the rows of
/// the tokens the file holds (word2vec text or binary, or GloVe text, told apart by
/// <see cref="WordVectors.Detect"/>) into the model's embedding table; the other rows keep the model's own
/// initialisation. Frozen: the parameter is <see cref="Layers.Parameter{T}.Frozen"/>, which the optimizer skips (no
/// update, no weight decay). The found/missing counts are printed before training.
/// </summary>
internal static class PretrainedEmbeddings
{
    public static readonly TextOption File = new("--embeddings", "Word vectors (word2vec text or binary, or GloVe text) to start the token embedding from; its width must be the embedding size.", valueName: "FILE");
    public static readonly TextOption SourceFile = new("--source-embeddings", "Word vectors (word2vec text or binary, or GloVe text) to start the source embedding from; its width must be the embedding size.", valueName: "FILE");
    public static readonly TextOption TargetFile = new("--target-embeddings", "Word vectors (word2vec text or binary, or GloVe text) to start the target embedding from (with the transformer, also the output projection it is tied to); its width must be the embedding size.", valueName: "FILE");
    public static readonly FlagOption Freeze = new("--freeze-embeddings", "Keep the embedding(s) started from word vectors fixed: the optimizer skips them (no update, no weight decay).");

    /// <summary>The options of the kinds with one token embedding.</summary>
    public static IReadOnlyList<OptionSpec> Options { get; } = [File, Freeze];

    /// <summary>The options of the sequence-to-sequence kinds (a source and a target embedding).</summary>
    public static IReadOnlyList<OptionSpec> Seq2SeqOptions { get; } = [SourceFile, TargetFile, Freeze];

    /// <summary>With <c>--embeddings</c>, fills the model's <c>embedding.weight</c> from the file and returns the job that
    /// reports it; else <paramref name="job"/> as it is. <see cref="UsageException"/> for a bad file or a width that differs.</summary>
    public static ITrainJob Apply(OptionValues v, ITrainJob job, ITokenizer tokenizer) =>
        Apply(v, job, () => [.. Enumerable.Range(0, tokenizer.VocabularySize).Select(id => tokenizer.Decode([id]).Trim())]);

    /// <summary>As above, with the model's tokens by id given as text (made only when the option is given).</summary>
    public static ITrainJob Apply(OptionValues v, ITrainJob job, Func<IReadOnlyList<string>> tokens) =>
        Fill(v, job, [(File, "embedding.weight", tokens)]);

    /// <summary>With <c>--source-embeddings</c> and/or <c>--target-embeddings</c>, fills <c>source_embedding.weight</c> and
    /// <c>target_embedding.weight</c> from the vocabulary's tokens on each side.</summary>
    public static ITrainJob ApplySeq2Seq(OptionValues v, ITrainJob job, Seq2SeqVocabulary vocabulary) =>
        Fill(v, job,
        [
            (SourceFile, "source_embedding.weight", () => [.. Enumerable.Range(0, vocabulary.SourceSize).Select(id => vocabulary.SourceLabel(id).Trim())]),
            (TargetFile, "target_embedding.weight", () => [.. Enumerable.Range(0, vocabulary.TargetSize).Select(id => vocabulary.TargetLabel(id).Trim())]),
        ]);

    private static ITrainJob Fill(OptionValues v, ITrainJob job, IReadOnlyList<(TextOption Option, string Parameter, Func<IReadOnlyList<string>> Tokens)> tables)
    {
        var given = tables.Where(t => v.FindText(t.Option) is not null).ToList();
        if (given.Count == 0)
        {
            if (v.Get(Freeze)) throw new UsageException($"--freeze-embeddings needs {string.Join(" or ", tables.Select(t => t.Option.Name + " FILE"))}: there is nothing to freeze without it.");
            return job;
        }
        try
        {
            var reports = given.Select(t => FillOne(v.FindText(t.Option)!, t.Option.Name, t.Parameter, v.Get(Freeze), job.Model, t.Tokens())).ToList();
            return new Job(job, reports);
        }
        catch (UsageException) { job.Dispose(); throw; }
    }

    private static Report FillOne(string path, string option, string name, bool frozen, ISequenceModel<float> model, IReadOnlyList<string> tokens)
    {
        var parameter = model.Parameters.FirstOrDefault(p => p.Name == name)
            ?? throw new UsageException($"{option}: the {model.Config.Model} model has no '{name}' to fill{(name.StartsWith("source", StringComparison.Ordinal) ? " (a shared embedding is the target's: give --target-embeddings)" : "")}.");
        WordVectorFormat format;
        WordVectors vectors;
        try { vectors = WordVectors.Read(path, format = WordVectors.Detect(path)); }
        catch (InvalidDataException e) { throw new UsageException($"{option}: {e.Message}"); }
        int width = parameter.Value.Shape[^1];
        if (vectors.Dimension != width)
            throw new UsageException($"{option}: {Path.GetFullPath(path)} holds {vectors.Dimension}-wide vectors but the model's embedding size is {width}; give --embedding {vectors.Dimension} or other vectors.");
        var (found, missing) = vectors.CopyInto(model.Backend, parameter.Value, tokens);
        parameter.Frozen = frozen;
        return new Report(name, Path.GetFullPath(path), format, found, missing, frozen);
    }

    private sealed record Report(string Parameter, string File, WordVectorFormat Format, int Found, int Missing, bool Frozen);

    /// <summary>The job with one embedding line per filled table added to its start.</summary>
    private sealed class Job(ITrainJob inner, IReadOnlyList<Report> reports) : ITrainJob
    {
        public ISequenceModel<float> Model => inner.Model;
        public ITrainable<float> Trainable => inner.Trainable;
        public string Title => inner.Title;
        public IReadOnlyList<string> Inputs => [.. inner.Inputs, .. reports.Select(r => r.File)];
        public TrainingSettings CompleteDefaults(TrainingSettings defaults) => inner.CompleteDefaults(defaults);
        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs) => inner.WriteResult(io, json, result, outputs);
        public void Dispose() => inner.Dispose();

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            foreach (var report in reports)
            {
                string which = report.Parameter == "embedding.weight" ? "" : $" ({report.Parameter})";
                if (json)
                    Output.WriteJsonLine(io.Out, new { Event = "embeddings", report.Parameter, report.File, Format = report.Format.ToString(), report.Found, report.Missing, report.Frozen });
                else
                    io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"embeddings{which}: {report.File} ({report.Format}): {report.Found} of {report.Found + report.Missing} tokens found, {report.Missing} initialised as the model does; {(report.Frozen ? "frozen" : "fine-tuned")}"));
            }
            inner.WriteStart(io, json, backend);
        }
    }
}
