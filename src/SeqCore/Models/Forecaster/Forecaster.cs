using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// A recurrent forecaster: a window of W time steps of F scaled features (the target and any extra inputs, see
/// <see cref="ForecastTransform"/>) → a stacked LSTM/GRU encoder → its output at the last step → a linear head → the
/// next value of the target, on the network's scale. Multi-step forecasts are autoregressive: each prediction is
/// fed back as the target feature of the next window.
/// </summary>
/// <remarks>
/// Parameters (PyTorch state_dict names of an equivalent module with fields <c>rnn</c> and <c>head</c>):
/// <c>rnn.weight_ih_l0</c>, <c>rnn.weight_hh_l0</c>, <c>rnn.bias_ih_l0</c>, <c>rnn.bias_hh_l0</c>, … and
/// <c>head.weight [1, H]</c>, <c>head.bias [1]</c>. The config (window, transform, scaling constants) travels in the
/// checkpoint's metadata.
/// </remarks>
public sealed class Forecaster<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly RecurrentLayer<T> _rnn;
    private readonly Linear<T> _head;
    private readonly List<Parameter<T>> _parameters;
    private int _batch = -1;
    private Tensor<T>? _x, _out, _dOut, _pred;
    private Tensor<T>? _last, _dLast;

    /// <summary>Creates a forecaster with PyTorch-style random weights. The config's scaling may be fitted later
    /// (it is needed by <see cref="Forecast"/>, not by the network).</summary>
    public Forecaster(IBackend<T> backend, ForecasterConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _backend = backend;
        Config = config;
        _rnn = new RecurrentLayer<T>(backend, new RecurrentOptions
        {
            Cell = config.Cell, InputSize = config.Features, HiddenSize = config.HiddenSize, Layers = config.Layers,
        }, init);
        _head = new Linear<T>(backend, _rnn.OutputSize, 1, init, prefix: "head.");
        _parameters = [.. _rnn.Parameters.Select(p => new Parameter<T>("rnn." + p.Name, p.Value, p.Gradient)), .. _head.Parameters];
    }

    /// <summary>The configuration (with its fitted scaling, once set).</summary>
    public ForecasterConfig Config { get; private set; }

    IModelConfig ISequenceModel<T>.Config => Config;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata { get; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>The backend the weights live on.</summary>
    public IBackend<T> Backend => _backend;

    /// <summary>Replaces the config by one with the same network shape (e.g. with fitted scaling).</summary>
    public void SetConfig(ForecasterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Features != Config.Features || config.HiddenSize != Config.HiddenSize || config.Layers != Config.Layers || config.Cell != Config.Cell)
            throw new ArgumentException("Forecaster.SetConfig: the new config describes a different network.");
        Config = config;
    }

    /// <summary>
    /// The network on a batch: <paramref name="x"/> <c>[W, B, F]</c> (time-major) → <paramref name="prediction"/>
    /// <c>[B, 1]</c>. Keeps what <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(Tensor<T> x, Tensor<T> prediction)
    {
        if (x.Rank != 3 || x.Dim(2) != Config.Features)
            throw new ArgumentException($"Forecaster.Forward: 'x' has shape {x.ShapeText}; expected [W, B, {Config.Features}].");
        int steps = x.Dim(0), batch = x.Dim(1);
        if (prediction.Length != batch)
            throw new ArgumentException($"Forecaster.Forward: 'prediction' has shape {prediction.ShapeText}; expected [{batch}, 1].");
        EnsureBuffers(steps, batch);
        _rnn.Forward(x, [], null, null, _out!, null, null);
        _head.Forward(_last!, prediction.Reshape(batch, 1));
    }

    /// <summary>Backward of the last <see cref="Forward"/> for <c>dLoss/dprediction</c> <c>[B, 1]</c>; accumulates every
    /// parameter's gradient. Only the last step's encoder output reaches the head, so the other steps get a zero gradient.</summary>
    public void Backward(Tensor<T> dPrediction)
    {
        if (_last is null) throw new InvalidOperationException("Forecaster.Backward called before Forward.");
        if (dPrediction.Length != _batch)
            throw new ArgumentException($"Forecaster.Backward: 'dPrediction' has shape {dPrediction.ShapeText}; expected [{_batch}, 1].");
        _head.Backward(_last, dPrediction.Reshape(_batch, 1), _dLast);
        _rnn.Backward(_dOut!, null, null, null, null, null);
    }

    private int _steps = -1;

    private void EnsureBuffers(int steps, int batch)
    {
        if (steps == _steps && batch == _batch) return;
        DisposeBuffers();
        _steps = steps;
        _batch = batch;
        int h = _rnn.OutputSize;
        _out = _backend.Allocate(steps, batch, h);
        _dOut = _backend.Allocate(steps, batch, h); // stays zero except the last step
        _last = _out.Slice((long)(steps - 1) * batch * h, batch, h);
        _dLast = _dOut.Slice((long)(steps - 1) * batch * h, batch, h);
    }

    /// <summary>Scaled next-value predictions for <paramref name="batch"/> windows given on the host as <c>[W, B, F]</c>.</summary>
    public double[] Predict(ReadOnlySpan<double> windows, int batch)
    {
        int w = Config.Window, f = Config.Features;
        if (windows.Length != w * batch * f)
            throw new ArgumentException($"Forecaster.Predict: {windows.Length} values for {batch} windows of [{w}, {f}].");
        if (_x is null || _x.Dim(1) != batch)
        {
            _x?.Dispose(); _pred?.Dispose();
            _x = _backend.Allocate(w, batch, f);
            _pred = _backend.Allocate(batch, 1);
        }
        var host = new T[windows.Length];
        for (int i = 0; i < host.Length; i++) host[i] = T.CreateTruncating(windows[i]);
        _backend.CopyFromHost(host, _x);
        Forward(_x, _pred!);
        return _backend.ToArray(_pred!).Select(double.CreateTruncating).ToArray();
    }

    /// <summary>
    /// Forecasts the <paramref name="horizon"/> steps after <paramref name="history"/>, autoregressively: each predicted
    /// target value is fed back in the next window. Extra inputs are not forecast: their future values come from
    /// <paramref name="futureInputs"/> (one array of at least <paramref name="horizon"/> values per input, e.g. known
    /// covariates or a back-test's actual values) or, when it is null, are held at their last observed value
    /// (persistence). A one-step forecast (<paramref name="horizon"/> = 1) needs no future inputs at all.
    /// Returns raw values (log and differencing undone).
    /// </summary>
    public double[] Forecast(ForecastSeries history, int horizon, IReadOnlyList<double[]>? futureInputs = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var c = Config;
        if (!c.IsFitted) throw new InvalidOperationException("Forecaster.Forecast: the scaling is not fitted.");
        if (history.Inputs.Count != c.Inputs.Count)
            throw new ArgumentException($"Forecaster.Forecast: the history has {history.Inputs.Count} inputs; the model reads {c.Inputs.Count}.");
        if (history.Length < c.MinHistory)
            throw new ArgumentException($"Forecaster.Forecast: {history.Length} steps of history; the model needs at least {c.MinHistory} (window {c.Window} + difference lag {c.DifferenceLag}).");
        if (horizon <= 0) throw new ArgumentOutOfRangeException(nameof(horizon), $"Forecaster.Forecast: horizon must be positive, got {horizon}.");
        if (futureInputs is not null && (futureInputs.Count != c.Inputs.Count || futureInputs.Any(a => a.Length < horizon)))
            throw new ArgumentException($"Forecaster.Forecast: future inputs must be {c.Inputs.Count} arrays of at least {horizon} values.");

        int n = history.Length, lag = c.DifferenceLag, w = c.Window, f = c.Features;
        var level = new double[f][];
        level[0] = new double[n + horizon];
        ForecastTransform.Level(c, history.Target, c.Target).CopyTo(level[0], 0);
        for (int j = 1; j < f; j++)
        {
            double[] raw = new double[n + horizon];
            history.Inputs[j - 1].CopyTo(raw, 0);
            for (int h = 0; h < horizon; h++) raw[n + h] = futureInputs?[j - 1][h] ?? history.Inputs[j - 1][n - 1];
            level[j] = ForecastTransform.Level(c, raw, c.Inputs[j - 1]);
        }
        double Feature(int t, int j) => ((lag == 0 ? level[j][t] : level[j][t] - level[j][t - lag]) - c.ScaleCenter[j]) / c.ScaleSpread[j];

        var window = new double[w * f];
        var result = new double[horizon];
        for (int h = 0; h < horizon; h++)
        {
            int t = n + h;
            for (int s = 0; s < w; s++)
                for (int j = 0; j < f; j++) window[s * f + j] = Feature(t - w + s, j);
            double scaled = Predict(window, 1)[0];
            double d = scaled * c.ScaleSpread[0] + c.ScaleCenter[0];
            level[0][t] = lag == 0 ? d : d + level[0][t - lag];
            result[h] = ForecastTransform.Unlevel(c, level[0][t]);
        }
        return result;
    }

    /// <summary>One-step-ahead forecasts of steps <paramref name="start"/> … n − 1 of <paramref name="series"/>, each from
    /// the actual values before it (a rolling back-test).</summary>
    public double[] OneStepForecasts(ForecastSeries series, int start)
    {
        ArgumentNullException.ThrowIfNull(series);
        var result = new double[series.Length - start];
        for (int t = start; t < series.Length; t++) result[t - start] = Forecast(series.Take(t), 1)[0];
        return result;
    }

    /// <summary>Writes the weights and the config (with its scaling) as one checkpoint, atomically (see
    /// <see cref="ModelCheckpoint"/>).</summary>
    public void Save(string path)
    {
        if (!Config.IsFitted) throw new InvalidOperationException("Forecaster.Save: fit the scaling first (ForecastTransform.FitScaling); a forecaster checkpoint carries it.");
        ModelCheckpoint.Save(path, this);
    }

    /// <summary>Opens a forecaster checkpoint on <paramref name="backend"/>; <see cref="InvalidDataException"/> names the
    /// file and the fault, including a checkpoint of another kind.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    public static Forecaster<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<Forecaster<T>, T>(path, backend, ForecasterConfig.ModelKind, maxBytes);

    private void DisposeBuffers()
    {
        _out?.Dispose(); _dOut?.Dispose();
        _out = _dOut = _last = _dLast = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeBuffers();
        _x?.Dispose(); _pred?.Dispose();
        _rnn.Dispose();
        _head.Dispose();
    }
}
