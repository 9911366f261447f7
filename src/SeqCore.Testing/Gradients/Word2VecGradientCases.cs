using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of skip-gram with negative sampling: the summed loss −log σ(u_o·v_c) − Σ log σ(−u_k·v_c) over a
/// batch against the gradients of both embedding tables, with repeated centers, contexts and negatives (so the
/// scatter-add of rows that occur more than once is covered).
/// </summary>
internal static class Word2VecGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        Case("word2vec.sgns.k1", negatives: 1),
        Case("word2vec.sgns.k3.repeats", negatives: 3),
    ];

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
