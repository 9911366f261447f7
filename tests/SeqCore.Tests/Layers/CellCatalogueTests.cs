using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

/// <summary>
/// The catalogue of recurrent cells: what each entry builds, how names parse, and that every model config names its cell
/// through it (unknown names rejected with the list of valid ones, JSON round trips keeping the cell).
/// </summary>
public class CellCatalogueTests
{
    // The one pinned list: the names are a checkpoint format, so a rename must fail here.
    private static readonly (string Name, CellKind Kind, int Gates, bool HasCellState)[] Expected =
    [
        ("rnn", CellKind.RnnTanh, 1, false), ("rnn-relu", CellKind.RnnRelu, 1, false), ("lstm", CellKind.Lstm, 4, true), ("gru", CellKind.Gru, 3, false),
    ];

    private static readonly string CellList = string.Join(", ", Expected.Select(e => e.Name));

    private CpuBackend<double> _cpu = null!;

    [OneTimeSetUp] public void SetUp() => _cpu = new CpuBackend<double>();
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    public static IEnumerable<CellDescriptor> Cells => CellCatalogue.All;

    [Test]
    public void The_catalogue_lists_each_cell_once_under_the_names_checkpoints_use()
    {
        Assert.That(CellCatalogue.All.Select(c => (c.Name, c.Kind, c.Gates, c.HasCellState)), Is.EqualTo(Expected));
        Assert.That(CellCatalogue.Names, Is.EqualTo(Expected.Select(e => e.Name)));
        Assert.That(CellCatalogue.All.Select(c => c.Kind), Is.EquivalentTo(Enum.GetValues<CellKind>()));
        foreach (var cell in CellCatalogue.All)
        {
            Assert.That(CellCatalogue.Find(cell.Kind), Is.SameAs(cell));
            Assert.That(CellCatalogue.NameOf(cell.Kind), Is.EqualTo(cell.Name));
            Assert.That(cell.Description, Is.Not.Empty.And.Not.Contain('\n'));
        }
    }

    [TestCaseSource(nameof(Cells))]
    public void Every_cell_builds_a_layer_whose_parameter_shapes_match_its_gate_count(CellDescriptor cell)
    {
        const int input = 3, hidden = 5;
        var options = new RecurrentOptions { Cell = cell.Kind, InputSize = input, HiddenSize = hidden, Layers = 2, Bidirectional = true };
        using var layer = new RecurrentLayer<double>(_cpu, options, new RandomStream(1));
        int g = cell.Gates * hidden;
        var shapes = layer.Parameters.ToDictionary(p => p.Name, p => p.Value.ShapeText);
        foreach (string suffix in new[] { "_l0", "_l0_reverse", "_l1", "_l1_reverse" })
        {
            int width = suffix.StartsWith("_l0") ? input : 2 * hidden;
            Assert.That(shapes["weight_ih" + suffix], Is.EqualTo($"[{g}, {width}]"), suffix);
            Assert.That(shapes["weight_hh" + suffix], Is.EqualTo($"[{g}, {hidden}]"), suffix);
            Assert.That(shapes["bias_ih" + suffix], Is.EqualTo($"[{g}]"), suffix);
            Assert.That(shapes["bias_hh" + suffix], Is.EqualTo($"[{g}]"), suffix);
        }
        Assert.That(shapes, Has.Count.EqualTo(16));
        Assert.That(layer.HasCellState, Is.EqualTo(cell.HasCellState));
        Assert.That(layer.Direction(1, 1).Cell, Is.SameAs(cell));
    }

    [TestCase("lstm", CellKind.Lstm)]
    [TestCase("LSTM", CellKind.Lstm)]
    [TestCase("Gru", CellKind.Gru)]
    [TestCase("RNN", CellKind.RnnTanh)]
    [TestCase("Rnn-ReLU", CellKind.RnnRelu)]
    public void Parse_ignores_case(string name, CellKind kind)
    {
        Assert.That(CellCatalogue.Parse(name, "test").Kind, Is.EqualTo(kind));
        Assert.That(CellCatalogue.TryParse(name, out var cell) && cell.Kind == kind);
    }

    [TestCase("mamba")]
    [TestCase("rnn_relu")]
    [TestCase("")]
    public void An_unknown_name_gives_one_message_listing_every_cell(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => CellCatalogue.Parse(name, "--cell"));
        Assert.That(e!.Message, Is.EqualTo($"--cell: unknown cell '{name}'; expected one of {CellList}."));
        Assert.That(CellCatalogue.TryParse(name, out _), Is.False);
    }

    // ----- every config names its cell through the catalogue -----------------------------------------------------------

    [Test]
    public void The_language_model_config_rejects_an_unknown_arch_naming_the_key_and_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => new LanguageModelConfig { Arch = "mamba", VocabularySize = 3 }.Validate());
        Assert.That(e!.Message, Does.Contain("arch 'mamba'").And.Contain($"expected one of {CellList}, transformer."));
        var json = new LanguageModelConfig { VocabularySize = 3 }.ToJson().Replace("\"arch\":\"lstm\"", "\"arch\":\"mamba\"");
        var fromFile = Assert.Throws<InvalidDataException>(() => LanguageModelConfig.FromJson(json, "lm.safetensors"));
        Assert.That(fromFile!.Message, Does.StartWith("lm.safetensors: ").And.Contain("arch 'mamba'").And.Contain(CellList));
        // The model itself never turns an unknown name into a tanh RNN.
        Assert.Throws<ArgumentException>(() => new LanguageModel<double>(_cpu, new LanguageModelConfig { Arch = "mamba", VocabularySize = 3 }, new RandomStream(1)));
    }

    [Test]
    public void The_forecaster_config_rejects_an_unknown_cell_naming_the_key_and_the_choices()
    {
        var json = FittedForecaster(CellKind.Lstm).ToJson().Replace("\"cell\":\"lstm\"", "\"cell\":\"mamba\"");
        var e = Assert.Throws<InvalidDataException>(() => ForecasterConfig.FromJson(json, "f.safetensors"));
        Assert.That(e!.Message, Does.StartWith("f.safetensors: ").And.Contain($"cell: unknown cell 'mamba'; expected one of {CellList}."));
    }

    [Test]
    public void The_classifier_config_rejects_an_unknown_encoder_naming_the_key_and_the_choices()
    {
        var config = new SequenceClassifierConfig { VocabularySize = 4, Classes = 2 };
        var e = Assert.Throws<ArgumentException>(() => (config with { Encoder = "mamba" }).Validate());
        Assert.That(e!.Message, Does.Contain("encoder 'mamba'").And.Contain($"expected one of {CellList}, conv."));
        var json = config.ToJson().Replace("\"encoder\":\"lstm\"", "\"encoder\":\"mamba\"");
        var fromFile = Assert.Throws<InvalidDataException>(() => SequenceClassifierConfig.FromJson(json, "c.safetensors"));
        Assert.That(fromFile!.Message, Does.StartWith("c.safetensors: ").And.Contain("encoder \"mamba\"").And.Contain($"{CellList}, conv."));
    }

    [Test]
    public void The_seq2seq_config_rejects_an_unknown_cell_naming_the_key_and_the_choices()
    {
        var json = ModelCheckpoint.ConfigText(Seq2Seq(CellKind.Lstm)).Replace("\"cell\":\"lstm\"", "\"cell\":\"mamba\"");
        var e = Assert.Throws<InvalidDataException>(() => Seq2SeqConfig.FromJson(json, "s.safetensors"));
        Assert.That(e!.Message, Does.StartWith("s.safetensors: ").And.Contain($"cell: unknown cell 'mamba'; expected one of {CellList}."));
    }

    [TestCaseSource(nameof(Cells))]
    public void Each_config_keeps_the_cell_through_a_json_round_trip(CellDescriptor cell)
    {
        var lm = new LanguageModelConfig { Arch = cell.Name, VocabularySize = 5 };
        var lmBack = LanguageModelConfig.FromJson(lm.ToJson(), "lm");
        Assert.That((lmBack.Arch, lmBack.Cell), Is.EqualTo((cell.Name, (CellKind?)cell.Kind)));

        var forecaster = FittedForecaster(cell.Kind);
        Assert.That(forecaster.ToJson(), Does.Contain($"\"cell\":\"{cell.Name}\""));
        Assert.That(ForecasterConfig.FromJson(forecaster.ToJson(), "f").Cell, Is.EqualTo(cell.Kind));

        var classifier = new SequenceClassifierConfig { VocabularySize = 4, Classes = 2, Encoder = cell.Name };
        Assert.That(classifier.ToJson(), Does.Contain($"\"encoder\":\"{cell.Name}\""));
        var classifierBack = SequenceClassifierConfig.FromJson(classifier.ToJson(), "c");
        Assert.That((classifierBack.Encoder, classifierBack.Cell), Is.EqualTo((cell.Name, (CellKind?)cell.Kind)));

        var seq2seq = Seq2Seq(cell.Kind);
        Assert.That(ModelCheckpoint.ConfigText(seq2seq), Does.Contain($"\"cell\":\"{cell.Name}\""));
        Assert.That(Seq2SeqConfig.FromJson(ModelCheckpoint.ConfigText(seq2seq), "s").Cell, Is.EqualTo(cell.Kind));
    }

    [Test]
    public void A_seq2seq_config_written_with_the_enum_names_still_loads()
    {
        var json = ModelCheckpoint.ConfigText(Seq2Seq(CellKind.Gru)).Replace("\"cell\":\"gru\"", "\"cell\":\"Gru\"");
        Assert.That(Seq2SeqConfig.FromJson(json, "old.safetensors").Cell, Is.EqualTo(CellKind.Gru));
    }

    [TestCaseSource(nameof(Cells))]
    public void Each_model_builds_the_cell_its_config_names(CellDescriptor cell)
    {
        string ShapeOf(IEnumerable<Parameter<double>> parameters, string name) => parameters.Single(p => p.Name == name).Value.ShapeText;
        using var lm = new LanguageModel<double>(_cpu, new LanguageModelConfig { Arch = cell.Name, VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 3 }, new RandomStream(1));
        Assert.That(ShapeOf(lm.Parameters, "rnn.weight_ih_l0"), Is.EqualTo($"[{cell.Gates * 3}, 4]"));
        var classifierConfig = new SequenceClassifierConfig { VocabularySize = 5, Classes = 2, EmbeddingSize = 4, HiddenSize = 3, Encoder = cell.Name };
        using var classifier = new SequenceClassifier<double>(_cpu, classifierConfig, new RandomStream(1));
        Assert.That(ShapeOf(classifier.Parameters, "encoder.weight_ih_l0"), Is.EqualTo($"[{cell.Gates * 3}, 4]"));
        using var seq2seq = new Seq2Seq<double>(_cpu, Seq2Seq(cell.Kind), new RandomStream(1));
        Assert.That(ShapeOf(seq2seq.Parameters, "encoder.weight_ih_l0"), Is.EqualTo($"[{cell.Gates * 3}, 3]"));
    }

    private static ForecasterConfig FittedForecaster(CellKind cell) => new() { Cell = cell, ScaleCenter = [0.5], ScaleSpread = [2.0] };

    private static Seq2SeqConfig Seq2Seq(CellKind cell) => new()
    {
        SourceVocabularySize = 5, TargetVocabularySize = 6, EmbeddingSize = 3, HiddenSize = 3, Cell = cell,
    };
}
