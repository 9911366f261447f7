using System.Numerics;
using SeqCore.Distributed;
using SeqCore.Layers;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="Word2Vec{T}"/> and its sampler (<see cref="SkipGramSampler"/> or <see cref="CbowSampler"/>), as the
/// <see cref="Trainer{T}"/> sees them: each step takes the next <c>batch</c> (inputs, positive, k negatives) examples and adds the gradient of their summed loss.
/// The reported loss is the mean per example. Word2vec has no held-out loss: <see cref="Evaluate"/> returns null.
/// Use plain SGD (no momentum or weight decay): rows a batch does not touch then stay exactly as they are, which is
/// word2vec's sparse update. A run saved mid-way resumes exactly: the state is the sampler's (<see cref="IWord2VecSampler.SaveState"/>).
/// With a <see cref="BatchShard"/> (data-parallel training) every rank draws the same global batch from the same
/// sampler and trains on its examples of it; the ranks' gradients (of summed losses) are summed.
/// </summary>
public sealed class Word2VecTrainable<T> : ITrainable<T>, IResumableTrainable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Word2Vec<T> _model;
    private readonly IWord2VecSampler _sampler;
    private readonly int[] _inputs, _outputs, _shardInputs, _shardOutputs;
    private readonly int _first;

    /// <summary>Creates the trainable with <paramref name="batch"/> examples per step; <paramref name="shard"/>: this
    /// rank's examples of each (null: all of them).</summary>
    public Word2VecTrainable(Word2Vec<T> model, IWord2VecSampler sampler, int batch, BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampler);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"Word2Vec: batch must be positive, got {batch}.");
        _model = model;
        _sampler = sampler;
        _inputs = new int[batch * sampler.InputsPerExample];
        _outputs = new int[batch * (sampler.Negatives + 1)];
        (_first, int rows) = (shard ?? BatchShard.Whole).Of(batch);
        _shardInputs = rows == batch ? _inputs : new int[rows * sampler.InputsPerExample];
        _shardOutputs = rows == batch ? _outputs : new int[rows * (sampler.Negatives + 1)];
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    /// <remarks>"pairs" for skip-gram (a center and one context), "windows" for CBOW (a window and its center).</remarks>
    public string ItemUnit => _sampler.InputsPerExample == 1 ? "pairs" : "windows";

    /// <summary>The sampler (epochs done, progress).</summary>
    public IWord2VecSampler Sampler => _sampler;

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        _sampler.Next(_inputs, _outputs);
        int c = _sampler.InputsPerExample, rows = _shardInputs.Length / c, perRow = _sampler.Negatives + 1;
        if (rows != BatchSize)
        {
            _inputs.AsSpan(_first * c, rows * c).CopyTo(_shardInputs);
            _outputs.AsSpan(_first * perRow, rows * perRow).CopyTo(_shardOutputs);
        }
        double loss = _model.Forward(_shardInputs, c, _shardOutputs);
        _model.Backward();
        return new BatchLoss(loss / rows, rows);
    }

    /// <inheritdoc />
    public bool GradientIsSum => true;

    /// <summary>Examples per step.</summary>
    public int BatchSize => _outputs.Length / (_sampler.Negatives + 1);

    /// <inheritdoc />
    public BatchLoss? Evaluate() => null;

    /// <inheritdoc />
    public void SaveState(TrainableState state) => _sampler.SaveState(state);

    /// <inheritdoc />
    public void RestoreState(TrainableState state) => _sampler.RestoreState(state);

    /// <summary>Nothing to free: the batches live in the model's reused buffers, and the model is the caller's.</summary>
    public void Dispose() { }
}
