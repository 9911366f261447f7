using System.CommandLine;
using System.Text;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore seq2seq make-data</c>: writes a TSV of pairs from a built-in task generator (<see cref="Seq2SeqTasks"/>).</summary>
internal static class Seq2SeqMakeDataCommand
{
    public static readonly ChoiceOption Task = new("--task", "The task: dates (many date styles → ISO yyyy-mm-dd), reverse (letters → reversed), numbers (English words → digits).", [.. Seq2SeqTasks.Names], "dates");
    public static readonly IntOption Count = new("--count", "Pairs to write (distinct sources).", 20000);
    public static readonly TextOption Out = new("--out", "The TSV file to write (source<TAB>target per line; required). An existing file is replaced only when it is a TSV of pairs (or with --force); a read-only one never.", valueName: "FILE");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Task, Count, CommonOptions.Seed, Out, CommonOptions.Force, CommonOptions.Json];

    public static Command Create(CliIO io) =>
        CliVerb.Create(io, "seq2seq make-data", "make-data", "Write a TSV of source<TAB>target pairs from a built-in task, so a recipe needs no external data.", AllOptions, (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        string task = v.Get(Task);
        string path = v.FindText(Out) ?? throw new UsageException("--out is required: the TSV file to write.");
        using var plan = OutputPlan.Open([], [new(Out.Name, path, Replaces: Artefact.PairsTsv)], v.Get(CommonOptions.Force));
        IReadOnlyList<(string Source, string Target)> pairs;
        try { pairs = Seq2SeqTasks.Generate(task, v.Get(Count), v.Get(CommonOptions.Seed)); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var text = new StringBuilder();
        foreach (var (s, t) in pairs) text.Append(s).Append('\t').Append(t).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString(), createDirectory: true);
        string full = Path.GetFullPath(path);
        if (v.Get(CommonOptions.Json)) Output.WriteJsonLine(io.Out, new { Event = "result", Task = task, Count = pairs.Count, Out = full });
        else
        {
            io.Out.WriteLine($"wrote {pairs.Count} '{task}' pairs to {full}");
            foreach (var (s, t) in pairs.Take(3)) io.Out.WriteLine($"  {s}  →  {t}");
        }
        return ExitCodes.Ok;
    }
}
