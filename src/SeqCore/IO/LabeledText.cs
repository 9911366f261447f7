using SeqCore.Random;

namespace SeqCore.IO;

/// <summary>A text and its class label.</summary>
/// <param name="Text">The text (non-empty).</param>
/// <param name="Label">The label (non-empty).</param>
/// <param name="Source">Where it came from, for messages: <c>file:line</c> or a file name.</param>
public sealed record LabeledExample(string Text, string Label, string Source);

/// <summary>
/// Reads labelled texts for classification: a TSV file of <c>text&lt;TAB&gt;label</c> lines, or the aclImdb folder layout
/// <c>train|test/pos|neg/*.txt</c>; checks that every label has enough examples; and splits stratified by label. Faults
/// are <see cref="InvalidDataException"/>s whose message names the file (and line) and what is wrong.
/// </summary>
public static class LabeledText
{
    /// <summary>The aclImdb splits and, inside each, the label folders (the folder name is the label).</summary>
    public static readonly string[] ImdbSplits = ["train", "test"], ImdbLabels = ["neg", "pos"];

    /// <summary>
    /// Reads a UTF-8 TSV file (other bytes are refused with their offset, see <see cref="Utf8Text"/>): one example per line, the label after the last tab and the text before it (blank lines are
    /// skipped; a trailing <c>\r</c> is dropped). The first line is a header, and skipped, when its label occurs on no
    /// other line: a real example with a label of its own could not be used anyway (every label needs two examples).
    /// </summary>
    /// <returns>The examples and whether a header line was skipped.</returns>
    public static (IReadOnlyList<LabeledExample> Examples, bool HeaderSkipped) ReadTsv(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        var examples = new List<LabeledExample>();
        int number = 0;
        foreach (string raw in Utf8Text.ReadLines(path))
        {
            number++;
            string line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) continue;
            string where = $"{path}:{number}";
            int tab = line.LastIndexOf('\t');
            if (tab < 0) throw new InvalidDataException($"{where}: no tab; expected 'text<TAB>label'.");
            string text = line[..tab], label = line[(tab + 1)..].Trim();
            if (label.Length == 0) throw new InvalidDataException($"{where}: the label after the tab is empty.");
            if (text.Trim().Length == 0) throw new InvalidDataException($"{where}: the text before the tab is empty.");
            examples.Add(new LabeledExample(text, label, where));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{path}: no examples (the file is empty).");
        bool header = examples.Count > 1 && !examples.Skip(1).Any(e => e.Label == examples[0].Label);
        return (header ? examples.Skip(1).ToList() : examples, header);
    }

    /// <summary>
    /// Reads one split (<c>train</c> or <c>test</c>) of the aclImdb layout under <paramref name="root"/>: every
    /// <c>*.txt</c> of <c>{split}/neg</c> and <c>{split}/pos</c>, in file-name order, HTML line breaks (<c>&lt;br /&gt;</c>) turned
    /// into spaces. A missing folder or a folder without <c>.txt</c> files is an error naming it.
    /// </summary>
    public static IReadOnlyList<LabeledExample> ReadImdbSplit(string root, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: folder not found.");
        var examples = new List<LabeledExample>();
        foreach (string label in ImdbLabels)
        {
            string dir = Path.Combine(root, split, label);
            if (!Directory.Exists(dir))
                throw new InvalidDataException($"{root}: not the aclImdb layout: {Path.Combine(split, label)} is missing (expected train/pos, train/neg, test/pos and test/neg, each with *.txt files).");
            string[] files = Directory.GetFiles(dir, "*.txt");
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0) throw new InvalidDataException($"{dir}: no .txt files.");
            foreach (string file in files)
            {
                string text = Utf8Text.ReadAllText(file).Replace("<br />", " ", StringComparison.Ordinal).Replace("<br/>", " ", StringComparison.Ordinal);
                if (text.Trim().Length == 0) throw new InvalidDataException($"{file}: the review is empty.");
                examples.Add(new LabeledExample(text, label, file));
            }
        }
        return examples;
    }

    /// <summary>
    /// The sorted distinct labels of <paramref name="examples"/>, after checking there are at least two of them and
    /// <paramref name="minPerLabel"/> examples of each; <paramref name="source"/> names the data in messages.
    /// </summary>
    public static string[] CheckLabels(IReadOnlyList<LabeledExample> examples, string source, int minPerLabel = 2)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var counts = examples.GroupBy(e => e.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (counts.Count < 2)
            throw new InvalidDataException($"{source}: only one class ('{counts.Keys.FirstOrDefault()}'); a classifier needs at least two.");
        foreach (var (label, count) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (count < minPerLabel)
                throw new InvalidDataException($"{source}: label '{label}' has {count} example{(count == 1 ? "" : "s")} ({examples.First(e => e.Label == label).Source}); every label needs at least {minPerLabel}.");
        return [.. counts.Keys.OrderBy(k => k, StringComparer.Ordinal)];
    }

    /// <summary>
    /// A seeded split stratified by label: of each label's examples (indices into <paramref name="labels"/>), a shuffled
    /// <c>round(n·fraction)</c> go to the held-out part, at least one and at most n − 1 when the label has two or more.
    /// Both parts come back in ascending index order.
    /// </summary>
    public static (int[] Kept, int[] HeldOut) StratifiedSplit(IReadOnlyList<int> labels, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"StratifiedSplit: the fraction must be in (0, 1), got {fraction}.");
        var random = new RandomStream(seed);
        var kept = new List<int>();
        var held = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] members = [.. group];
            for (int i = members.Length - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }
            int take = (int)Math.Round(members.Length * fraction, MidpointRounding.AwayFromZero);
            if (members.Length >= 2) take = Math.Clamp(take, 1, members.Length - 1);
            held.AddRange(members[..take]);
            kept.AddRange(members[take..]);
        }
        kept.Sort();
        held.Sort();
        return ([.. kept], [.. held]);
    }
}
