namespace SeqCore.IO;

/// <summary>The word-vector file formats <see cref="WordVectors"/> reads and writes.</summary>
public enum WordVectorFormat
{
    /// <summary>word2vec text: a header line "count dim", then one line per word: the word and its dim values, separated by spaces.</summary>
    Word2VecText,

    /// <summary>word2vec binary (the C tool's <c>-binary 1</c>): the text header "count dim\n", then per word its UTF-8
    /// bytes, a space, dim little-endian float32 values and a newline.</summary>
    Word2VecBinary,

    /// <summary>GloVe text: like word2vec text without the header; the width is the first line's.</summary>
    GloveText,
}
