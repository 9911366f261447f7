using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the whole <see cref="TransformerSeq2Seq{T}"/>: scaled embeddings (separate or shared), sinusoidal
/// or learned positions, the encoder over ragged sources, the decoder with cross-attention over the padded memory, the
/// output tied to the target embedding and the label-smoothed cross-entropy over ragged targets (the model's own mean
/// loss per target token). Tiny sizes: E = 8, 2 heads, B = 3.
/// </summary>
internal static class TransformerSeq2SeqGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        Case("transformer-seq2seq.prenorm.sinusoidal.smoothing", new TransformerSeq2SeqConfig { LabelSmoothing = 0.1 }),
        Case("transformer-seq2seq.postnorm.learned", new TransformerSeq2SeqConfig { NormFirst = false, Positions = "learned", LabelSmoothing = 0 }),
        Case("transformer-seq2seq.prenorm.shared.smoothing", new TransformerSeq2SeqConfig { ShareEmbeddings = true, TargetVocabularySize = 9, LabelSmoothing = 0.2 }),
        // Dropout everywhere with the stream re-seeded at every evaluation: the same masks each time.
        Case("transformer-seq2seq.postnorm.dropout", new TransformerSeq2SeqConfig { NormFirst = false, Dropout = 0.2 }, dropout: true),
    ];

    private static GradientCase Case(string name, TransformerSeq2SeqConfig shape, bool dropout = false) => new(name, be =>
    {
        var config = shape with
        {
            SourceVocabularySize = 9, TargetVocabularySize = shape.ShareEmbeddings ? 9 : 10, EmbeddingSize = 8, Heads = 2, FeedForwardSize = 12,
            EncoderLayers = 1, DecoderLayers = 2, MaxLength = 12, Dropout = dropout ? shape.Dropout : 0,
        };
        using var model = new TransformerSeq2Seq<double>(be, config, new RandomStream(71));
        // Weights plus U(−0.25, 0.25) noise over the training initialisation (LayerNorms at 1/0): every gradient is generic.
        var random = new RandomStream(72);
        foreach (var p in model.Parameters)
        {
            using var noise = CheckData.Tensor(be, random, p.Value.Shape.ToArray());
            be.Axpy(noise, 0.25, p.Value);
        }
        // Ragged on both sides: sources of 5, 3 and 2 steps (<eos> = 1 last), targets of 3, 5 and 1 tokens (+ <eos>).
        var batch = new Seq2SeqBatch([[3, 5, 7, 4, 1], [6, 8, 1], [4, 1]], [[4, 6, 3], [5, 7, 8, 3, 4], [6]]);
        double Loss() => model.TrainingForward(batch, dropout ? new RandomStream(9) : null);
        CheckData.ZeroGradients(be, model.Parameters);
        Loss();
        model.Backward();
        return GradientChecker.Check(name, be, Loss, TransformerDecoderGradientCases.AttentionAwareInputs(model.Parameters, config.EmbeddingSize));
    });
}
