using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Tests.Models;

/// <summary>Saving and loading a language model with its config and tokenizer: bit-exact, and clear errors.</summary>
public class LanguageModelCheckpointTests
{
    private CpuBackend<float> _cpu = null!;
    private string _dir = null!;

    [OneTimeSetUp] public void Setup() { _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 }); }
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();
    [SetUp] public void MakeDir() { _dir = Path.Combine(Path.GetTempPath(), "seqcore-lmckpt-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    [TestCase("lstm", false)]
    [TestCase("gru", true)]
    [TestCase("transformer", false)]
    [TestCase("transformer", true)]
    public void RoundTripIsBitExact(string arch, bool tied)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        var config = LanguageModelTests.Small(arch, tok.VocabularySize) with { TieWeights = tied, HiddenSize = tied ? 8 : 24, Layers = 2 };
        using var model = new LanguageModel<float>(_cpu, config, new RandomStream(11));
        string path = Path.Combine(_dir, "m.safetensors");
        model.Tokenizer = tok;
        model.Save(path);
        var loaded = LanguageModel<float>.Load(path, _cpu);
        var tok2 = loaded.Tokenizer!;
        using (loaded)
        {
            Assert.That(loaded.Config, Is.EqualTo(config));
            Assert.That(loaded.Parameters.Select(p => p.Name), Is.EqualTo(model.Parameters.Select(p => p.Name)));
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                var a = _cpu.ToArray(model.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits);
                var b = _cpu.ToArray(loaded.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits);
                Assert.That(b, Is.EqualTo(a), model.Parameters[i].Name);
            }
            Assert.That(tok2.Encode(LanguageModelTests.Text), Is.EqualTo(tok.Encode(LanguageModelTests.Text)));
            Assert.That(SafeTensors.Read(path).Tensors.ContainsKey("head.weight"), Is.EqualTo(!tied), "a tied head is stored once, as embedding.weight");
            int[] ids = tok.Encode("the cat sat");
            double l1 = model.Forward(ids[..^1], ids[1..], ids.Length - 1, 1), l2 = loaded.Forward(ids[..^1], ids[1..], ids.Length - 1, 1);
            Assert.That(l2, Is.EqualTo(l1));
        }
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary files left");
    }

    [Test]
    public void TiedCheckpointsStoreTheSharedTensorOnce()
    {
        var tok = CharTokenizer.Train("abc");
        using var model = new LanguageModel<float>(_cpu, new LanguageModelConfig { VocabularySize = 3, EmbeddingSize = 4, HiddenSize = 4, TieWeights = true }, new RandomStream(1));
        string path = Path.Combine(_dir, "tied.safetensors");
        model.Tokenizer = tok;
        model.Save(path);
        var (tensors, _) = SafeTensors.Read(path);
        Assert.That(tensors.Keys, Does.Contain("embedding.weight").And.Contain("head.bias").And.Not.Contain("head.weight"));
    }

    [Test]
    public void WrongOrCorruptFilesGiveClearErrors()
    {
        var tok = CharTokenizer.Train("abc");
        using var model = new LanguageModel<float>(_cpu, new LanguageModelConfig { VocabularySize = 3, EmbeddingSize = 4, HiddenSize = 5 }, new RandomStream(1));
        string path = Path.Combine(_dir, "m.safetensors");
        model.Tokenizer = tok;
        model.Save(path);

        string truncated = Path.Combine(_dir, "truncated.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.That(() => LanguageModel<float>.Load(truncated, _cpu), Throws.TypeOf<InvalidDataException>().With.Message.Contains("truncated.safetensors"));

        string other = Path.Combine(_dir, "forecaster.safetensors");
        Checkpoint.Save(other, _cpu, model.Parameters, new Dictionary<string, string> { [Checkpoint.ConfigKey] = "{\"model\":\"forecaster\"}" }, TokenizerFile.ToJson(tok));
        Assert.That(() => LanguageModel<float>.Load(other, _cpu), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'forecaster'"));

        string noConfig = Path.Combine(_dir, "noconfig.safetensors");
        Checkpoint.Save(noConfig, _cpu, model.Parameters, new Dictionary<string, string>());
        Assert.That(() => LanguageModel<float>.Load(noConfig, _cpu), Throws.TypeOf<InvalidDataException>().With.Message.Contains("seqcore.config"));

        string mismatch = Path.Combine(_dir, "mismatch.safetensors");
        var bigger = model.Config with { HiddenSize = 6 };
        Checkpoint.Save(mismatch, _cpu, model.Parameters, new Dictionary<string, string> { [Checkpoint.ConfigKey] = bigger.ToJson() }, TokenizerFile.ToJson(tok));
        // Refused from the config's parameter count, before the model is built.
        Assert.That(() => LanguageModel<float>.Load(mismatch, _cpu), Throws.TypeOf<InvalidDataException>().With.Message.Contains("the config describes 321 parameters but the file holds 250"));
    }
}
