using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary>
/// <c>--embeddings FILE [--freeze-embeddings]</c> for the kinds with one token embedding (language model, classifier,
/// tagger):
/// copies the rows of the tokens the file holds (word2vec text or binary, or GloVe text, told apart by
/// <see cref="WordVectors.Detect"/>) into the model's <c>embedding.weight</c>; the other rows keep the model's own
/// initialisation. Frozen: the parameter is <see cref="Layers.Parameter{T}.Frozen"/>, which the optimizer skips (no
/// update, no weight decay). The found/missing counts are printed before training.
/// </summary>
internal static class PretrainedEmbeddings
{
    public static readonly TextOption File = new("--embeddings", "Word vectors (word2vec text or binary, or GloVe text) to start the token embedding from; its width must be the embedding size.", valueName: "FILE");
    public static readonly FlagOption Freeze = new("--freeze-embeddings", "Keep the embedding from --embeddings fixed: the optimizer skips it (no update, no weight decay).");

    /// <summary>The two options.</summary>
    public static IReadOnlyList<OptionSpec> Options { get; } = [File, Freeze];

    /// <summary>The name of the token embedding in every kind that takes these options.</summary>
    private const string EmbeddingName = "embedding.weight";

    /// <summary>With <c>--embeddings</c>, fills the model's embedding from the file and returns the job that reports it;
    /// else <paramref name="job"/> as it is. <see cref="UsageException"/> for a bad file or a width that differs.</summary>
    public static ITrainJob Apply(OptionValues v, ITrainJob job, ITokenizer tokenizer) =>
        Apply(v, job, () => [.. Enumerable.Range(0, tokenizer.VocabularySize).Select(id => tokenizer.Decode([id]).Trim())]);

    /// <summary>As above, with the model's tokens by id given as text (made only when the option is given).</summary>
    public static ITrainJob Apply(OptionValues v, ITrainJob job, Func<IReadOnlyList<string>> tokens)
    {
        string? path = v.FindText(File);
        if (path is null)
        {
            if (v.Get(Freeze)) throw new UsageException("--freeze-embeddings needs --embeddings FILE: there is nothing to freeze without it.");
            return job;
        }
        try { return Fill(path, v.Get(Freeze), job, tokens()); }
        catch (UsageException) { job.Dispose(); throw; }
    }

    private static Job Fill(string path, bool frozen, ITrainJob job, IReadOnlyList<string> tokens)
    {
        var model = job.Model;
        var parameter = model.Parameters.FirstOrDefault(p => p.Name == EmbeddingName)
            ?? throw new UsageException($"--embeddings: the {model.Config.Model} model has no '{EmbeddingName}' to fill.");
        WordVectorFormat format;
        WordVectors vectors;
        try { vectors = WordVectors.Read(path, format = WordVectors.Detect(path)); }
        catch (InvalidDataException e) { throw new UsageException($"--embeddings: {e.Message}"); }
        int width = parameter.Value.Shape[^1];
        if (vectors.Dimension != width)
            throw new UsageException($"--embeddings: {Path.GetFullPath(path)} holds {vectors.Dimension}-wide vectors but the model's embedding size is {width}; give --embedding {vectors.Dimension} or other vectors.");
        var (found, missing) = vectors.CopyInto(model.Backend, parameter.Value, tokens);
        parameter.Frozen = frozen;
        return new Job(job, new Report(Path.GetFullPath(path), format, found, missing, frozen));
    }

    private sealed record Report(string File, WordVectorFormat Format, int Found, int Missing, bool Frozen);

    /// <summary>The job with the embedding line added to its start.</summary>
    private sealed class Job(ITrainJob inner, Report report) : ITrainJob
    {
        public ISequenceModel<float> Model => inner.Model;
        public ITrainable<float> Trainable => inner.Trainable;
        public string Title => inner.Title;
        public IReadOnlyList<string> Inputs => [.. inner.Inputs, report.File];
        public TrainingSettings CompleteDefaults(TrainingSettings defaults) => inner.CompleteDefaults(defaults);
        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs) => inner.WriteResult(io, json, result, outputs);
        public void Dispose() => inner.Dispose();

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            if (json)
                Output.WriteJsonLine(io.Out, new { Event = "embeddings", report.File, Format = report.Format.ToString(), report.Found, report.Missing, report.Frozen });
            else
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"embeddings: {report.File} ({report.Format}): {report.Found} of {report.Found + report.Missing} tokens found, {report.Missing} initialised as the model does; {(report.Frozen ? "frozen" : "fine-tuned")}"));
            inner.WriteStart(io, json, backend);
        }
    }
}
