using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the whole <see cref="Seq2Seq{T}"/> composition: embeddings, (bi)directional encoder over ragged
/// sources, the bridge to the decoder, decoder steps with and without input feeding, additive / dot / general attention
/// with source padding masked, the combine layer, the generator and the cross-entropy over ragged targets. The loss is
/// the model's own mean cross-entropy per target token. Tiny sizes: B = 2, E = 3, H = 2.
/// </summary>
internal static class Seq2SeqGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        Case("seq2seq.lstm.additive.bidirectional.feeding", CellKind.Lstm, Seq2SeqAttention.Additive, bidirectional: true, feeding: true),
        Case("seq2seq.gru.additive.bidirectional.feeding", CellKind.Gru, Seq2SeqAttention.Additive, bidirectional: true, feeding: true),
        Case("seq2seq.lstm.dot.bidirectional.feeding", CellKind.Lstm, Seq2SeqAttention.Dot, bidirectional: true, feeding: true),
        Case("seq2seq.gru.dot.bidirectional", CellKind.Gru, Seq2SeqAttention.Dot, bidirectional: true, feeding: false),
        Case("seq2seq.lstm.general", CellKind.Lstm, Seq2SeqAttention.General, bidirectional: false, feeding: false),
        Case("seq2seq.gru.general.feeding", CellKind.Gru, Seq2SeqAttention.General, bidirectional: false, feeding: true),
        Case("seq2seq.rnn.additive.bidirectional.feeding", CellKind.RnnTanh, Seq2SeqAttention.Additive, bidirectional: true, feeding: true),
        // Half the decoder inputs after the first are the model's own argmax: the gradient treats those tokens as
        // constants (they are piecewise constant in the weights), and the stream is re-seeded for every evaluation.
        Case("seq2seq.lstm.additive.teacherforcing0.5", CellKind.Lstm, Seq2SeqAttention.Additive, bidirectional: true, feeding: true, teacherForcing: 0.5),
    ];

    private static GradientCase Case(string name, CellKind cell, Seq2SeqAttention attention, bool bidirectional, bool feeding, double teacherForcing = 1.0)
        => new(name, be =>
        {
            var config = new Seq2SeqConfig
            {
                SourceVocabularySize = 6, TargetVocabularySize = 7, EmbeddingSize = 3, HiddenSize = 2, Cell = cell,
                Bidirectional = bidirectional, Attention = attention, AttentionSize = 3, InputFeeding = feeding,
            };
            using var model = new Seq2Seq<double>(be, config, new RandomStream(61));
            // Weights U(−1, 1) rather than the small training initialisation: no gradient sits near the rounding floor.
            var random = new RandomStream(62);
            foreach (var p in model.Parameters) be.CopyFromHost(CheckData.Uniform(random, p.Value.Length), p.Value);
            // Ragged on both sides: sources of 4 and 2 steps (<eos> = 1 last), targets of 3 and 1 tokens (+ <eos>).
            var batch = new Seq2SeqBatch([[2, 5, 3, 1], [4, 1]], [[3, 6, 4], [5]]);
            double Loss() => model.Forward(batch, teacherForcing, teacherForcing < 1 ? new RandomStream(7) : null).Loss;
            CheckData.ZeroGradients(be, model.Parameters);
            Loss();
            model.Backward();
            return GradientChecker.Check(name, be, Loss, CheckData.ParameterInputs(model.Parameters));
        });
}
