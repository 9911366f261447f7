using System.CommandLine;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;

namespace SeqCore.Cli.LanguageModels;

/// <summary>The options of <c>seqcore train</c> that only a language model has.</summary>
internal sealed class LanguageModelTrainOptions
{
    public const string Kind = "language-model";

    public Option<string?> Corpus { get; } = new("--corpus") { Description = "UTF-8 text to learn (required). Its last --valid-fraction is held out.", HelpName = "FILE" };
    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "char (default), word, bpe (byte-level BPE trained on the corpus) or gpt2 (GPT-2's files, --vocab and --merges).", HelpName = "char|word|bpe|gpt2" };
    public Option<string?> Vocab { get; } = new("--vocab") { Description = "gpt2: encoder.json (default data/gpt2/encoder.json).", HelpName = "FILE" };
    public Option<string?> Merges { get; } = new("--merges") { Description = "gpt2: vocab.bpe (default data/gpt2/vocab.bpe).", HelpName = "FILE" };
    public Option<string?> BpeMerges { get; } = new("--bpe-merges") { Description = "bpe: merges to learn (default 1000).", HelpName = "N" };
    public Option<string?> MaxVocab { get; } = new("--max-vocab") { Description = "word: keep the most frequent N words, the rest become <unk> (default 10000).", HelpName = "N" };
    public Option<string?> Arch { get; } = new("--arch") { Description = $"A recurrent cell ({string.Join(", ", CellCatalogue.Names)}; lstm is the default) or transformer (causal, pre-LN, GELU).", HelpName = string.Join('|', LanguageModelConfig.Architectures) };
    public Option<string?> Embedding { get; } = new("--embedding") { Description = "Embedding width E, the model width of a transformer (default 64; 128 for a transformer).", HelpName = "E" };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "Recurrent hidden width H (default 256).", HelpName = "H" };
    public Option<string?> Layers { get; } = new("--layers") { Description = "Recurrent layers or transformer blocks (default 1; 2 for a transformer).", HelpName = "L" };
    public Option<string?> Dropout { get; } = new("--dropout") { Description = "Dropout probability (default 0).", HelpName = "P" };
    public Option<bool> Tie { get; } = CliOptions.Flag("--tie", "Tie the output head to the embedding (recurrent models need --hidden = --embedding).");
    public Option<string?> Heads { get; } = new("--heads") { Description = "Transformer attention heads (default 4).", HelpName = "N" };
    public Option<string?> FeedForward { get; } = new("--ff") { Description = "Transformer feed-forward width (default 4·E).", HelpName = "N" };
    public Option<string?> Context { get; } = new("--context") { Description = "Transformer context length: the training window and the longest context (default 128).", HelpName = "T" };
    public Option<string?> Positions { get; } = new("--positions") { Description = "Transformer positions: learned (default) or sinusoidal.", HelpName = "learned|sinusoidal" };
    public Option<string?> Bptt { get; } = new("--bptt") { Description = "Recurrent models: tokens per truncated-BPTT window (default 64).", HelpName = "T" };
    public Option<string?> ValidFraction { get; } = new("--valid-fraction") { Description = "Share of the corpus (its end) held out for evaluation (default 0.05).", HelpName = "F" };
    public Option<string?> EvalTokens { get; } = new("--eval-tokens") { Description = "Held-out tokens scored at each periodic evaluation (default 20000); the final report scores all of them.", HelpName = "N" };

    public IEnumerable<Option> All => [Corpus, Tokenizer, Vocab, Merges, BpeMerges, MaxVocab, Arch, Embedding, Hidden, Layers, Dropout, Tie, Heads, FeedForward, Context, Positions, Bptt, ValidFraction, EvalTokens];
}
