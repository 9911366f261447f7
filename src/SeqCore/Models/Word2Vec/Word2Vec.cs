using System.Numerics;
using System.Text.Json;
using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// Word2vec with negative sampling (Mikolov et al. 2013), skip-gram or CBOW: an input embedding v (the word vectors) and an
/// output embedding u. For a center word c, its context word o and k noise words n₁…n_k the loss is
/// <c>−log σ(u_o·v_c) − Σ_j log σ(−u_{n_j}·v_c)</c>, which is binary cross-entropy on the logits
/// <c>x_j = u_j·v_c</c> with target 1 for the context and 0 for the negatives. CBOW
/// (<see cref="Word2VecConfig.Cbow"/>) replaces <c>v_c</c> by the mean <c>h</c> of the input vectors of the window and
/// predicts the center: <c>−log σ(u_c·h) − Σ_j log σ(−u_{n_j}·h)</c>.
/// </summary>
/// <remarks>
/// <para>Forward on a batch of B examples with K = k + 1 output words each, all on the backend:
/// <c>V = Gather(in, centers) [B, D]</c>, <c>U = Gather(out, outputs) [B·K, D]</c>, logits <c>X[b] = U[b]·V[b]</c>
/// (a strided-batched GEMM of B products <c>[K, D]·[D, 1]</c>), loss = Σ BCE-with-logits(X, Y).</para>
/// <para>Backward: <c>dX = σ(X) − Y</c>; <c>dV[b] = dX[b]ᵀ·U[b]</c> (B products <c>[1, K]·[K, D]</c>),
/// <c>dU[b] = dX[b]·V[b]ᵀ</c> (B outer products <c>[K, 1]·[1, D]</c>); then ScatterAddRows adds them into the rows of
/// the two tables' gradients.</para>
/// <para>The loss is the <em>sum</em> over the batch's examples and the gradients are of that sum, so each example
/// moves the vectors as much as one update of word2vec's per-example SGD does and the learning rate means the same
/// (word2vec's α = 0.025).</para>
/// Parameters: <c>in_embed.weight [V, D]</c> (initialised U(−0.5/D, 0.5/D)) and <c>out_embed.weight [V, D]</c>
/// (initialised to 0), as word2vec does.
/// </remarks>
public sealed class Word2Vec<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Metadata key of the vocabulary (a JSON array of the words by id).</summary>
    public const string VocabularyKey = "seqcore.vocabulary";

    /// <summary>Metadata key of the words' corpus counts (a JSON array by id).</summary>
    public const string CountsKey = VocabularyKey + ".counts";

    private readonly IBackend<T> _be;
    private int _batch = -1, _inputsPerExample = -1, _k1 = -1;
    private Tensor<T>? _vin, _h, _w, _u, _x, _y, _dx, _dh, _du, _dvin;
    private int[] _inputs = [], _outputs = [];
    private double[]? _unit; // [V, D] row-normalised input vectors for similarity queries

    /// <summary>Creates a skip-gram model with word2vec's initialisation.</summary>
    public Word2Vec(IBackend<T> backend, Word2VecVocabulary vocabulary, int embeddingSize, RandomStream init)
        : this(backend, vocabulary, new Word2VecConfig { VocabularySize = vocabulary?.Count ?? 0, EmbeddingSize = embeddingSize }, init) { }

    /// <summary>Creates the model of <paramref name="config"/> (its vocabulary size must be the vocabulary's) with
    /// word2vec's initialisation.</summary>
    public Word2Vec(IBackend<T> backend, Word2VecVocabulary vocabulary, Word2VecConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(config);
        if (config.EmbeddingSize <= 0) throw new ArgumentOutOfRangeException(nameof(config), $"Word2Vec: the embedding size must be positive, got {config.EmbeddingSize}.");
        if (config.VocabularySize != vocabulary.Count)
            throw new ArgumentException($"Word2Vec: the config says {config.VocabularySize} words but the vocabulary has {vocabulary.Count}.", nameof(config));
        config.Validate();
        _be = backend;
        Vocabulary = vocabulary;
        EmbeddingSize = config.EmbeddingSize;
        Config = config;
        InEmbedding = Parameter<T>.Create(backend, "in_embed.weight", vocabulary.Count, EmbeddingSize);
        OutEmbedding = Parameter<T>.Create(backend, "out_embed.weight", vocabulary.Count, EmbeddingSize);
        T bound = T.CreateTruncating(0.5 / EmbeddingSize);
        backend.FillUniform(init, -bound, bound, InEmbedding.Value);
        Parameters = [InEmbedding, OutEmbedding];
    }

    /// <summary>The words.</summary>
    public Word2VecVocabulary Vocabulary { get; }

    /// <summary>The config: vocabulary size and vector width.</summary>
    public Word2VecConfig Config { get; }

    IModelConfig ISequenceModel<T>.Config => Config;

    /// <inheritdoc />
    public IBackend<T> Backend => _be;

    /// <summary>Vector width D.</summary>
    public int EmbeddingSize { get; }

    /// <summary><c>in_embed.weight [V, D]</c>: the word vectors.</summary>
    public Parameter<T> InEmbedding { get; }

    /// <summary><c>out_embed.weight [V, D]</c>: the context vectors.</summary>
    public Parameter<T> OutEmbedding { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>
    /// The summed skip-gram loss of B examples: <paramref name="centers"/> <c>[B]</c>, <paramref name="outputs"/> <c>[B, K]</c>
    /// with the context first and K − 1 negatives after it. Keeps what <see cref="Backward"/> needs.
    /// </summary>
    public double Forward(ReadOnlySpan<int> centers, ReadOnlySpan<int> outputs) => Forward(centers, 1, outputs);

    /// <summary>
    /// The summed loss of B examples whose hidden vector is the mean of the input vectors of their
    /// <paramref name="inputs"/> <c>[B, C]</c> (−1 pads; at least one real id per example): C = 1 is skip-gram (the
    /// center), C = 2W is CBOW (the window). <paramref name="outputs"/> <c>[B, K]</c> holds the positive first and
    /// K − 1 negatives after it. Keeps what <see cref="Backward"/> needs.
    /// </summary>
    public double Forward(ReadOnlySpan<int> inputs, int inputsPerExample, ReadOnlySpan<int> outputs)
    {
        if (inputsPerExample <= 0 || inputs.Length == 0 || inputs.Length % inputsPerExample != 0)
            throw new ArgumentException($"Word2Vec.Forward: {inputs.Length} input ids do not make rows of {inputsPerExample}.");
        int b = inputs.Length / inputsPerExample, c = inputsPerExample;
        if (outputs.Length % b != 0 || outputs.Length / b < 2)
            throw new ArgumentException($"Word2Vec.Forward: {outputs.Length} output ids for {b} examples; expected B·K with K ≥ 2 (a positive and at least one negative).");
        int k1 = outputs.Length / b, d = EmbeddingSize;
        Ensure(b, c, k1);
        SetInputs(inputs, b, c);
        outputs.CopyTo(_outputs);
        _be.Gather(InEmbedding.Value, _inputs, _vin!);
        // H[b] [1, D] = W[b] [1, C] · Vin[b] [C, D]: the mean of the example's input vectors (skip-gram: H = Vin).
        if (c > 1) _be.GemmStridedBatched(Transpose.No, Transpose.No, 1, d, c, T.One, _w!, c, c, _vin!, d, (long)c * d, T.Zero, _h!, d, d, b);
        _be.Gather(OutEmbedding.Value, outputs, _u!);
        // X[b] [K, 1] = U[b] [K, D] · H[b] [D, 1]
        _be.GemmStridedBatched(Transpose.No, Transpose.No, k1, 1, d, T.One, _u!, d, (long)k1 * d, _h!, 1, d, T.Zero, _x!, 1, k1, b);
        return _be.BceWithLogitsForward(_x!, _y!, null, LossReduction.Sum);
    }

    /// <summary>Backward of the last <see cref="Forward(ReadOnlySpan{int}, int, ReadOnlySpan{int})"/> (of the summed
    /// loss): adds into both tables' gradients.</summary>
    public void Backward()
    {
        if (_x is null) throw new InvalidOperationException("Word2Vec.Backward called before Forward.");
        int b = _batch, c = _inputsPerExample, k1 = _k1, d = EmbeddingSize;
        _be.BceWithLogitsBackward(_x, _y!, null, LossReduction.Sum, 1.0, _dx!);
        // dH[b] [1, D] = dX[b]ᵀ [1, K] · U[b] [K, D]
        _be.GemmStridedBatched(Transpose.No, Transpose.No, 1, d, k1, T.One, _dx!, k1, k1, _u!, d, (long)k1 * d, T.Zero, _dh!, d, d, b);
        // dU[b] [K, D] = dX[b] [K, 1] · H[b] [1, D]
        _be.GemmStridedBatched(Transpose.No, Transpose.No, k1, d, 1, T.One, _dx!, 1, k1, _h!, d, d, T.Zero, _du!, d, (long)k1 * d, b);
        // dVin[b] [C, D] = W[b]ᵀ [C, 1] · dH[b] [1, D]: each input row gets its share 1/n (padding rows get 0).
        if (c > 1) _be.GemmStridedBatched(Transpose.No, Transpose.No, c, d, 1, T.One, _w!, 1, c, _dh!, d, d, T.Zero, _dvin!, d, (long)c * d, b);
        _be.ScatterAddRows(_dvin!, _inputs, -1, InEmbedding.Gradient);
        _be.ScatterAddRows(_du!, _outputs, -1, OutEmbedding.Gradient);
        _unit = null;
    }

    /// <summary>Copies the input ids (padding −1 becomes row 0 with weight 0) and, for C &gt; 1, the mean's weights 1/n.</summary>
    private void SetInputs(ReadOnlySpan<int> inputs, int b, int c)
    {
        var weights = c > 1 ? new T[b * c] : null;
        for (int i = 0; i < b; i++)
        {
            int n = 0;
            for (int j = 0; j < c; j++) if (inputs[i * c + j] >= 0) n++;
            if (n == 0) throw new ArgumentException($"Word2Vec.Forward: example {i} has no input word (all {c} ids are −1).");
            for (int j = 0; j < c; j++)
            {
                int id = inputs[i * c + j];
                _inputs[i * c + j] = Math.Max(id, 0);
                if (weights is not null && id >= 0) weights[i * c + j] = T.One / T.CreateTruncating(n);
            }
        }
        if (weights is not null) _be.CopyFromHost(weights, _w!);
    }

    private void Ensure(int batch, int inputsPerExample, int k1)
    {
        if (batch == _batch && inputsPerExample == _inputsPerExample && k1 == _k1) return;
        foreach (var t in Buffers) t?.Dispose();
        (_w, _h, _dvin) = (null, null, null);
        _batch = batch;
        _inputsPerExample = inputsPerExample;
        _k1 = k1;
        _vin = _be.Allocate(batch * inputsPerExample, EmbeddingSize);
        _u = _be.Allocate(batch * k1, EmbeddingSize);
        _x = _be.Allocate(batch, k1);
        _dx = _be.Allocate(batch, k1);
        _dh = _be.Allocate(batch, EmbeddingSize);
        _du = _be.Allocate(batch * k1, EmbeddingSize);
        _y = _be.Allocate(batch, k1);
        if (inputsPerExample > 1)
        {
            _w = _be.Allocate(batch, inputsPerExample);
            _h = _be.Allocate(batch, EmbeddingSize);
            _dvin = _be.Allocate(batch * inputsPerExample, EmbeddingSize);
        }
        else (_h, _dvin) = (_vin, _dh); // skip-gram: the hidden vector is the center's row
        var targets = new T[batch * k1];
        for (int i = 0; i < batch; i++) targets[i * k1] = T.One; // the positive comes first, the rest are noise
        _be.CopyFromHost(targets, _y);
        _inputs = new int[batch * inputsPerExample];
        _outputs = new int[batch * k1];
    }

    /// <summary>The work buffers, each once (skip-gram aliases the hidden and input ones).</summary>
    private IEnumerable<Tensor<T>?> Buffers =>
        _inputsPerExample > 1 ? [_vin, _u, _x, _y, _dx, _dh, _du, _w, _h, _dvin] : [_vin, _u, _x, _y, _dx, _dh, _du];

    /// <summary>Forgets cached unit vectors (call after changing the weights other than through <see cref="Backward"/>).</summary>
    public void InvalidateSimilarityCache() => _unit = null;

    /// <summary>The word vector of <paramref name="word"/>, or null when it is not in the vocabulary.</summary>
    public double[]? Vector(string word)
    {
        int id = Vocabulary.IdOf(word);
        if (id < 0) return null;
        var row = new T[EmbeddingSize];
        _be.CopyToHost(InEmbedding.Value.Row(id), row);
        return row.Select(double.CreateTruncating).ToArray();
    }

    /// <summary>The word vectors (the input table) with their words, to write as a word2vec or GloVe file.</summary>
    public IO.WordVectors ToWordVectors() =>
        new(Vocabulary.Words, EmbeddingSize, _be.ToArray(InEmbedding.Value).Select(float.CreateTruncating).ToArray());

    /// <summary>The <paramref name="top"/> words most cosine-similar to <paramref name="word"/> (itself excluded).</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the vocabulary; the message names it.</exception>
    public IReadOnlyList<(string Word, double Similarity)> Neighbours(string word, int top = 10)
    {
        int id = Id(word);
        double[] unit = UnitVectors();
        return Nearest(unit.AsSpan(id * EmbeddingSize, EmbeddingSize), top, [id]);
    }

    /// <summary>
    /// The analogy "<paramref name="a"/> is to <paramref name="b"/> as ? is to <paramref name="c"/>": the words nearest
    /// (cosine) to <c>â − b̂ + ĉ</c> of the unit vectors, excluding the three query words (3CosAdd).
    /// For example <c>Analogy("king", "man", "woman")</c> should give "queen".
    /// </summary>
    public IReadOnlyList<(string Word, double Similarity)> Analogy(string a, string b, string c, int top = 5)
    {
        int ia = Id(a), ib = Id(b), ic = Id(c);
        double[] unit = UnitVectors();
        var q = new double[EmbeddingSize];
        for (int i = 0; i < EmbeddingSize; i++) q[i] = unit[ia * EmbeddingSize + i] - unit[ib * EmbeddingSize + i] + unit[ic * EmbeddingSize + i];
        return Nearest(q, top, [ia, ib, ic]);
    }

    private int Id(string word)
    {
        int id = Vocabulary.IdOf(word);
        return id >= 0 ? id : throw new KeyNotFoundException($"'{word}' is not in the vocabulary ({Vocabulary.Count} words).");
    }

    private List<(string, double)> Nearest(ReadOnlySpan<double> query, int top, int[] exclude)
    {
        double[] unit = UnitVectors();
        double qn = 0;
        foreach (double v in query) qn += v * v;
        qn = Math.Sqrt(qn) is > 0 and var n ? n : 1;
        var scores = new (int Id, double Sim)[Vocabulary.Count];
        for (int w = 0; w < Vocabulary.Count; w++)
        {
            double dot = 0;
            var row = unit.AsSpan(w * EmbeddingSize, EmbeddingSize);
            for (int i = 0; i < EmbeddingSize; i++) dot += row[i] * query[i];
            scores[w] = (w, exclude.Contains(w) ? double.NegativeInfinity : dot / qn);
        }
        return scores.OrderByDescending(s => s.Sim).ThenBy(s => s.Id).Take(Math.Max(0, Math.Min(top, Vocabulary.Count - exclude.Length)))
            .Select(s => (Vocabulary.Words[s.Id], s.Sim)).ToList();
    }

    private double[] UnitVectors()
    {
        if (_unit is not null) return _unit;
        var host = _be.ToArray(InEmbedding.Value);
        var unit = new double[host.Length];
        for (int w = 0; w < Vocabulary.Count; w++)
        {
            double s = 0;
            for (int i = 0; i < EmbeddingSize; i++) { double v = double.CreateTruncating(host[w * EmbeddingSize + i]); unit[w * EmbeddingSize + i] = v; s += v * v; }
            double inv = s > 0 ? 1 / Math.Sqrt(s) : 0;
            for (int i = 0; i < EmbeddingSize; i++) unit[w * EmbeddingSize + i] *= inv;
        }
        return _unit = unit;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata => new Dictionary<string, string>
    {
        [VocabularyKey] = JsonSerializer.Serialize(Vocabulary.Words),
        [CountsKey] = JsonSerializer.Serialize(Vocabulary.Counts),
    };

    /// <summary>Writes both embeddings, the config and the vocabulary (with counts) atomically as a SeqCore checkpoint.</summary>
    public void Save(string path) => ModelCheckpoint.Save(path, this);

    /// <summary>Opens a word2vec checkpoint (of this build or of one before the model catalogue) on <paramref name="backend"/>.</summary>
    /// <exception cref="InvalidDataException">Not a word2vec checkpoint, or corrupt; the message names the file.</exception>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    public static Word2Vec<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<Word2Vec<T>, T>(path, backend, Word2VecConfig.ModelKind, maxBytes);

    /// <summary>The vocabulary a checkpoint's metadata holds (the counts are 0 when it has none);
    /// <see cref="ArgumentException"/> when it is missing or malformed.</summary>
    public static Word2VecVocabulary ReadVocabulary(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(VocabularyKey, out string? wordsJson))
            throw new ArgumentException($"the checkpoint has no vocabulary ('{VocabularyKey}' metadata).");
        try
        {
            string[] words = JsonSerializer.Deserialize<string[]>(wordsJson) ?? throw new ArgumentException($"the vocabulary ('{VocabularyKey}') is null.");
            long[] counts = metadata.TryGetValue(CountsKey, out string? countsJson)
                ? JsonSerializer.Deserialize<long[]>(countsJson) ?? new long[words.Length]
                : new long[words.Length];
            return new Word2VecVocabulary(words, counts);
        }
        catch (JsonException e) { throw new ArgumentException($"invalid word2vec vocabulary metadata: {e.Message}", e); }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Buffers) t?.Dispose();
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }
}
