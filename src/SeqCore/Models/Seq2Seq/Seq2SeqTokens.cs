namespace SeqCore.Models;

/// <summary>What a <see cref="Seq2SeqVocabulary"/>'s tokens are.</summary>
public enum Seq2SeqTokens
{
    /// <summary>One token per Unicode code point; a character never seen in training is an error.</summary>
    Character,
    /// <summary>Words, numbers and runs of punctuation, each with the space before it (GPT-2's pre-tokeniser pieces);
    /// a word never seen in training is <c>&lt;unk&gt;</c>.</summary>
    Word,
    /// <summary>Byte-level BPE learned on the training texts: every text is encodable.</summary>
    Bpe,
}
