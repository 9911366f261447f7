using System.Globalization;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>
/// Checkpoints written by PyTorch (tests/golden/make_lm_golden.py: a char LSTM, a tied GRU and a small transformer,
/// each trained briefly in PyTorch) load into seqcore and give PyTorch's NLL on a KJV excerpt.
/// </summary>
public class LanguageModelGoldenTests
{
    private static IEnumerable<string> Cases => ["char_lstm", "char_gru_tied", "char_transformer"];

    [TestCaseSource(nameof(Cases))]
    public void NllMatchesPyTorch(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "lm", name + ".safetensors");
        var meta = Checkpoint.ReadMetadata(path);
        string text = meta["golden.text"];
        double expected = double.Parse(meta["golden.nll"], CultureInfo.InvariantCulture);
        int window = int.Parse(meta["golden.window"], CultureInfo.InvariantCulture);

        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var model = LanguageModel<float>.Load(path, cpu);
        var tokenizer = model.Tokenizer!;
        using (model)
        {
            var (nll, tokens) = LanguageModelEvaluator.Evaluate(model, tokenizer.Encode(text), batch: 1, window);
            TestContext.Out.WriteLine($"{name} float: seqcore {nll:R}, PyTorch {expected:R}, relative {Math.Abs(nll - expected) / expected:E2}");
            Assert.That(tokens, Is.EqualTo(text.EnumerateRunes().Count() - 1));
            Assert.That(nll, Is.EqualTo(expected).Within(1e-5 * expected));
        }

        using var cpuD = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var modelD = LanguageModel<double>.Load(path, cpuD);
        var tokenizerD = modelD.Tokenizer!;
        using (modelD)
        {
            var (nll, _) = LanguageModelEvaluator.Evaluate(modelD, tokenizerD.Encode(text), batch: 1, window);
            TestContext.Out.WriteLine($"{name} double: seqcore {nll:R}, relative {Math.Abs(nll - expected) / expected:E2}");
            Assert.That(nll, Is.EqualTo(expected).Within(1e-10 * expected));
        }
    }
}
