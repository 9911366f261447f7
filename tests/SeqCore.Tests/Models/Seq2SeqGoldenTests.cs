using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Models;

/// <summary>
/// The recurrent seq2seq against an equivalent PyTorch module (tests/golden/make_seq2seq_golden.py: stacked packed
/// LSTM/GRU encoder, the bridge aligned at the top, a stepped stacked decoder, additive / dot / no attention, input
/// feeding or not): the golden file's state_dict loads by name into <see cref="Seq2Seq{T}"/>, and the mean
/// cross-entropy and every parameter gradient match.
/// </summary>
public class Seq2SeqGoldenTests
{
    public static IEnumerable<string> Cases => Golden.Names("seq2seq");

    [TestCaseSource(nameof(Cases))]
    public void Matches_pytorch_loss_and_gradients(string name)
    {
        var (tensors, metadata) = Golden.Read("seq2seq", name);
        var config = Seq2SeqConfig.FromJson(metadata["config"], name);
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Seq2Seq<double>(cpu, config, new RandomStream(0));
        Checkpoint.Load(Path.Combine(Golden.Folder("seq2seq"), name + ".safetensors"), cpu, model.Parameters, allowExtraTensors: true);

        int[][] sources = Rows(tensors["source_ids"], tensors["source_lengths"]);
        int[][] targets = Rows(tensors["target_ids"], tensors["target_lengths"]);
        foreach (var p in model.Parameters) cpu.Fill(0, p.Gradient);
        var loss = model.TrainStep(new Seq2SeqBatch(sources, targets));
        Assert.That(loss.Loss, Is.EqualTo(tensors["loss"].Data[0]).Within(1e-12));
        Golden.AssertMatches(cpu, name, model.Parameters.Select(p => ("grad." + p.Name, p.Gradient)), tensors, 1e-10);
    }

    /// <summary>Row b of a padded <c>[B, N]</c> table, cut to its length.</summary>
    private static int[][] Rows(SafeTensor table, SafeTensor lengths)
    {
        int width = table.Shape[1];
        return [.. lengths.Data.Select((n, b) => table.Data.Skip(b * width).Take((int)n).Select(v => (int)v).ToArray())];
    }
}
