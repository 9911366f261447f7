using System.CommandLine;
using SeqCore.Cli.Options;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore word2vec neighbours</c> (alias <c>neighbors</c>): the words nearest to a word by cosine similarity
/// of the vectors of a trained checkpoint.</summary>
internal static class Word2VecNeighboursCommand
{
    public static readonly TextOption Word = new("--word", "The word to look up (required).", valueName: "WORD");
    public static readonly IntOption Top = new("--top", "How many neighbours.", 10);

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Word2VecCommand.Model, Word, Top, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static Command Create(CliIO io)
    {
        var command = CliVerb.Create(io, "word2vec neighbours", "neighbours", "The words nearest to a word by cosine similarity of their vectors.", AllOptions, (_, v) =>
        {
            string word = v.FindText(Word) ?? throw new UsageException("--word is required: the word to look up.");
            int top = v.Get(Top);
            return Word2VecCommand.Query(io, v, m => (m.Neighbours(word, top), new { Word = word }));
        });
        command.Aliases.Add("neighbors");
        return command;
    }
}
