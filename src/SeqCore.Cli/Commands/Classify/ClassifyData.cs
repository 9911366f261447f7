using SeqCore.IO;
using SeqCore.Text;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>The labelled texts of a <c>classify</c> run, split into training, validation and test parts, and tokenized.</summary>
internal sealed class ClassifyData
{
    public required string Source { get; init; }
    public required string[] Labels { get; init; }
    public required bool HeaderSkipped { get; init; }
    public required string TokenKind { get; init; }
    public required ITokenizer Tokenizer { get; init; }
    public required int MaxLength { get; init; }
    public required int[][] Train { get; init; }
    public required int[] TrainLabels { get; init; }
    public required int[][] Valid { get; init; }
    public required int[] ValidLabels { get; init; }
    public required int[][] Test { get; init; }
    public required int[] TestLabels { get; init; }
    public required string SplitDescription { get; init; }

    /// <summary>
    /// Reads <c>--tsv</c> or <c>--imdb</c>, checks the labels, splits (TSV: stratified test part; both: stratified
    /// validation part of the training data), trains the tokenizer on the training texts only and encodes everything.
    /// Throws <see cref="InvalidDataException"/>, <see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/>
    /// with one message for any fault in the data.
    /// </summary>
    public static ClassifyData Load(ClassifyOptions o)
    {
        List<LabeledExample> trainPart, testPart;
        string source;
        string[] labels;
        bool header = false;
        string split;
        if (o.Tsv is not null)
        {
            source = o.Tsv;
            var (examples, skipped) = LabeledText.ReadTsv(o.Tsv);
            header = skipped;
            labels = LabeledText.CheckLabels(examples, o.Tsv);
            int[] all = Indices(examples, labels);
            var (kept, held) = LabeledText.StratifiedSplit(all, o.TestFraction, o.Seed);
            trainPart = [.. kept.Select(i => examples[i])];
            testPart = [.. held.Select(i => examples[i])];
            split = $"test: {o.TestFraction:0.###} of each label, stratified, seed {o.Seed}";
        }
        else
        {
            source = o.Imdb!;
            if (!Directory.Exists(o.Imdb)) throw new DirectoryNotFoundException($"{o.Imdb}: folder not found.");
            trainPart = [.. LabeledText.ReadImdbSplit(o.Imdb!, "train")];
            testPart = [.. LabeledText.ReadImdbSplit(o.Imdb!, "test")];
            labels = LabeledText.CheckLabels(trainPart, Path.Combine(o.Imdb!, "train"));
            LabeledText.CheckLabels(testPart, Path.Combine(o.Imdb!, "test"), minPerLabel: 1);
            split = "test: aclImdb test/";
        }
        int[] trainIdx = Indices(trainPart, labels);
        var (fit, valid) = LabeledText.StratifiedSplit(trainIdx, o.ValidFraction, o.Seed + 1);
        split += $"; validation: {o.ValidFraction:0.###} of each label of the rest";

        string kind = o.Tokens ?? (o.Imdb is not null ? "word" : "char");
        string corpus = string.Join('\n', fit.Select(i => trainPart[i].Text));
        ITokenizer tokenizer = kind == "char" ? CharTokenizer.Train(corpus, "<unk>") : WordTokenizer.Train(corpus, o.Vocab);
        int maxLength = o.MaxLength ?? (o.Imdb is not null ? 400 : 0);
        int[] Encode(LabeledExample e)
        {
            int[] ids = tokenizer.Encode(e.Text);
            if (ids.Length == 0) throw new InvalidDataException($"{e.Source}: the text has no {kind} tokens.");
            return maxLength > 0 && ids.Length > maxLength ? ids[..maxLength] : ids;
        }
        int[] testIdx = Indices(testPart, labels);
        return new ClassifyData
        {
            Source = source,
            Labels = labels,
            HeaderSkipped = header,
            TokenKind = kind,
            Tokenizer = tokenizer,
            MaxLength = maxLength,
            Train = [.. fit.Select(i => Encode(trainPart[i]))],
            TrainLabels = [.. fit.Select(i => trainIdx[i])],
            Valid = [.. valid.Select(i => Encode(trainPart[i]))],
            ValidLabels = [.. valid.Select(i => trainIdx[i])],
            Test = [.. testPart.Select(Encode)],
            TestLabels = testIdx,
            SplitDescription = split,
        };
    }

    private static int[] Indices(IReadOnlyList<LabeledExample> examples, string[] labels)
    {
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        return [.. examples.Select(e => index.TryGetValue(e.Label, out int i) ? i
            : throw new InvalidDataException($"{e.Source}: label '{e.Label}' does not occur in the training data ({string.Join(", ", labels)}).")) ];
    }
}
