using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the whole <see cref="Seq2Seq{T}"/> composition: embeddings, (bi)directional encoder over ragged
/// sources, the bridge to the decoder, decoder steps with and without input feeding, additive / dot / general attention
/// with source padding masked, the combine layer, the generator and the cross-entropy over ragged targets; stacked layers with the bridge between
/// them, the fixed context vector without attention, and dropout with frozen masks. The loss is
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
        // Stacked layers: equal depths, a deeper encoder (its lowest layer bridged to nothing) and a deeper decoder (its
        // lowest layer starting at zero).
        Case("seq2seq.lstm.additive.bidirectional.feeding.layers2x2", CellKind.Lstm, Seq2SeqAttention.Additive, bidirectional: true, feeding: true, layers: (2, 2), scale: 1.25),
        Case("seq2seq.gru.dot.bidirectional.layers3x2", CellKind.Gru, Seq2SeqAttention.Dot, bidirectional: true, feeding: false, layers: (3, 2)),
        Case("seq2seq.lstm.general.feeding.layers1x2", CellKind.Lstm, Seq2SeqAttention.General, bidirectional: false, feeding: true, layers: (1, 2)),
        Case("seq2seq.gru.additive.bidirectional.feeding.layers2x3", CellKind.Gru, Seq2SeqAttention.Additive, bidirectional: true, feeding: true, layers: (2, 3)),
        // No attention: the fixed context vector (the top encoder layer's final state) into every step and the output.
        Case("seq2seq.lstm.none.bidirectional", CellKind.Lstm, Seq2SeqAttention.None, bidirectional: true, feeding: false),
        Case("seq2seq.gru.none.bidirectional.feeding.layers2x2", CellKind.Gru, Seq2SeqAttention.None, bidirectional: true, feeding: true, layers: (2, 2)),
        Case("seq2seq.lstm.none.feeding.layers2x1", CellKind.Lstm, Seq2SeqAttention.None, bidirectional: false, feeding: true, layers: (2, 1)),
        // Dropout on the embeddings and between layers, the masks frozen by re-seeding the stream for every evaluation
        // (the decoder steps' masks are redrawn from the rewound stream in the backward's recomputation).
        Case("seq2seq.lstm.additive.bidirectional.feeding.layers2x2.dropout", CellKind.Lstm, Seq2SeqAttention.Additive, bidirectional: true, feeding: true, layers: (2, 2), dropout: 0.3, scale: 1.25),
        Case("seq2seq.gru.none.bidirectional.layers2x2.dropout", CellKind.Gru, Seq2SeqAttention.None, bidirectional: true, feeding: false, layers: (2, 2), dropout: 0.3),
    ];

    private static GradientCase Case(string name, CellKind cell, Seq2SeqAttention attention, bool bidirectional, bool feeding, double teacherForcing = 1.0,
        (int Encoder, int Decoder)? layers = null, double dropout = 0, double scale = 1)
        => new(name, be =>
        {
            var config = new Seq2SeqConfig
            {
                SourceVocabularySize = 6, TargetVocabularySize = 7, EmbeddingSize = 3, HiddenSize = 2, Cell = cell,
                Bidirectional = bidirectional, Attention = attention, AttentionSize = attention == Seq2SeqAttention.Additive ? 3 : 0, InputFeeding = feeding,
                EncoderLayers = layers?.Encoder ?? 1, DecoderLayers = layers?.Decoder ?? 1, Dropout = dropout,
            };
            using var model = new Seq2Seq<double>(be, config, new RandomStream(61));
            // Weights U(−1, 1) rather than the small training initialisation: no gradient sits near the rounding floor.
            // Stacked LSTMs with attention get U(−1.25, 1.25): with U(−1, 1) a few attention gradients fall to ~1e-8, where
            // the finite difference's rounding (~1e-13) alone exceeds the tolerance.
            var random = new RandomStream(62);
            foreach (var p in model.Parameters) be.CopyFromHost([.. CheckData.Uniform(random, p.Value.Length).Select(x => scale * x)], p.Value);
            // Ragged on both sides: sources of 4 and 2 steps (<eos> = 1 last), targets of 3 and 1 tokens (+ <eos>).
            var batch = new Seq2SeqBatch([[2, 5, 3, 1], [4, 1]], [[3, 6, 4], [5]]);
            double Loss() => model.Forward(batch, teacherForcing, teacherForcing < 1 ? new RandomStream(7) : null, dropout > 0 ? new RandomStream(8) : null).Loss;
            CheckData.ZeroGradients(be, model.Parameters);
            Loss();
            model.Backward();
            return GradientChecker.Check(name, be, Loss, CheckData.ParameterInputs(model.Parameters));
        });
}
