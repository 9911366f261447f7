using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Recurrent;

/// <summary>Where a GRU applies its reset gate. Both forms have the same parameters (PyTorch's <c>nn.GRU</c> layout).</summary>
public enum GruForm
{
    /// <summary>PyTorch / cuDNN: <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c>.</summary>
    PyTorch,
    /// <summary>Cho et al. 2014: <c>n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)</c>.</summary>
    Original,
}

/// <summary>Configuration of a <see cref="RecurrentLayer{T}"/>; names follow PyTorch's <c>nn.RNN/LSTM/GRU</c>.</summary>
public sealed record RecurrentOptions
{
    /// <summary>The cell.</summary>
    public CellKind Cell { get; init; } = CellKind.Lstm;
    /// <summary>Width I of each input step.</summary>
    public int InputSize { get; init; }
    /// <summary>Hidden width H.</summary>
    public int HiddenSize { get; init; }
    /// <summary>Stacked layers.</summary>
    public int Layers { get; init; } = 1;
    /// <summary>Run a reverse direction too and concatenate the outputs.</summary>
    public bool Bidirectional { get; init; }
    /// <summary>Use the two bias vectors.</summary>
    public bool Bias { get; init; } = true;
    /// <summary>Input and output are <c>[B, T, ·]</c> instead of <c>[T, B, ·]</c>.</summary>
    public bool BatchFirst { get; init; }
    /// <summary>Dropout probability on the outputs of every layer but the last (never on recurrent edges).</summary>
    public double Dropout { get; init; }
    /// <summary>LSTM only: project the hidden state to this width (PyTorch's <c>proj_size</c>); 0 = none.</summary>
    public int ProjectionSize { get; init; }
    /// <summary>LSTM only: peephole connections (Gers &amp; Schmidhuber).</summary>
    public bool Peepholes { get; init; }
    /// <summary>LSTM only: if set, the forget-gate slice of <c>bias_ih</c> starts at this value and that of <c>bias_hh</c> at 0.</summary>
    public double? ForgetBias { get; init; }
    /// <summary>GRU only: where the reset gate applies (PyTorch's <c>nn.GRU</c> is <see cref="GruForm.PyTorch"/>).</summary>
    public GruForm GruForm { get; init; } = GruForm.PyTorch;
}

/// <summary>
/// A stack of recurrent layers (Elman RNN with tanh or ReLU, LSTM, or GRU in either form), optionally bidirectional,
/// over batches of variable-length sequences, with explicit Forward and Backward. Parameters are named and laid out as PyTorch's state_dict
/// (<c>weight_ih_l0</c>, <c>weight_hh_l0_reverse</c>, …), so weights move between the two without reshuffling.
/// </summary>
/// <remarks>
/// Shapes (time-major; swap the first two dimensions with <see cref="RecurrentOptions.BatchFirst"/>):
/// input <c>[T, B, I]</c>; output <c>[T, B, D·P]</c> with D = 2 when bidirectional and P = proj size or H;
/// states <c>h [L·D, B, P]</c>, <c>c [L·D, B, H]</c> (LSTM only; RNN and GRU layers have no cell state and take null
/// for c0, cn, dcn and dc0), index <c>l·D + d</c> as PyTorch.
/// Truncated BPTT: pass the previous chunk's final states as this chunk's initial states and do not propagate
/// their gradients (pass null for dh0/dc0): the gradient stops at the chunk boundary.
/// </remarks>
public sealed class RecurrentLayer<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly RecurrentDirection<T>[][] _dirs; // [layer][direction]
    private readonly List<Parameter<T>> _parameters = new();
    private readonly List<Tensor<T>> _arena = new();
    private int _steps, _batch;
    private Tensor<T>[] _layerOut = [], _layerIn = [], _masks = [], _dLayerOut = [], _dLayerIn = [];
    private Tensor<T>? _xTimeMajor, _yTimeMajor, _lengths;
    private T[] _lengthsHost = [];
    private bool _hasLengths;
    private Tensor<T>? _input;
    private bool _dropoutApplied;

    /// <summary>Creates the layer and initialises every parameter U(−1/√H, 1/√H) like PyTorch.</summary>
    public RecurrentLayer(IBackend<T> backend, RecurrentOptions options, RandomStream init)
    {
        Validate(options);
        _backend = backend;
        Options = options;
        int d = Directions;
        var cell = CellCatalogue.Find(options.Cell);
        _dirs = new RecurrentDirection<T>[options.Layers][];
        for (int l = 0; l < options.Layers; l++)
        {
            _dirs[l] = new RecurrentDirection<T>[d];
            int inSize = l == 0 ? options.InputSize : d * OutputStateSize;
            for (int r = 0; r < d; r++)
            {
                string suffix = $"_l{l}" + (r == 1 ? "_reverse" : "");
                var dir = cell.CreateDirection(backend, options, inSize, r == 1, suffix);
                _dirs[l][r] = dir;
                _parameters.AddRange(dir.Parameters);
            }
        }
        T bound = T.One / T.Sqrt(T.CreateTruncating(options.HiddenSize));
        foreach (var p in _parameters) backend.FillUniform(init, -bound, bound, p.Value);
        if (options.ForgetBias is { } fb && options.Bias)
            foreach (var layer in _dirs)
                foreach (var dir in layer)
                {
                    if (dir is not LstmDirection<T> lstm) continue; // Validate allows a forget bias only for the LSTM
                    backend.Fill(T.CreateTruncating(fb), lstm.ForgetBias!);
                    backend.Fill(T.Zero, dir.Parameters.First(p => p.Name.StartsWith("bias_hh")).Value.Slice(options.HiddenSize, options.HiddenSize));
                }
    }

    /// <summary>The configuration.</summary>
    public RecurrentOptions Options { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Options.Bidirectional ? 2 : 1;

    /// <summary>P: the width of each direction's output and hidden state.</summary>
    public int OutputStateSize => Options.ProjectionSize > 0 ? Options.ProjectionSize : Options.HiddenSize;

    /// <summary>Width of each output step: D·P.</summary>
    public int OutputSize => Directions * OutputStateSize;

    /// <summary>True for LSTM (a cell state c exists); false for RNN and GRU.</summary>
    public bool HasCellState => _dirs[0][0].HasCellState;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>The direction <paramref name="direction"/> (0 forwards, 1 reverse) of layer <paramref name="layer"/>.</summary>
    internal RecurrentDirection<T> Direction(int layer, int direction) => _dirs[layer][direction];

    private static void Validate(RecurrentOptions o)
    {
        if (o.InputSize <= 0 || o.HiddenSize <= 0 || o.Layers <= 0)
            throw new ArgumentException($"RecurrentLayer: input size, hidden size and layers must be positive, got {o.InputSize}, {o.HiddenSize}, {o.Layers}.");
        if (o.Dropout is < 0 or >= 1) throw new ArgumentException($"RecurrentLayer: dropout must be in [0, 1), got {o.Dropout}.");
        if (o.Cell != CellKind.Lstm && (o.ProjectionSize != 0 || o.Peepholes || o.ForgetBias is not null))
            throw new ArgumentException($"RecurrentLayer: proj size, peepholes and forget bias are LSTM options, not {o.Cell} ones.");
        if (o.Cell != CellKind.Gru && o.GruForm != GruForm.PyTorch)
            throw new ArgumentException($"RecurrentLayer: the GRU form is a GRU option, not a {o.Cell} one.");
        if (o.ProjectionSize < 0 || o.ProjectionSize >= o.HiddenSize && o.ProjectionSize != 0)
            throw new ArgumentException($"RecurrentLayer: proj size must be in [1, hidden size) or 0, got {o.ProjectionSize} with hidden size {o.HiddenSize}.");
    }

    private void EnsureArena(int steps, int batch)
    {
        if (steps == _steps && batch == _batch) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _columns.Clear();
        _scratchDx = null;
        _steps = steps;
        _batch = batch;
        int layers = Options.Layers;
        _layerOut = new Tensor<T>[layers];
        _dLayerOut = new Tensor<T>[layers];
        _layerIn = new Tensor<T>[layers];
        _dLayerIn = new Tensor<T>[layers];
        _masks = new Tensor<T>[layers];
        for (int l = 0; l < layers; l++)
        {
            _layerOut[l] = Buffer(steps, batch, OutputSize);
            _dLayerOut[l] = Buffer(steps, batch, OutputSize);
            if (l > 0)
            {
                _layerIn[l] = Options.Dropout > 0 ? Buffer(steps, batch, OutputSize) : _layerOut[l - 1];
                _dLayerIn[l] = Buffer(steps, batch, OutputSize);
            }
            if (l < layers - 1 && Options.Dropout > 0) _masks[l] = Buffer(steps, batch, OutputSize);
        }
        if (Options.BatchFirst)
        {
            _xTimeMajor = Buffer(steps, batch, Options.InputSize);
            _yTimeMajor = Buffer(steps, batch, OutputSize);
            _dLayerIn[0] = Buffer(steps, batch, Options.InputSize);
        }
        _lengths = Buffer(batch);
        _lengthsHost = new T[batch];
    }

    private Tensor<T> Buffer(params int[] shape)
    {
        var t = _backend.Allocate(shape);
        _arena.Add(t);
        return t;
    }

    /// <summary>
    /// Runs the stack. <paramref name="lengths"/>: one length per sequence (1..T), or empty when every sequence has T
    /// steps. Initial states (null = zeros) and final states (null = not wanted) have shape <c>[L·D, B, P]</c> for h and
    /// <c>[L·D, B, H]</c> for c. Dropout between layers is applied only when <paramref name="dropout"/> is given
    /// (training), drawing its masks from that stream.
    /// </summary>
    public void Forward(Tensor<T> input, ReadOnlySpan<int> lengths, Tensor<T>? h0, Tensor<T>? c0,
        Tensor<T> output, Tensor<T>? hn, Tensor<T>? cn, RandomStream? dropout = null)
    {
        var (steps, batch) = SequenceShape(input, Options.InputSize, "input");
        CheckShape(output, steps, batch, OutputSize, "output");
        if (!HasCellState && (c0 is not null || cn is not null))
            throw new ArgumentException($"RecurrentLayer.Forward: a {Options.Cell} layer has no cell state; pass null for c0 and cn.");
        CheckState(h0, "h0", batch, OutputStateSize); CheckState(hn, "hn", batch, OutputStateSize);
        CheckState(c0, "c0", batch, Options.HiddenSize); CheckState(cn, "cn", batch, Options.HiddenSize);
        EnsureArena(steps, batch);
        SetLengths(lengths, steps, batch);
        var be = _backend;

        Tensor<T> x = input;
        if (Options.BatchFirst) { be.SwapLeadingAxes(input, batch, steps, _xTimeMajor!); x = _xTimeMajor!; }
        _input = x;
        _dropoutApplied = dropout is not null && Options.Dropout > 0;
        int p = OutputStateSize, rows = steps * batch, d = Directions;
        for (int l = 0; l < Options.Layers; l++)
        {
            Tensor<T> layerIn = l == 0 ? x : _layerIn[l];
            for (int r = 0; r < d; r++)
            {
                var dir = _dirs[l][r];
                int k = l * d + r;
                dir.Forward(layerIn, steps, batch, _hasLengths ? _lengths : null,
                    StateRow(h0, k), StateRow(c0, k), StateRow(hn, k), StateRow(cn, k));
                be.Copy2D(dir.Output, rows, p, p, ColumnView(_layerOut[l], r * p), d * p);
            }
            if (l < Options.Layers - 1 && Options.Dropout > 0)
            {
                if (_dropoutApplied)
                {
                    T keep = T.CreateTruncating(1 - Options.Dropout);
                    RowWindowFill.FillBernoulliMask(be, dropout!, keep, T.One / keep, _masks[l]);
                    be.Mul(_layerOut[l], _masks[l], _layerIn[l + 1]);
                }
                else be.Copy(_layerOut[l], _layerIn[l + 1]);
            }
        }
        var last = _layerOut[^1];
        if (Options.BatchFirst) be.SwapLeadingAxes(last, steps, batch, output);
        else be.Copy(last, output);
    }

    /// <summary>
    /// One time step for generation and streaming: <paramref name="x"/> <c>[B, I]</c> → <paramref name="y"/>
    /// <c>[B, P]</c>, updating <paramref name="h"/> <c>[L, B, P]</c> (and <paramref name="c"/> <c>[L, B, H]</c> for LSTM)
    /// in place. Gives the same numbers as <see cref="Forward"/> over the whole sequence. Unidirectional layers
    /// only (a reverse direction needs the future); no dropout (inference).
    /// </summary>
    public void Step(Tensor<T> x, Tensor<T> h, Tensor<T>? c, Tensor<T> y)
    {
        if (Options.Bidirectional) throw new InvalidOperationException("RecurrentLayer.Step: a bidirectional layer cannot run one step at a time; use Forward.");
        if (HasCellState && c is null) throw new ArgumentException("RecurrentLayer.Step: an LSTM needs its cell state 'c'.");
        if (x.Rank != 2 || x.Dim(1) != Options.InputSize)
            throw new ArgumentException($"RecurrentLayer.Step: 'x' has shape {x.ShapeText}; expected [B, {Options.InputSize}].");
        int batch = x.Dim(0);
        if (y.Length != (long)batch * OutputSize)
            throw new ArgumentException($"RecurrentLayer.Step: 'y' has shape {y.ShapeText}; expected [{batch}, {OutputSize}].");
        var (x3, y3) = StepViews(x, y, batch);
        Forward(x3, [], h, c, y3, h, c);
    }

    private Tensor<T>? _stepX, _stepY, _stepXView, _stepYView;

    private (Tensor<T>, Tensor<T>) StepViews(Tensor<T> x, Tensor<T> y, int batch)
    {
        if (!ReferenceEquals(_stepX, x)) { _stepX = x; _stepXView = Options.BatchFirst ? x.Reshape(batch, 1, Options.InputSize) : x.Reshape(1, batch, Options.InputSize); }
        if (!ReferenceEquals(_stepY, y)) { _stepY = y; _stepYView = Options.BatchFirst ? y.Reshape(batch, 1, OutputSize) : y.Reshape(1, batch, OutputSize); }
        return (_stepXView!, _stepYView!);
    }

    /// <summary>
    /// Backward of the last Forward. Accumulates every parameter gradient; writes <paramref name="dInput"/> and the
    /// initial-state gradients when they are given. Final-state gradients may be null (= 0).
    /// </summary>
    public void Backward(Tensor<T> dOutput, Tensor<T>? dhn, Tensor<T>? dcn, Tensor<T>? dInput, Tensor<T>? dh0, Tensor<T>? dc0)
    {
        if (_input is null) throw new InvalidOperationException("RecurrentLayer.Backward called before Forward.");
        int steps = _steps, batch = _batch, p = OutputStateSize, rows = steps * batch, d = Directions;
        CheckShape(dOutput, steps, batch, OutputSize, "dOutput");
        if (dInput is not null) CheckShape(dInput, steps, batch, Options.InputSize, "dInput");
        CheckState(dhn, "dhn", batch, p); CheckState(dh0, "dh0", batch, p);
        if (!HasCellState && (dcn is not null || dc0 is not null))
            throw new ArgumentException($"RecurrentLayer.Backward: a {Options.Cell} layer has no cell state; pass null for dcn and dc0.");
        CheckState(dcn, "dcn", batch, Options.HiddenSize); CheckState(dc0, "dc0", batch, Options.HiddenSize);
        var be = _backend;

        var dLast = _dLayerOut[^1];
        if (Options.BatchFirst) be.SwapLeadingAxes(dOutput, batch, steps, dLast);
        else be.Copy(dOutput, dLast);

        for (int l = Options.Layers - 1; l >= 0; l--)
        {
            Tensor<T>? dx = l > 0 ? _dLayerIn[l] : Options.BatchFirst ? _dLayerIn[0] : dInput;
            for (int r = 0; r < d; r++)
            {
                var dir = _dirs[l][r];
                int k = l * d + r;
                be.Copy2D(ColumnView(_dLayerOut[l], r * p), rows, p, d * p, dir.OutputGradient, p);
                dir.Backward(StateRow(dhn, k), StateRow(dcn, k), dx ?? ScratchInputGradient(), accumulateDx: r > 0,
                    StateRow(dh0, k), StateRow(dc0, k));
            }
            if (l > 0)
            {
                if (_dropoutApplied) be.Mul(_dLayerIn[l], _masks[l - 1], _dLayerOut[l - 1]);
                else be.Copy(_dLayerIn[l], _dLayerOut[l - 1]);
            }
        }
        if (Options.BatchFirst && dInput is not null) be.SwapLeadingAxes(_dLayerIn[0], steps, batch, dInput);
    }

    private Tensor<T>? _scratchDx;

    /// <summary>A place for the first layer's input gradient when the caller does not want it.</summary>
    private Tensor<T> ScratchInputGradient()
    {
        if (_scratchDx is null || _scratchDx.Length != (long)_steps * _batch * Options.InputSize)
            _scratchDx = Buffer(_steps, _batch, Options.InputSize);
        return _scratchDx;
    }

    private void SetLengths(ReadOnlySpan<int> lengths, int steps, int batch)
    {
        _hasLengths = false;
        if (lengths.IsEmpty) return;
        if (lengths.Length != batch)
            throw new ArgumentException($"RecurrentLayer.Forward: {lengths.Length} lengths given for a batch of {batch}.");
        for (int b = 0; b < batch; b++)
        {
            if (lengths[b] < 1 || lengths[b] > steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), $"RecurrentLayer.Forward: length {lengths[b]} of sequence {b} is outside 1..{steps}.");
            _lengthsHost[b] = T.CreateTruncating(lengths[b]);
            if (lengths[b] != steps) _hasLengths = true;
        }
        if (_hasLengths) _backend.CopyFromHost(_lengthsHost, _lengths!);
    }

    private (int Steps, int Batch) SequenceShape(Tensor<T> t, int width, string role)
    {
        if (t.Rank != 3 || t.Dim(2) != width)
            throw new ArgumentException($"RecurrentLayer: '{role}' has shape {t.ShapeText}; expected {(Options.BatchFirst ? "[B, T, " : "[T, B, ")}{width}].");
        return Options.BatchFirst ? (t.Dim(1), t.Dim(0)) : (t.Dim(0), t.Dim(1));
    }

    private void CheckShape(Tensor<T> t, int steps, int batch, int width, string role)
    {
        var (s, b) = SequenceShape(t, width, role);
        if (s != steps || b != batch)
            throw new ArgumentException($"RecurrentLayer: '{role}' has shape {t.ShapeText} but the sequence has T={steps}, B={batch}.");
    }

    private void CheckState(Tensor<T>? t, string role, int batch, int width)
    {
        if (t is null) return;
        int n = Options.Layers * Directions;
        if (t.Rank != 3 || t.Dim(0) != n || t.Dim(1) != batch || t.Dim(2) != width)
            throw new ArgumentException($"RecurrentLayer: state '{role}' has shape {t.ShapeText}; expected [{n}, {batch}, {width}].");
    }

    // Views are cached so a steady-state step allocates nothing: column views live with the arena, and the
    // per-layer rows of a caller's state tensor are remembered for the last few tensors seen.
    private readonly List<(Tensor<T> Source, Tensor<T>[] Rows)> _stateRows = new();
    private readonly Dictionary<(Tensor<T>, int), Tensor<T>> _columns = new();

    private Tensor<T>? StateRow(Tensor<T>? states, int k)
    {
        if (states is null) return null;
        foreach (var (source, rows) in _stateRows)
            if (ReferenceEquals(source, states)) return rows[k];
        if (_stateRows.Count >= 16) _stateRows.RemoveAt(0);
        var all = new Tensor<T>[states.Dim(0)];
        for (int i = 0; i < all.Length; i++) all[i] = states.Row(i);
        _stateRows.Add((states, all));
        return all[k];
    }

    private Tensor<T> ColumnView(Tensor<T> buffer, int column)
    {
        if (!_columns.TryGetValue((buffer, column), out var view))
            _columns[(buffer, column)] = view = buffer.Slice(column, checked((int)(buffer.Length - column)));
        return view;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        foreach (var layer in _dirs) foreach (var dir in layer) dir.Dispose();
    }
}

/// <summary>Sizes of a <see cref="RecurrentLayer{T}"/> known before it is built.</summary>
public static class RecurrentLayer
{
    /// <summary>Elements of the parameters <see cref="RecurrentLayer{T}"/> creates for <paramref name="options"/> (as the
    /// layer accepts them): per layer and direction, with G gates (<see cref="CellCatalogue"/>), hidden H and state
    /// P (the projection, else H): <c>weight_ih [G·H, I]</c>, <c>weight_hh [G·H, P]</c>, the biases <c>2·G·H</c>, and for
    /// the LSTM <c>weight_hr [P, H]</c> and peepholes <c>[3, H]</c>; layers after the first read D·P.
    /// <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(RecurrentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long g = CellCatalogue.Find(options.Cell).Gates, h = options.HiddenSize;
        long p = options.ProjectionSize > 0 ? options.ProjectionSize : h, d = options.Bidirectional ? 2 : 1;
        long Direction(long input) => checked(g * h * input + g * h * p + (options.Bias ? 2 * g * h : 0)
            + (options.ProjectionSize > 0 ? p * h : 0) + (options.Peepholes ? 3 * h : 0));
        return checked(d * (Direction(options.InputSize) + (options.Layers - 1) * Direction(d * p)));
    }
}
