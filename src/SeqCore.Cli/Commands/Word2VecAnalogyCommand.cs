using System.CommandLine;
using SeqCore.Cli.Options;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore word2vec analogy A B C</c>: the words nearest to a − b + c (unit vectors, cosine), the three query
/// words excluded.</summary>
internal static class Word2VecAnalogyCommand
{
    public static readonly IntOption Top = new("--top", "How many answers.", 5);

    /// <summary>Every option the sub-verb takes (the three words are arguments).</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Word2VecCommand.Model, Top, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static Command Create(CliIO io)
    {
        var words = new Argument<string[]>("words") { Description = "a b c: find x with a − b + c ≈ x (a is to b as x is to c).", Arity = new ArgumentArity(3, 3) };
        var command = CliVerb.Create(io, "word2vec analogy", "analogy", "Solve a − b + c by cosine similarity, excluding the three query words (e.g. king man woman → queen).", AllOptions, (parse, v) =>
        {
            string[] w = parse.GetValue(words)!;
            int top = v.Get(Top);
            return Word2VecCommand.Query(io, v, m => (m.Analogy(w[0], w[1], w[2], top), new { A = w[0], B = w[1], C = w[2] }));
        });
        command.Arguments.Add(words);
        return command;
    }
}
