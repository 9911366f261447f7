using System.Numerics;
using System.Text.Json.Nodes;
using SeqCore.Distributed;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="Forecaster{T}"/> with its training series, as the <see cref="Trainer{T}"/> sees it: every window of W
/// scaled steps whose next target value is known becomes a sample; the samples whose target lies in the last
/// <c>validationSteps</c> time steps are held out (chronologically, no shuffling across the split) for evaluation and
/// early stopping. Training batches are drawn from a shuffled pass over the training windows (reshuffled every
/// epoch); the loss is the mean squared error on the network's (scaled) target. A resumed run restores the pass's
/// order, its cursor and the sampling stream's position (<see cref="IResumableTrainable"/>). With a
/// <see cref="BatchShard"/> (data-parallel training) every rank draws the same global batch from the same stream and
/// trains on its rows of it.
/// </summary>
public sealed class ForecasterTrainable<T> : ITrainable<T>, IResumableTrainable, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Forecaster<T> _model;
    private readonly IBackend<T> _be;
    private readonly double[] _features; // [m, F]
    private readonly int[] _train, _valid; // window start rows
    private readonly int _batch, _first, _rows;
    private readonly RandomStream _sampling;
    private readonly MseLoss<T> _loss;
    private readonly Tensor<T> _x, _y, _pred, _dPred;
    private Tensor<T>? _xValid, _yValid, _predValid;
    private int _cursor;

    /// <summary>
    /// Prepares the windows of <paramref name="series"/>. The model's config must already have its scaling fitted —
    /// on the training rows only: <c>ForecastTransform.FitScaling(config, series, series.Length − validationSteps)</c>.
    /// <paramref name="shard"/>: this rank's rows of every batch (null: all of them).
    /// </summary>
    public ForecasterTrainable(Forecaster<T> model, ForecastSeries series, int validationSteps, int batchSize, RandomStream sampling,
        BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(sampling);
        var c = model.Config;
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"ForecasterTrainable: batch size must be positive, got {batchSize}.");
        if (validationSteps < 0) throw new ArgumentOutOfRangeException(nameof(validationSteps), $"ForecasterTrainable: validation steps must be ≥ 0, got {validationSteps}.");
        _model = model;
        _be = model.Backend;
        _features = ForecastTransform.Features(c, series);
        int m = _features.Length / c.Features, windows = Math.Max(0, m - c.Window);
        // Window i reads rows i … i+W−1 and predicts row i+W, which is time step i + W + lag.
        int firstValid = series.Length - validationSteps - c.Window - c.DifferenceLag;
        _train = Enumerable.Range(0, Math.Clamp(firstValid, 0, windows)).ToArray();
        _valid = Enumerable.Range(Math.Clamp(firstValid, 0, windows), windows - Math.Clamp(firstValid, 0, windows)).ToArray();
        if (_train.Length == 0)
            throw new ArgumentException($"Forecaster: {series.Length} training steps give no training window (window {c.Window}, difference lag {c.DifferenceLag}, " +
                $"{validationSteps} held out for validation); at least {c.MinHistory + validationSteps + 1} steps are needed.");
        _batch = Math.Min(batchSize, _train.Length);
        (_first, _rows) = (shard ?? BatchShard.Whole).Of(_batch);
        _sampling = sampling;
        _loss = new MseLoss<T>(_be);
        _x = _be.Allocate(c.Window, _rows, c.Features);
        _y = _be.Allocate(_rows, 1);
        _pred = _be.Allocate(_rows, 1);
        _dPred = _be.Allocate(_rows, 1);
        Shuffle();
    }

    /// <summary>Training windows.</summary>
    public int TrainWindows => _train.Length;

    /// <summary>Held-out windows (0 when nothing is held out).</summary>
    public int ValidationWindows => _valid.Length;

    /// <summary>Windows per training batch.</summary>
    public int BatchSize => _batch;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public string ItemUnit => "windows";

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        var starts = new int[_batch];
        for (int b = 0; b < _batch; b++)
        {
            if (_cursor == _train.Length) Shuffle();
            starts[b] = _train[_cursor++];
        }
        Fill(starts.AsSpan(_first, _rows), _x, _y);
        _model.Forward(_x, _pred);
        double loss = _loss.Forward(_pred, _y);
        _loss.Backward(_pred, _y, _dPred);
        _model.Backward(_dPred);
        return new BatchLoss(loss, _rows);
    }

    /// <inheritdoc />
    public BatchLoss? Evaluate()
    {
        if (_valid.Length == 0) return null;
        var c = _model.Config;
        if (_xValid is null)
        {
            _xValid = _be.Allocate(c.Window, _valid.Length, c.Features);
            _yValid = _be.Allocate(_valid.Length, 1);
            _predValid = _be.Allocate(_valid.Length, 1);
            Fill(_valid, _xValid, _yValid);
        }
        _model.Forward(_xValid, _predValid!);
        return new BatchLoss(_loss.Forward(_predValid!, _yValid!), _valid.Length);
    }

    /// <summary>Mean squared error (scaled) over the training windows, in batches of the training batch size (on any
    /// rank the same batches as in one process).</summary>
    public double TrainingLoss()
    {
        var c = _model.Config;
        bool whole = _rows == _batch;
        var x = whole ? _x : _be.Allocate(c.Window, _batch, c.Features);
        var y = whole ? _y : _be.Allocate(_batch, 1);
        var pred = whole ? _pred : _be.Allocate(_batch, 1);
        try
        {
            double sum = 0;
            for (int i = 0; i + _batch <= _train.Length; i += _batch)
            {
                Fill(_train.AsSpan(i, _batch), x, y);
                _model.Forward(x, pred);
                sum += _loss.Forward(pred, y) * _batch;
            }
            int full = _train.Length / _batch * _batch;
            return sum / full;
        }
        finally
        {
            if (!whole) foreach (var t in new[] { x, y, pred }) t.Dispose();
        }
    }

    /// <summary>Writes windows <paramref name="starts"/> as <c>x [W, B, F]</c> (time-major) and their targets as <c>y [B, 1]</c>.</summary>
    private void Fill(ReadOnlySpan<int> starts, Tensor<T> x, Tensor<T> y)
    {
        var c = _model.Config;
        int w = c.Window, f = c.Features, b = starts.Length;
        var hx = new T[w * b * f];
        var hy = new T[b];
        for (int i = 0; i < b; i++)
        {
            int s0 = starts[i];
            for (int s = 0; s < w; s++)
                for (int j = 0; j < f; j++) hx[(s * b + i) * f + j] = T.CreateTruncating(_features[(s0 + s) * f + j]);
            hy[i] = T.CreateTruncating(_features[(s0 + w) * f]);
        }
        _be.CopyFromHost(hx, x);
        _be.CopyFromHost(hy, y);
    }

    /// <summary>Fisher–Yates over the training windows from the sampling stream.</summary>
    private void Shuffle()
    {
        for (int i = _train.Length - 1; i > 0; i--)
        {
            int j = _sampling.NextInt(i + 1);
            (_train[i], _train[j]) = (_train[j], _train[i]);
        }
        _cursor = 0;
    }

    /// <inheritdoc />
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Values["cursor"] = _cursor;
        state.Values["samplingPosition"] = _sampling.Position;
        state.Values["order"] = new JsonArray(_train.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
    }

    /// <inheritdoc />
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int cursor = state.Get<int>("cursor");
        var order = (state.Values["order"] as JsonArray)?.Select(n => n?.GetValue<int>() ?? -1).ToArray()
            ?? throw new InvalidDataException("the saved training state has no window order 'order'.");
        if (order.Length != _train.Length || cursor < 0 || cursor > order.Length || !order.Order().SequenceEqual(_train.Order()))
            throw new InvalidDataException($"the saved window order does not fit the {_train.Length} training windows (another series, window or validation split?).");
        order.CopyTo(_train, 0);
        _cursor = cursor;
        _sampling.Position = state.Get<ulong>("samplingPosition");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { _x, _y, _pred, _dPred, _xValid, _yValid, _predValid }) t?.Dispose();
    }
}
