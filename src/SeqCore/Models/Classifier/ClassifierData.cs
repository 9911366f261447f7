using System.Globalization;
using SeqCore.IO;
using SeqCore.Metrics;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>Where a classifier's labelled text comes from and how it is split and tokenized.</summary>
public sealed record ClassifierDataOptions
{
    /// <summary>The token units <see cref="Tokens"/> accepts.</summary>
    public static IReadOnlyList<string> TokenKinds { get; } = ["char", "word"];

    /// <summary>A UTF-8 TSV of <c>text&lt;TAB&gt;label</c> lines (a header line is detected and skipped); or null.</summary>
    public string? Tsv { get; init; }

    /// <summary>An aclImdb folder (<c>train|test/pos|neg/*.txt</c>); or null. Exactly one of Tsv and Imdb is given.</summary>
    public string? Imdb { get; init; }

    /// <summary><c>char</c> or <c>word</c>; null: char for a TSV, word for aclImdb.</summary>
    public string? Tokens { get; init; }

    /// <summary>Word vocabulary cap, <c>&lt;unk&gt;</c> included.</summary>
    public int Vocab { get; init; } = 20000;

    /// <summary>Cut each text to its first N tokens (0: no limit); null: 0 for a TSV, 400 for aclImdb.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Share of each label of a TSV held out for the test (stratified).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Share of each label of the training part used for validation.</summary>
    public double ValidFraction { get; init; } = 0.1;

    /// <summary>Seed of the test split (the validation split uses seed + 1).</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>The labelled texts of a classifier run, split into training, validation and test parts, and tokenized.</summary>
public sealed class ClassifierData
{
    /// <summary>The TSV file or aclImdb folder read.</summary>
    public required string Source { get; init; }
    /// <summary>Class names by class index (sorted).</summary>
    public required string[] Labels { get; init; }
    /// <summary>True when the TSV's first line was a header and skipped.</summary>
    public required bool HeaderSkipped { get; init; }
    /// <summary><c>char</c> or <c>word</c>.</summary>
    public required string TokenKind { get; init; }
    /// <summary>The tokenizer, trained on the training texts only.</summary>
    public required ITokenizer Tokenizer { get; init; }
    /// <summary>Texts are cut to this many tokens (0: no limit).</summary>
    public required int MaxLength { get; init; }
    /// <summary>Training token ids.</summary>
    public required int[][] Train { get; init; }
    /// <summary>Training labels.</summary>
    public required int[] TrainLabels { get; init; }
    /// <summary>Validation token ids.</summary>
    public required int[][] Valid { get; init; }
    /// <summary>Validation labels.</summary>
    public required int[] ValidLabels { get; init; }
    /// <summary>Test token ids.</summary>
    public required int[][] Test { get; init; }
    /// <summary>Test labels.</summary>
    public required int[] TestLabels { get; init; }
    /// <summary>How the parts were made, in words.</summary>
    public required string SplitDescription { get; init; }

    /// <summary>
    /// Reads the TSV or aclImdb folder, checks the labels, splits (TSV: stratified test part; both: stratified
    /// validation part of the training data), trains the tokenizer on the training texts only and encodes everything.
    /// Throws <see cref="InvalidDataException"/>, <see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/>
    /// with one message for any fault in the data.
    /// </summary>
    public static ClassifierData Load(ClassifierDataOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if ((o.Tsv is null) == (o.Imdb is null)) throw new ArgumentException("ClassifierData: give exactly one of a TSV file and an aclImdb folder.");
        if (o.Tokens is not null && !ClassifierDataOptions.TokenKinds.Contains(o.Tokens))
            throw new ArgumentException($"ClassifierData: tokens: expected {string.Join(" or ", ClassifierDataOptions.TokenKinds)}, got '{o.Tokens}'.");
        var ci = CultureInfo.InvariantCulture;
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
            split = string.Create(ci, $"test: {o.TestFraction:0.###} of each label, stratified, seed {o.Seed}");
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
        split += string.Create(ci, $"; validation: {o.ValidFraction:0.###} of each label of the rest");

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
        return new ClassifierData
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

    /// <summary>Test accuracy of the majority class of the training part, and of token n-gram naive Bayes (trigrams of
    /// characters, bigrams of words) trained on the training part; with two labels also naive Bayes' test ROC AUC, its
    /// log odds of the second label as the score (the majority class scores every text alike: AUC 0.5).</summary>
    public (double Majority, double NaiveBayes, int Order, double? NaiveBayesAuc) Baselines()
    {
        int majority = TrainLabels.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        double majorityAccuracy = TestLabels.Count(l => l == majority) / (double)TestLabels.Length;
        int order = TokenKind == "char" ? 3 : 2;
        var nb = TokenNgramNaiveBayes.Train(Train, TrainLabels, Labels.Length, order);
        int correct = 0;
        var logOdds = new double[Test.Length];
        for (int i = 0; i < Test.Length; i++)
        {
            double[] scores = nb.LogScores(Test[i]);
            if (nb.Predict(Test[i]) == TestLabels[i]) correct++;
            if (Labels.Length == 2) logOdds[i] = scores[1] - scores[0];
        }
        double? auc = Labels.Length == 2 && TestLabels.Distinct().Count() == 2 ? RocAuc.Compute(logOdds, TestLabels) : null;
        return (majorityAccuracy, correct / (double)Test.Length, order, auc);
    }

    private static int[] Indices(IReadOnlyList<LabeledExample> examples, string[] labels)
    {
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        return [.. examples.Select(e => index.TryGetValue(e.Label, out int i) ? i
            : throw new InvalidDataException($"{e.Source}: label '{e.Label}' does not occur in the training data ({string.Join(", ", labels)}).")) ];
    }
}
