using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Models;

/// <summary>
/// The classifier against the equivalent PyTorch module (tests/golden/make_classifier_golden.py: packed ragged
/// LSTM/GRU/RNN, optionally on each sequence flipped, or Conv1d "same" + ReLU, masked pooling, nn.Linear layers with ReLU,
/// a softmax or a binary head): the golden file's state_dict loads by name into
/// <see cref="SequenceClassifier{T}"/>, and the logits, the mean loss and every parameter gradient match.
/// </summary>
public class ClassifierGoldenTests
{
    public static IEnumerable<string> Cases => Golden.Names("classifier");

    [TestCaseSource(nameof(Cases))]
    public void Matches_pytorch_logits_loss_and_gradients(string name)
    {
        var (tensors, metadata) = Golden.Read("classifier", name);
        var config = SequenceClassifierConfig.FromJson(metadata["config"], name);
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceClassifier<double>(cpu, config, new RandomStream(0));
        Checkpoint.Load(Path.Combine(Golden.Folder("classifier"), name + ".safetensors"), cpu, model.Parameters, allowExtraTensors: true);

        int steps = tensors["ids"].Shape[0], batch = tensors["ids"].Shape[1];
        double[] ids = tensors["ids"].Data;
        int[] lengths = [.. tensors["lengths"].Data.Select(v => (int)v)];
        int[] labels = [.. tensors["labels"].Data.Select(v => (int)v)];
        int[][] sequences = [.. Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, lengths[b]).Select(t => (int)ids[t * batch + b]).ToArray())];
        Assert.That(Enumerable.Range(0, batch).All(b => lengths[b] == steps || (int)ids[lengths[b] * batch + b] == config.VocabularySize), "padded with V past each end");

        foreach (var p in model.Parameters) cpu.Fill(0, p.Gradient);
        var logits = model.Forward(sequences);
        double loss = model.Loss(labels);
        model.Backward(labels);
        Assert.That(loss, Is.EqualTo(tensors["loss"].Data[0]).Within(1e-12));
        Golden.AssertMatches(cpu, name, [("logits", logits), .. model.Parameters.Select(p => ("grad." + p.Name, p.Gradient))], tensors, 1e-10);
    }
}
