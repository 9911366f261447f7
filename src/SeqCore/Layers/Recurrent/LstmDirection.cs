using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// One direction of an LSTM layer with PyTorch's parameters (gate order i, f, g, o):
/// <c>weight_ih [4H, I]</c>, <c>weight_hh [4H, P]</c>, <c>bias_ih [4H]</c>, <c>bias_hh [4H]</c>, and with a projection
/// (PyTorch's <c>proj_size</c> = P &lt; H) <c>weight_hr [P, H]</c>: the recurrent and output state is <c>r = h·W_hrᵀ</c>.
/// Optional peepholes <c>[3, H]</c> (rows w_ci, w_cf, w_co; not in PyTorch, named <c>weight_peephole</c>).
/// </summary>
/// <remarks>
/// Forward: <c>G = X·W_ihᵀ + b</c> for all steps in one GEMM, then per step <c>G_t += h_{t−1}·W_hhᵀ</c> and one fused
/// pass (<see cref="IBackend{T}.LstmCellForward"/>). Backward walks the steps in reverse processing order with one
/// fused pass and one GEMM <c>dh_{t−1} = dG_t·W_hh</c> each; the weight gradients are single GEMMs over all T·B rows.
/// </remarks>
public sealed class LstmDirection<T> : RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T> _wih, _whh;
    private readonly Parameter<T>? _bih, _bhh, _whr, _peep;
    private readonly List<Parameter<T>> _parameters = new();

    // Arena (see EnsureArena): gates hold pre-activations, then activations; hs/cs are states by time index.
    private Tensor<T> _gates = null!, _dGates = null!, _hs = null!, _cs = null!, _hraw = null!, _dR = null!, _bias = null!;
    private Tensor<T>[] _gateSteps = [], _dGateSteps = [], _hSteps = [], _cSteps = [], _hrawSteps = [], _dRSteps = [];
    private Tensor<T> _hPrevForward = null!, _hPrevReverse = null!;
    private Tensor<T> _dhTot = null!, _dhState = null!, _dcState = null!, _dcNew = null!, _dcPrev = null!, _dhRaw = null!, _carryH = null!, _carryC = null!;
    private Tensor<T>? _x, _lengths;

    /// <summary>Creates the direction with zero parameters; <see cref="RecurrentLayer{T}"/> initialises them.</summary>
    public LstmDirection(IBackend<T> backend, int inputSize, int hiddenSize, int projSize, bool bias, bool peepholes, bool reverse, string suffix)
        : base(backend, inputSize, hiddenSize, projSize > 0 ? projSize : hiddenSize, reverse)
    {
        int h = hiddenSize, p = StateSize;
        _wih = Add(Parameter<T>.Create(backend, "weight_ih" + suffix, 4 * h, inputSize));
        _whh = Add(Parameter<T>.Create(backend, "weight_hh" + suffix, 4 * h, p));
        if (bias)
        {
            _bih = Add(Parameter<T>.Create(backend, "bias_ih" + suffix, 4 * h));
            _bhh = Add(Parameter<T>.Create(backend, "bias_hh" + suffix, 4 * h));
        }
        if (projSize > 0) _whr = Add(Parameter<T>.Create(backend, "weight_hr" + suffix, p, h));
        if (peepholes) _peep = Add(Parameter<T>.Create(backend, "weight_peephole" + suffix, 3, h));
    }

    private Parameter<T> Add(Parameter<T> p) { _parameters.Add(p); return p; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <inheritdoc />
    public override bool HasCellState => true;

    /// <summary>The forget-gate slice <c>[H]</c> of <c>bias_ih</c> (for forget-bias initialisation), or null without bias.</summary>
    public Tensor<T>? ForgetBias => _bih?.Value.Slice(HiddenSize, HiddenSize);

    private bool HasProjection => _whr is not null;

    private void EnsureArena(int steps, int batch)
    {
        if (!EnsureShape(steps, batch)) return;
        int h = HiddenSize, p = StateSize;
        _gates = Buffer(steps, batch, 4 * h);
        _dGates = Buffer(steps, batch, 4 * h);
        _hs = Buffer(steps + 1, batch, p);
        _cs = Buffer(steps + 1, batch, h);
        _gateSteps = StepViews(_gates, steps);
        _dGateSteps = StepViews(_dGates, steps);
        _hSteps = StepViews(_hs, steps + 1);
        _cSteps = StepViews(_cs, steps + 1);
        _hPrevForward = _hs.Slice(0, steps * batch, p);
        _hPrevReverse = _hs.Slice((long)batch * p, steps * batch, p);
        if (HasProjection)
        {
            _hraw = Buffer(steps, batch, h);
            _dR = Buffer(steps, batch, p);
            _hrawSteps = StepViews(_hraw, steps);
            _dRSteps = StepViews(_dR, steps);
            _dhRaw = Buffer(batch, h);
        }
        _bias = Buffer(4 * h);
        _dhTot = Buffer(batch, p);
        _dhState = Buffer(batch, p);
        _carryH = Buffer(batch, p);
        _dcState = Buffer(batch, h);
        _dcNew = Buffer(batch, h);
        _dcPrev = Buffer(batch, h);
        _carryC = Buffer(batch, h);
    }

    /// <inheritdoc />
    public override void Forward(Tensor<T> x, int steps, int batch, Tensor<T>? lengths, Tensor<T>? h0, Tensor<T>? c0, Tensor<T>? hT, Tensor<T>? cT)
    {
        EnsureArena(steps, batch);
        var be = Backend;
        int h = HiddenSize, p = StateSize, rows = steps * batch;
        _x = x;
        _lengths = lengths;

        if (_bih is not null)
        {
            be.Add(_bih.Value, _bhh!.Value, _bias);
            be.BroadcastRows(_bias, _gates);
        }
        be.Gemm(Transpose.No, Transpose.Yes, rows, 4 * h, InputSize, T.One, x, InputSize, _wih.Value, InputSize,
            _bih is null ? T.Zero : T.One, _gates, 4 * h);

        LoadState(h0, _hSteps[PrevIndex(TimeAt(0))]);
        LoadState(c0, _cSteps[PrevIndex(TimeAt(0))]);
        for (int s = 0; s < steps; s++)
        {
            int t = TimeAt(s);
            Tensor<T> hPrev = _hSteps[PrevIndex(t)], hCur = _hSteps[CurIndex(t)];
            Tensor<T> cPrev = _cSteps[PrevIndex(t)], cCur = _cSteps[CurIndex(t)];
            be.Gemm(Transpose.No, Transpose.Yes, batch, 4 * h, p, T.One, hPrev, p, _whh.Value, p, T.One, _gateSteps[t], 4 * h);
            be.LstmCellForward(_gateSteps[t], cPrev, _peep?.Value, cCur, HasProjection ? _hrawSteps[t] : hCur);
            if (HasProjection)
                be.Gemm(Transpose.No, Transpose.Yes, batch, p, h, T.One, _hrawSteps[t], h, _whr!.Value, h, T.Zero, hCur, p);
            if (lengths is null) be.Copy(hCur, OutputSteps[t]);
            else
            {
                be.SelectRows(lengths, t, hCur, hPrev, hCur);
                be.SelectRows(lengths, t, cCur, cPrev, cCur);
                be.MaskRows(lengths, t, keepActive: true, hCur, OutputSteps[t]);
            }
        }
        int last = Reverse ? 0 : steps;
        if (hT is not null) be.Copy(_hSteps[last], hT);
        if (cT is not null) be.Copy(_cSteps[last], cT);
    }

    /// <inheritdoc />
    public override void Backward(Tensor<T>? dhT, Tensor<T>? dcT, Tensor<T> dx, bool accumulateDx, Tensor<T>? dh0, Tensor<T>? dc0)
    {
        var x = _x ?? throw new InvalidOperationException("LSTM Backward called before Forward.");
        var be = Backend;
        var lengths = _lengths;
        int h = HiddenSize, p = StateSize, batch = Batch, steps = Steps, rows = steps * batch;
        LoadState(dhT, _dhState);
        LoadState(dcT, _dcState);

        for (int s = steps - 1; s >= 0; s--)
        {
            int t = TimeAt(s);
            Tensor<T> dhNew = _dhTot, dcNew = _dcState;
            if (lengths is null) be.Add(OutputGradientSteps[t], _dhState, _dhTot);
            else
            {
                // Outputs at inactive steps are constant zeros; an inactive step passes its state gradient straight through.
                be.MaskRows(lengths, t, keepActive: true, OutputGradientSteps[t], _dhTot);
                be.Add(_dhTot, _dhState, _dhTot);
                be.MaskRows(lengths, t, keepActive: false, _dhTot, _carryH);
                be.MaskRows(lengths, t, keepActive: true, _dhTot, _dhTot);
                be.MaskRows(lengths, t, keepActive: false, _dcState, _carryC);
                be.MaskRows(lengths, t, keepActive: true, _dcState, _dcNew);
                dcNew = _dcNew;
            }
            Tensor<T> dhCell = dhNew;
            if (HasProjection)
            {
                be.Copy(dhNew, _dRSteps[t]);
                be.Gemm(Transpose.No, Transpose.No, batch, h, p, T.One, dhNew, p, _whr!.Value, h, T.Zero, _dhRaw, h);
                dhCell = _dhRaw;
            }
            be.LstmCellBackward(_gateSteps[t], _cSteps[PrevIndex(t)], _cSteps[CurIndex(t)], _peep?.Value,
                dhCell, dcNew, _dGateSteps[t], _dcPrev, _peep?.Gradient);
            if (lengths is null)
            {
                be.Gemm(Transpose.No, Transpose.No, batch, p, 4 * h, T.One, _dGateSteps[t], 4 * h, _whh.Value, p, T.Zero, _dhState, p);
                be.Copy(_dcPrev, _dcState);
            }
            else
            {
                be.Copy(_carryH, _dhState);
                be.Gemm(Transpose.No, Transpose.No, batch, p, 4 * h, T.One, _dGateSteps[t], 4 * h, _whh.Value, p, T.One, _dhState, p);
                be.Add(_dcPrev, _carryC, _dcState);
            }
        }
        if (dh0 is not null) be.Copy(_dhState, dh0);
        if (dc0 is not null) be.Copy(_dcState, dc0);

        be.Gemm(Transpose.Yes, Transpose.No, 4 * h, InputSize, rows, T.One, _dGates, 4 * h, x, InputSize, T.One, _wih.Gradient, InputSize);
        be.Gemm(Transpose.Yes, Transpose.No, 4 * h, p, rows, T.One, _dGates, 4 * h, Reverse ? _hPrevReverse : _hPrevForward, p, T.One, _whh.Gradient, p);
        if (_bih is not null)
        {
            // Both biases get the same row sum of the gate gradients: sum once (into the bias scratch, free until the next Forward).
            be.SumRows(_dGates, accumulate: false, _bias);
            be.Add(_bias, _bih.Gradient, _bih.Gradient);
            be.Add(_bias, _bhh!.Gradient, _bhh.Gradient);
        }
        if (HasProjection)
            be.Gemm(Transpose.Yes, Transpose.No, p, h, rows, T.One, _dR, p, _hraw, h, T.One, _whr!.Gradient, h);
        be.Gemm(Transpose.No, Transpose.No, rows, InputSize, 4 * h, T.One, _dGates, 4 * h, _wih.Value, InputSize,
            accumulateDx ? T.One : T.Zero, dx, InputSize);
    }
}
