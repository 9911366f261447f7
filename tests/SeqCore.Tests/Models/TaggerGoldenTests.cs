using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Models;

/// <summary>
/// The tagger against the equivalent PyTorch module (tests/golden/make_tagger_golden.py: nn.Embedding with a padding
/// row → packed ragged nn.LSTM/nn.GRU → nn.Linear at every position, cross-entropy with ignore_index over the padded
/// positions): the golden file's state_dict loads by name into <see cref="SequenceTagger{T}"/>, and the logits of every
/// position, the mean loss over the real tokens and every parameter gradient match.
/// </summary>
public class TaggerGoldenTests
{
    public static IEnumerable<string> Cases => Golden.Names("tagger");

    [TestCaseSource(nameof(Cases))]
    public void Matches_pytorch_logits_loss_and_gradients(string name)
    {
        var (tensors, metadata) = Golden.Read("tagger", name);
        var config = TaggerConfig.FromJson(metadata["config"], name);
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceTagger<double>(cpu, config, new RandomStream(0));
        Checkpoint.Load(Path.Combine(Golden.Folder("tagger"), name + ".safetensors"), cpu, model.Parameters, allowExtraTensors: true);

        int steps = tensors["ids"].Shape[0], batch = tensors["ids"].Shape[1];
        double[] ids = tensors["ids"].Data, targets = tensors["tags"].Data;
        int[] lengths = [.. tensors["lengths"].Data.Select(v => (int)v)];
        int[][] sequences = [.. Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, lengths[b]).Select(t => (int)ids[t * batch + b]).ToArray())];
        int[][] tags = [.. Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, lengths[b]).Select(t => (int)targets[t * batch + b]).ToArray())];
        Assert.That(Enumerable.Range(0, batch).All(b => lengths[b] == steps || (int)targets[lengths[b] * batch + b] == SequenceTagger<double>.IgnoreTag), "ignored targets past each end");

        foreach (var p in model.Parameters) cpu.Fill(0, p.Gradient);
        var logits = model.Forward(sequences);
        double loss = model.Loss(tags);
        model.Backward(tags);
        Assert.That(loss, Is.EqualTo(tensors["loss"].Data[0]).Within(1e-12));
        Golden.AssertMatches(cpu, name, [("logits", logits), .. model.Parameters.Select(p => ("grad." + p.Name, p.Gradient))], tensors, 1e-10);
    }
}
