using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of whole language models: embedding → recurrent or transformer stack → head (tied or not) →
/// per-token cross-entropy, with a carried initial state (truncated BPTT: the state is an input with no gradient) and
/// dropout with fixed masks.
/// </summary>
internal static class LanguageModelGradientCases
{
    public static IEnumerable<GradientCase> Cases
    {
        get
        {
            var rnn = new LanguageModelConfig { VocabularySize = 7, EmbeddingSize = 5, HiddenSize = 6, Layers = 2 };
            yield return Case("lm.rnn", rnn with { Arch = "rnn" }, carryState: false, dropout: false);
            yield return Case("lm.gru.state", rnn with { Arch = "gru" }, carryState: true, dropout: false);
            yield return Case("lm.lstm.state.dropout", rnn with { Arch = "lstm", Dropout = 0.3 }, carryState: true, dropout: true);
            yield return Case("lm.lstm.tied", rnn with { Arch = "lstm", HiddenSize = 5, TieWeights = true }, carryState: false, dropout: false);
            var tf = new LanguageModelConfig { Arch = "transformer", VocabularySize = 7, EmbeddingSize = 6, Heads = 2, FeedForwardSize = 8, Layers = 2, ContextLength = 6 };
            yield return Case("lm.transformer.learned", tf, carryState: false, dropout: false);
            yield return Case("lm.transformer.sinusoidal.tied.dropout", tf with { Positions = "sinusoidal", TieWeights = true, Layers = 1, Dropout = 0.2 }, carryState: false, dropout: true);
        }
    }

    private static GradientCase Case(string name, LanguageModelConfig config, bool carryState, bool dropout) => new(name, be =>
    {
        const int steps = 4, batch = 3;
        var random = new RandomStream(23);
        using var model = new LanguageModel<double>(be, config, random);
        // Spread the small initial weights so every gradient is checked at a generic point.
        foreach (var p in model.Parameters)
        {
            using var noise = CheckData.Tensor(be, random, p.Value.Shape.ToArray());
            be.Axpy(noise, 0.5, p.Value);
        }
        int n = steps * batch;
        var tokens = new int[n];
        var targets = new int[n];
        for (int i = 0; i < n; i++) { tokens[i] = random.NextInt(config.VocabularySize); targets[i] = random.NextInt(config.VocabularySize); }
        using var state = carryState ? model.CreateState(batch) : null;
        using var h0 = carryState ? CheckData.Tensor(be, random, state!.H.Shape.ToArray()) : null;
        using var c0 = state?.C is { } c ? CheckData.Tensor(be, random, c.Shape.ToArray()) : null;
        double Forward()
        {
            if (state is not null) { be.Copy(h0!, state.H); if (c0 is not null) be.Copy(c0, state.C!); }
            return model.Forward(tokens, targets, steps, batch, state, dropout ? new RandomStream(5) : null);
        }
        CheckData.ZeroGradients(be, model.Parameters);
        Forward();
        model.Backward();
        // As in the transformer cases, the key third of in_proj_bias has an exactly-zero gradient (softmax ignores a
        // shift shared by every key), so only its query and value thirds are compared.
        var inputs = CheckData.ParameterInputs(model.Parameters.Where(p => !p.Name.EndsWith("in_proj_bias"))).ToList();
        int e = config.EmbeddingSize;
        foreach (var p in model.Parameters.Where(p => p.Name.EndsWith("in_proj_bias")))
        {
            inputs.Add(new GradientCheckInput(p.Name + "[q]", p.Value.Slice(0, e), p.Gradient.Slice(0, e)));
            inputs.Add(new GradientCheckInput(p.Name + "[v]", p.Value.Slice(2 * e, e), p.Gradient.Slice(2 * e, e)));
        }
        return GradientChecker.Check(name, be, Forward, inputs);
    });
}
