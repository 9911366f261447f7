using SeqCore.IO;

namespace SeqCore.Tests.IO;

/// <summary>Reading labelled text: TSV header detection, line endings, faults with file:line, and the seeded stratified split.</summary>
public class LabeledTextTests
{
    private string _file = null!;

    [SetUp] public void SetUp() => _file = Path.Combine(Path.GetTempPath(), $"seqcore-labeled-{Guid.NewGuid():N}.tsv");
    [TearDown] public void TearDown() => File.Delete(_file);

    private (IReadOnlyList<LabeledExample> Examples, bool Header) Read(string text)
    {
        File.WriteAllText(_file, text);
        return LabeledText.ReadTsv(_file);
    }

    [Test]
    public void Detects_a_header_line_by_its_label_occurring_nowhere_else()
    {
        var (examples, header) = Read("text\tlabel\r\nhund\tdanish\r\n\r\nhond\tdutch\r\nhus\tdanish\r\n");
        Assert.That(header, Is.True);
        Assert.That(examples.Select(e => (e.Text, e.Label)), Is.EqualTo(new[] { ("hund", "danish"), ("hond", "dutch"), ("hus", "danish") }));
        Assert.That(examples[1].Source, Is.EqualTo($"{_file}:4"), "line numbers count the header and blank lines");

        (examples, header) = Read("hund\tdanish\nhond\tdutch\nhus\tdanish\n");
        Assert.That(header, Is.False);
        Assert.That(examples, Has.Count.EqualTo(3));
    }

    [Test]
    public void The_label_is_after_the_last_tab()
    {
        var (examples, _) = Read("a\tb\tx\nc\tx\n");
        Assert.That(examples[0].Text, Is.EqualTo("a\tb"));
        Assert.That(examples[0].Label, Is.EqualTo("x"));
    }

    [Test]
    public void Faults_name_the_file_and_line()
    {
        Assert.That(Assert.Throws<InvalidDataException>(() => Read("a\tx\nb x\n"))!.Message, Is.EqualTo($"{_file}:2: no tab; expected 'text<TAB>label'."));
        Assert.That(Assert.Throws<InvalidDataException>(() => Read("a\tx\nb\t \n"))!.Message, Does.StartWith($"{_file}:2: the label"));
        Assert.That(Assert.Throws<InvalidDataException>(() => Read("a\tx\n  \tx\n"))!.Message, Does.StartWith($"{_file}:2: the text"));
        Assert.That(Assert.Throws<InvalidDataException>(() => Read("\n\n"))!.Message, Does.Contain("no examples"));
        Assert.Throws<FileNotFoundException>(() => LabeledText.ReadTsv(_file + ".missing"));
    }

    [Test]
    public void Label_checks_need_two_classes_and_two_examples_each()
    {
        LabeledExample E(string label) => new("t", label, "src:1");
        Assert.That(LabeledText.CheckLabels([E("b"), E("a"), E("b"), E("a")], "d"), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Assert.Throws<InvalidDataException>(() => LabeledText.CheckLabels([E("a"), E("a")], "d"))!.Message, Does.Contain("only one class"));
        Assert.That(Assert.Throws<InvalidDataException>(() => LabeledText.CheckLabels([E("a"), E("a"), E("b")], "d"))!.Message,
            Does.Contain("label 'b' has 1 example (src:1)"));
    }

    [Test]
    public void Stratified_split_is_seeded_disjoint_and_keeps_label_shares()
    {
        int[] labels = [.. Enumerable.Range(0, 100).Select(i => i < 70 ? 0 : i < 95 ? 1 : 2)]; // 70, 25, 5
        var (kept, held) = LabeledText.StratifiedSplit(labels, 0.2, 7);
        Assert.That(kept.Concat(held).Order(), Is.EqualTo(Enumerable.Range(0, 100)));
        Assert.That(held.Count(i => labels[i] == 0), Is.EqualTo(14));
        Assert.That(held.Count(i => labels[i] == 1), Is.EqualTo(5));
        Assert.That(held.Count(i => labels[i] == 2), Is.EqualTo(1));
        Assert.That(LabeledText.StratifiedSplit(labels, 0.2, 7).HeldOut, Is.EqualTo(held));
        Assert.That(LabeledText.StratifiedSplit(labels, 0.2, 8).HeldOut, Is.Not.EqualTo(held));
        var (k2, h2) = LabeledText.StratifiedSplit([0, 0, 1, 1], 0.01, 1);
        Assert.That(h2, Has.Length.EqualTo(2), "a label with two examples gives one to each part");
        Assert.That(k2, Has.Length.EqualTo(2));
    }
}
