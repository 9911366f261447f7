using System.CommandLine;
using SeqCore.IO;
using System.Text;
using SeqCore.Cli.Seq2SeqCli;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore seq2seq make-data</c>: writes a TSV of pairs from a built-in task generator (<see cref="Seq2SeqTasks"/>).</summary>
internal static class Seq2SeqMakeDataCommand
{
    public static Command Create(CliIO io)
    {
        var task = CliOptions.Choices("--task", "The task: dates (many date styles → ISO yyyy-mm-dd), reverse (letters → reversed), numbers (English words → digits).",
            [.. Seq2SeqTasks.Names], ["dates"]);
        var count = ModelOptions.PositiveInt("--count", "Pairs to write (distinct sources)", 20000);
        var seed = ModelOptions.Seed(1, "Seed of every random choice (initialisation, batches, teacher forcing, data); same seed, same result.");
        var output = new Option<string>("--out") { Description = "The TSV file to write (source<TAB>target per line).", HelpName = "FILE", Required = true };
        var json = CliOptions.Flag("--json", "Print the result as one JSON object.");
        var command = new Command("make-data", "Write a TSV of source<TAB>target pairs from a built-in task, so a recipe needs no external data.")
        {
            task, count, seed, output, json,
        };
        command.SetAction(parse =>
        {
            string[] tasks = parse.GetValue(task)!;
            if (tasks.Length != 1) return Seq2SeqCommand.Fail(io, "make-data", $"--task: give one task, got {string.Join(", ", tasks)}.");
            string path = parse.GetValue(output)!;
            IReadOnlyList<(string Source, string Target)> pairs;
            try { pairs = Seq2SeqTasks.Generate(tasks[0], parse.GetValue(count), parse.GetValue(seed)); }
            catch (ArgumentException e) { return Seq2SeqCommand.Fail(io, "make-data", e.Message); }
            var text = new StringBuilder();
            foreach (var (s, t) in pairs) text.Append(s).Append('\t').Append(t).Append('\n');
            AtomicFile.WriteAllText(path, text.ToString(), createDirectory: true);
            string full = Path.GetFullPath(path);
            if (parse.GetValue(json)) Output.WriteJsonLine(io.Out, new { Event = "result", Task = tasks[0], Count = pairs.Count, Out = full });
            else
            {
                io.Out.WriteLine($"wrote {pairs.Count} '{tasks[0]}' pairs to {full}");
                foreach (var (s, t) in pairs.Take(3)) io.Out.WriteLine($"  {s}  →  {t}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
