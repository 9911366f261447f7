using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of skip-gram and CBOW with negative sampling: the summed loss −log σ(u_o·v_c) − Σ log σ(−u_k·v_c) over a
/// batch against the gradients of both embedding tables, with repeated centers, contexts and negatives (so the
/// scatter-add of rows that occur more than once is covered).
/// </summary>
internal static class Word2VecGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        Case("word2vec.sgns.k1", negatives: 1),
        Case("word2vec.sgns.k3.repeats", negatives: 3),
        CbowCase("word2vec.cbow.k2.windows"),
    ];

    /// <summary>CBOW: windows of different lengths (−1 pads), a word twice in one window and a window holding the
    /// center's word, so the 1/n shares of the mean and repeated rows are both covered.</summary>
    private static GradientCase CbowCase(string name) => new(name, be =>
    {
        var vocabulary = new Word2VecVocabulary(["a", "b", "c", "d", "e", "f"], [9, 7, 5, 3, 2, 1]);
        using var model = new Word2Vec<double>(be, vocabulary, new Word2VecConfig { VocabularySize = 6, EmbeddingSize = 4, Architecture = Word2VecConfig.Cbow }, new RandomStream(45));
        be.CopyFromHost(CheckData.Uniform(new RandomStream(46), model.OutEmbedding.Value.Length), model.OutEmbedding.Value);
        be.CopyFromHost(CheckData.Uniform(new RandomStream(47), model.InEmbedding.Value.Length), model.InEmbedding.Value);
        const int window = 2;
        int[] contexts = [1, 2, 3, 4, /**/ 0, -1, -1, -1, /**/ 5, 5, 2, -1];
        int[] outputs = [0, 3, 4, /**/ 2, 1, 1, /**/ 4, 0, 5];
        CheckData.ZeroGradients(be, model.Parameters);
        model.Forward(contexts, 2 * window, outputs);
        model.Backward();
        return GradientChecker.Check(name, be, () => model.Forward(contexts, 2 * window, outputs), CheckData.ParameterInputs(model.Parameters));
    });

    private static GradientCase Case(string name, int negatives) => new(name, be =>
    {
        var vocabulary = new Word2VecVocabulary(["a", "b", "c", "d", "e", "f"], [9, 7, 5, 3, 2, 1]);
        using var model = new Word2Vec<double>(be, vocabulary, 4, new RandomStream(41));
        // word2vec starts the output table at 0, which would make the check trivial for the input table: use random values.
        be.CopyFromHost(CheckData.Uniform(new RandomStream(42), model.OutEmbedding.Value.Length), model.OutEmbedding.Value);
        be.CopyFromHost(CheckData.Uniform(new RandomStream(43), model.InEmbedding.Value.Length), model.InEmbedding.Value);
        int[] centers = [0, 2, 0, 5];
        var random = new RandomStream(44);
        int[] outputs = Enumerable.Range(0, centers.Length * (negatives + 1)).Select(_ => random.NextInt(vocabulary.Count)).ToArray();
        CheckData.ZeroGradients(be, model.Parameters);
        model.Forward(centers, outputs);
        model.Backward();
        return GradientChecker.Check(name, be, () => model.Forward(centers, outputs), CheckData.ParameterInputs(model.Parameters));
    });
}
