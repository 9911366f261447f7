using SeqCore.Layers;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the attention kernels (<see cref="IBackend{T}.AttentionForward"/> / <see cref="IBackend{T}.AttentionBackward"/>)
/// and of the attention layers, with every option on and off: causal, key padding (including a batch entry with no
/// visible key), tiles smaller than T that do not divide it, cross attention with Tq ≠ Tk (and dv ≠ d), 1, 2 and 4 heads,
/// batch-first. The loss is <c>Σ w⊙y</c> with fixed random weights w; masks are discrete, so no finite difference
/// crosses a kink.
/// </summary>
internal static class AttentionGradientCases
{
    private sealed record Sdpa(int B = 2, int H = 2, int Tq = 7, int Tk = 7, int D = 3, int Dv = 0, bool Causal = false,
        int Offset = 0, int[]? Lengths = null, int QTile = 0, int KTile = 0, ulong Seed = 21);

    private sealed record Mha(int Heads = 2, int E = 8, int Tq = 5, int Tk = 5, bool Cross = false, bool SharedKv = false,
        bool Causal = false, int[]? Lengths = null, bool BatchFirst = false, bool Bias = true, int Tile = 0, ulong Seed = 31);

    public static IEnumerable<GradientCase> Cases =>
    [
        SdpaCase("attention.sdpa", new()),
        SdpaCase("attention.sdpa.tile3", new(QTile: 3, KTile: 3)),
        SdpaCase("attention.sdpa.tiles.q2k3", new(Tq: 8, Tk: 8, QTile: 2, KTile: 3)),
        SdpaCase("attention.sdpa.causal", new(Causal: true)),
        SdpaCase("attention.sdpa.causal.tile3", new(Causal: true, QTile: 3, KTile: 3)),
        SdpaCase("attention.sdpa.padding.tile2", new(Lengths: [5, 2], QTile: 2, KTile: 2)),
        SdpaCase("attention.sdpa.padding.empty", new(Lengths: [0, 6], QTile: 4, KTile: 4)),
        SdpaCase("attention.sdpa.causal.padding.tile3", new(Causal: true, Lengths: [7, 4], QTile: 3, KTile: 3)),
        SdpaCase("attention.sdpa.cross.tile3", new(Tq: 5, Tk: 8, Dv: 4, QTile: 3, KTile: 3)),
        SdpaCase("attention.sdpa.cross.causal.padding.tile2", new(Tq: 6, Tk: 4, Causal: true, Lengths: [4, 3], QTile: 2, KTile: 3)),
        SdpaCase("attention.sdpa.cross.causal.bottomright", new(Tq: 3, Tk: 7, Causal: true, Offset: 4, QTile: 2, KTile: 3)),
        SdpaCase("attention.sdpa.heads4.d1", new(H: 4, D: 1, Tq: 5, Tk: 5, QTile: 2, KTile: 2)),

        MhaCase("mha.heads1", new(Heads: 1)),
        MhaCase("mha.heads2.causal", new(Causal: true)),
        MhaCase("mha.heads4.causal.tile2", new(Heads: 4, Causal: true, Tile: 2)),
        MhaCase("mha.heads2.padding", new(Lengths: [5, 3])),
        MhaCase("mha.heads2.causal.padding.tile3", new(Causal: true, Lengths: [4, 5], Tile: 3)),
        MhaCase("mha.heads4.cross.padding", new(Heads: 4, Tq: 3, Tk: 5, Cross: true, Lengths: [2, 5])),
        MhaCase("mha.heads2.cross.causal.tile2", new(Tq: 4, Tk: 6, Cross: true, Causal: true, Tile: 2)),
        MhaCase("mha.heads1.cross.sharedkv", new(Heads: 1, Tq: 4, Tk: 3, Cross: true, SharedKv: true)),
        MhaCase("mha.heads2.batchfirst.causal.padding", new(BatchFirst: true, Causal: true, Lengths: [3, 5])),
        MhaCase("mha.heads4.cross.batchfirst.tile2", new(Heads: 4, Tq: 5, Tk: 3, Cross: true, BatchFirst: true, Tile: 2)),
        MhaCase("mha.heads2.nobias", new(Bias: false)),

        Seq2SeqCase("attention.additive", Additive: true, Bias: true, Tq: 3, Lengths: null),
        Seq2SeqCase("attention.additive.masked", Additive: true, Bias: true, Tq: 3, Lengths: [5, 2, 4]),
        Seq2SeqCase("attention.additive.nobias.step", Additive: true, Bias: false, Tq: 1, Lengths: [3, 5, 1]),
        Seq2SeqCase("attention.luong.dot", Additive: false, Bias: false, Tq: 3, Lengths: null, Score: LuongScore.Dot),
        Seq2SeqCase("attention.luong.dot.masked", Additive: false, Bias: false, Tq: 3, Lengths: [5, 0, 2], Score: LuongScore.Dot),
        Seq2SeqCase("attention.luong.general.masked", Additive: false, Bias: false, Tq: 4, Lengths: [1, 5, 3], Score: LuongScore.General),
        Seq2SeqCase("attention.luong.general.step", Additive: false, Bias: false, Tq: 1, Lengths: null, Score: LuongScore.General),
    ];

    /// <summary>Encoder–decoder attention (B = 3, Tk = 5, Dq = 4, Dk = 3 or 4 for the dot score, A = 6): loss Σ w⊙context.</summary>
    private static GradientCase Seq2SeqCase(string name, bool Additive, bool Bias, int Tq, int[]? Lengths, LuongScore Score = LuongScore.Dot)
        => new(name, be =>
        {
            const int batch = 3, tk = 5, dq = 4;
            int dk = !Additive && Score == LuongScore.Dot ? dq : 3;
            var random = new RandomStream(41);
            using var additive = Additive ? new AdditiveAttention<double>(be, dq, dk, 6, random, Bias) : null;
            using var luong = Additive ? null : new DotProductAttention<double>(be, Score, dq, dk, random);
            IReadOnlyList<Parameter<double>> parameters = Additive ? additive!.Parameters : luong!.Parameters;
            using var query = CheckData.Tensor(be, random, batch, Tq, dq);
            using var memory = CheckData.Tensor(be, random, batch, tk, dk);
            using var context = be.Allocate(batch, Tq, dk);
            double[] w = CheckData.Uniform(random, context.Length);
            using var dContext = be.FromHost(w, batch, Tq, dk);
            using var dQuery = be.Allocate(query.Shape.ToArray());
            using var dMemory = be.Allocate(memory.Shape.ToArray());
            int[] lengths = Lengths ?? [];
            void Forward()
            {
                if (additive is not null) additive.Forward(query, memory, lengths, context);
                else luong!.Forward(query, memory, lengths, context);
            }
            CheckData.ZeroGradients(be, parameters);
            Forward();
            if (additive is not null) additive.Backward(dContext, dQuery, dMemory);
            else luong!.Backward(dContext, dQuery, dMemory);
            var inputs = CheckData.ParameterInputs(parameters).ToList();
            inputs.Add(new GradientCheckInput("query", query, dQuery));
            inputs.Add(new GradientCheckInput("memory", memory, dMemory));
            return GradientChecker.Check(name, be, () => { Forward(); return GradientChecker.WeightedSum(be, context, w); }, inputs);
        });

    private static GradientCase SdpaCase(string name, Sdpa c) => new(name, be => RunSdpa(be, name, c));

    private static GradientCheckResult RunSdpa(IBackend<double> be, string name, Sdpa c)
    {
        var random = new RandomStream(c.Seed);
        int dv = c.Dv == 0 ? c.D : c.Dv;
        var spec = new AttentionSpec
        {
            Batch = c.B, Heads = c.H, QueryLength = c.Tq, KeyLength = c.Tk, HeadSize = c.D, ValueSize = dv,
            Causal = c.Causal, CausalOffset = c.Offset, QueryTile = c.QTile, KeyTile = c.KTile,
        };
        using var q = CheckData.Tensor(be, random, c.B, c.H, c.Tq, c.D);
        using var k = CheckData.Tensor(be, random, c.B, c.H, c.Tk, c.D);
        using var v = CheckData.Tensor(be, random, c.B, c.H, c.Tk, dv);
        using var o = be.Allocate(c.B, c.H, c.Tq, dv);
        using var lse = be.Allocate(c.B, c.H, c.Tq);
        using var lengths = c.Lengths is null ? null : be.FromHost(c.Lengths.Select(x => (double)x).ToArray(), c.B);
        double[] w = CheckData.Uniform(random, o.Length);
        using var dout = be.FromHost(w, o.Shape.ToArray());
        using var dq = be.Allocate(q.Shape.ToArray());
        using var dk = be.Allocate(k.Shape.ToArray());
        using var dvv = be.Allocate(v.Shape.ToArray());
        be.AttentionForward(q, k, v, lengths, spec, o, lse);
        be.AttentionBackward(q, k, v, o, lse, dout, lengths, spec, dq, dk, dvv);
        return GradientChecker.Check(name, be,
            () => { be.AttentionForward(q, k, v, lengths, spec, o, lse); return GradientChecker.WeightedSum(be, o, w); },
            [new GradientCheckInput("q", q, dq), new GradientCheckInput("k", k, dk), new GradientCheckInput("v", v, dvv)]);
    }

    private static GradientCase MhaCase(string name, Mha c) => new(name, be => RunMha(be, name, c));

    private static GradientCheckResult RunMha(IBackend<double> be, string name, Mha c)
    {
        const int batch = 2;
        var random = new RandomStream(c.Seed);
        using var layer = new MultiHeadAttention<double>(be, new MultiHeadAttentionOptions
        {
            EmbeddingSize = c.E, Heads = c.Heads, BatchFirst = c.BatchFirst, Bias = c.Bias, QueryTile = c.Tile, KeyTile = c.Tile,
        }, random);
        if (c.Bias) // PyTorch initialises the biases to 0; random ones check their gradients properly
        {
            be.CopyFromHost(CheckData.Uniform(random, layer.InProjBias!.Value.Length), layer.InProjBias.Value);
            be.CopyFromHost(CheckData.Uniform(random, layer.OutProjBias!.Value.Length), layer.OutProjBias.Value);
        }
        int[] Shape(int t) => c.BatchFirst ? [batch, t, c.E] : [t, batch, c.E];
        using var query = CheckData.Tensor(be, random, Shape(c.Tq));
        using var keyOwn = c.Cross ? CheckData.Tensor(be, random, Shape(c.Tk)) : null;
        using var valueOwn = c.Cross && !c.SharedKv ? CheckData.Tensor(be, random, Shape(c.Tk)) : null;
        var key = keyOwn ?? query;
        var value = valueOwn ?? key;
        using var output = be.Allocate(Shape(c.Tq));
        double[] w = CheckData.Uniform(random, output.Length);
        using var dout = be.FromHost(w, output.Shape.ToArray());
        using var dq = be.Allocate(query.Shape.ToArray());
        using var dkOwn = c.Cross ? be.Allocate(key.Shape.ToArray()) : null;
        using var dvOwn = c.Cross && !c.SharedKv ? be.Allocate(value.Shape.ToArray()) : null;
        int[] lengths = c.Lengths ?? [];

        CheckData.ZeroGradients(be, layer.Parameters);
        layer.Forward(query, key, value, lengths, c.Causal, output);
        layer.Backward(dout, dq, dkOwn, dvOwn ?? dkOwn);

        // The key bias adds q·b_k to every score of a row, which the softmax cancels: its gradient is exactly 0, and a
        // finite difference there measures only rounding noise (~1e-13 against the 1e-8 floor), so that third of
        // in_proj_bias is left out; the query and value thirds are checked.
        var inputs = CheckData.ParameterInputs(layer.Parameters.Where(p => p.Name != "in_proj_bias")).ToList();
        if (layer.InProjBias is { } inBias)
        {
            int e = c.E;
            inputs.Add(new GradientCheckInput("in_proj_bias[q]", inBias.Value.Slice(0, e), inBias.Gradient.Slice(0, e)));
            inputs.Add(new GradientCheckInput("in_proj_bias[v]", inBias.Value.Slice(2 * e, e), inBias.Gradient.Slice(2 * e, e)));
        }
        inputs.Add(new GradientCheckInput("query", query, dq));
        if (keyOwn is not null) inputs.Add(new GradientCheckInput(c.SharedKv ? "key=value" : "key", keyOwn, dkOwn!));
        if (valueOwn is not null) inputs.Add(new GradientCheckInput("value", valueOwn, dvOwn!));
        return GradientChecker.Check(name, be,
            () => { layer.Forward(query, key, value, lengths, c.Causal, output); return GradientChecker.WeightedSum(be, output, w); },
            inputs);
    }
}
