using System.CommandLine;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore seq2seq</c>: make a built-in data set, train an encoder–decoder with attention, translate with it.</summary>
internal static class Seq2SeqCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("seq2seq", "Sequence-to-sequence with attention over characters, words or BPE: make-data (built-in tasks), train (from a TSV of source<TAB>target pairs or a verse table split by book), translate (greedy or beam search), eval (exact match, BLEU and chrF2), data (split counts, the copy-the-source baseline, vocabulary sizes).")
        {
            Seq2SeqMakeDataCommand.Create(io),
            Seq2SeqTrainCommand.Create(io),
            Seq2SeqTranslateCommand.Create(io),
            Seq2SeqEvalCommand.Create(io),
            Seq2SeqDataCommand.Create(io),
        };
        CliApp.RequireVerb(command, io, "seqcore seq2seq");
        return command;
    }
}
