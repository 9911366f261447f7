using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// One direction of an Elman RNN layer with PyTorch's parameters: <c>weight_ih [H, I]</c>, <c>weight_hh [H, H]</c>,
/// <c>bias_ih [H]</c>, <c>bias_hh [H]</c>; <c>h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)</c> with act = tanh or ReLU.
/// </summary>
/// <remarks>
/// Forward: <c>A = X·W_ihᵀ + b</c> for all steps in one GEMM, then per step <c>A_t += h·W_hhᵀ</c> and the activation
/// straight into the state. Backward per step: the activation's backward from the saved output (for ReLU,
/// <c>y &gt; 0 ⇔ x &gt; 0</c>, so the output decides as well as the input would) and one GEMM
/// <c>dh_prev = dA_t·W_hh</c>; the weight gradients are single GEMMs over all T·B rows.
/// </remarks>
public sealed class RnnDirection<T> : RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool _relu;
    private readonly Parameter<T> _wih, _whh;
    private readonly Parameter<T>? _bih, _bhh;
    private readonly List<Parameter<T>> _parameters = new();

    // Arena (see EnsureArena): pre-activations per step, their gradients, states by time index.
    private Tensor<T> _pre = null!, _dPre = null!, _hs = null!, _bias = null!;
    private Tensor<T>[] _preSteps = [], _dPreSteps = [], _hSteps = [];
    private Tensor<T> _hPrevForward = null!, _hPrevReverse = null!;
    private Tensor<T> _dhTot = null!, _dhState = null!, _carryH = null!;
    private Tensor<T>? _x, _lengths;

    /// <summary>Creates the direction with zero parameters; <see cref="RecurrentLayer{T}"/> initialises them.</summary>
    public RnnDirection(IBackend<T> backend, int inputSize, int hiddenSize, bool bias, bool relu, bool reverse, string suffix)
        : base(backend, inputSize, hiddenSize, hiddenSize, reverse)
    {
        int h = hiddenSize;
        _relu = relu;
        _wih = Add(Parameter<T>.Create(backend, "weight_ih" + suffix, h, inputSize));
        _whh = Add(Parameter<T>.Create(backend, "weight_hh" + suffix, h, h));
        if (bias)
        {
            _bih = Add(Parameter<T>.Create(backend, "bias_ih" + suffix, h));
            _bhh = Add(Parameter<T>.Create(backend, "bias_hh" + suffix, h));
        }
    }

    private Parameter<T> Add(Parameter<T> p) { _parameters.Add(p); return p; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>True for ReLU, false for tanh.</summary>
    public bool Relu => _relu;

    /// <summary><c>[T, B, H]</c>: the pre-activations of the last Forward (gradient checks keep ReLU's away from its kink).</summary>
    internal Tensor<T> PreActivations => _pre;

    private void EnsureArena(int steps, int batch)
    {
        if (!EnsureShape(steps, batch)) return;
        int h = HiddenSize;
        _pre = Buffer(steps, batch, h);
        _dPre = Buffer(steps, batch, h);
        _hs = Buffer(steps + 1, batch, h);
        _preSteps = StepViews(_pre, steps);
        _dPreSteps = StepViews(_dPre, steps);
        _hSteps = StepViews(_hs, steps + 1);
        _hPrevForward = _hs.Slice(0, steps * batch, h);
        _hPrevReverse = _hs.Slice((long)batch * h, steps * batch, h);
        _bias = Buffer(h);
        _dhTot = Buffer(batch, h);
        _dhState = Buffer(batch, h);
        _carryH = Buffer(batch, h);
    }

    /// <inheritdoc />
    public override void Forward(Tensor<T> x, int steps, int batch, Tensor<T>? lengths, Tensor<T>? h0, Tensor<T>? c0, Tensor<T>? hT, Tensor<T>? cT)
    {
        if (c0 is not null || cT is not null) throw new ArgumentException("RNN: there is no cell state; pass null for c0 and cT.");
        EnsureArena(steps, batch);
        var be = Backend;
        int h = HiddenSize, rows = steps * batch;
        _x = x;
        _lengths = lengths;

        if (_bih is not null)
        {
            be.Add(_bih.Value, _bhh!.Value, _bias);
            be.BroadcastRows(_bias, _pre);
        }
        be.Gemm(Transpose.No, Transpose.Yes, rows, h, InputSize, T.One, x, InputSize, _wih.Value, InputSize,
            _bih is null ? T.Zero : T.One, _pre, h);

        LoadState(h0, _hSteps[PrevIndex(TimeAt(0))]);
        for (int s = 0; s < steps; s++)
        {
            int t = TimeAt(s);
            Tensor<T> hPrev = _hSteps[PrevIndex(t)], hCur = _hSteps[CurIndex(t)];
            be.Gemm(Transpose.No, Transpose.Yes, batch, h, h, T.One, hPrev, h, _whh.Value, h, T.One, _preSteps[t], h);
            if (_relu) be.Relu(_preSteps[t], hCur);
            else be.Tanh(_preSteps[t], hCur);
            FinishForwardStep(lengths, t, hCur, hPrev);
        }
        if (hT is not null) be.Copy(_hSteps[Reverse ? 0 : steps], hT);
    }

    /// <inheritdoc />
    public override void Backward(Tensor<T>? dhT, Tensor<T>? dcT, Tensor<T> dx, bool accumulateDx, Tensor<T>? dh0, Tensor<T>? dc0)
    {
        var x = _x ?? throw new InvalidOperationException("RNN Backward called before Forward.");
        if (dcT is not null || dc0 is not null) throw new ArgumentException("RNN: there is no cell state; pass null for dcT and dc0.");
        var be = Backend;
        var lengths = _lengths;
        int h = HiddenSize, batch = Batch, steps = Steps, rows = steps * batch;
        LoadState(dhT, _dhState);

        for (int s = steps - 1; s >= 0; s--)
        {
            int t = TimeAt(s);
            // The state after step t is its activation output (on inactive rows the carried state instead, where the
            // masked gradient is zero anyway).
            Tensor<T> hCur = _hSteps[CurIndex(t)];
            StartBackwardStep(lengths, t, _dhState, _dhTot, _carryH);
            if (_relu) be.ReluBackward(hCur, _dhTot, _dPreSteps[t]);
            else be.TanhBackward(hCur, _dhTot, _dPreSteps[t]);
            if (lengths is not null) be.Copy(_carryH, _dhState);
            be.Gemm(Transpose.No, Transpose.No, batch, h, h, T.One, _dPreSteps[t], h, _whh.Value, h,
                lengths is null ? T.Zero : T.One, _dhState, h);
        }
        if (dh0 is not null) be.Copy(_dhState, dh0);

        be.Gemm(Transpose.Yes, Transpose.No, h, InputSize, rows, T.One, _dPre, h, x, InputSize, T.One, _wih.Gradient, InputSize);
        be.Gemm(Transpose.Yes, Transpose.No, h, h, rows, T.One, _dPre, h, Reverse ? _hPrevReverse : _hPrevForward, h, T.One, _whh.Gradient, h);
        if (_bih is not null)
        {
            // Both biases get the same row sum of the gate gradients: sum once (into the bias scratch, free until the next Forward).
            be.SumRows(_dPre, accumulate: false, _bias);
            be.Add(_bias, _bih.Gradient, _bih.Gradient);
            be.Add(_bias, _bhh!.Gradient, _bhh.Gradient);
        }
        be.Gemm(Transpose.No, Transpose.No, rows, InputSize, h, T.One, _dPre, h, _wih.Value, InputSize,
            accumulateDx ? T.One : T.Zero, dx, InputSize);
    }
}
