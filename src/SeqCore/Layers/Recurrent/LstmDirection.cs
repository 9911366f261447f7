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
internal sealed class LstmDirection<T> : RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T> _wih, _whh;
    private readonly Parameter<T>? _bih, _bhh, _whr, _peep;
    private readonly List<Parameter<T>> _parameters = new();

    // Arena (see AllocateArena): gates hold pre-activations, then activations; with a projection, hraw holds the
    // unprojected h of each step and dR the gradient of its projection.
    private Tensor<T> _gates = null!, _dGates = null!, _hraw = null!, _dR = null!, _bias = null!, _dhRaw = null!;
    private Tensor<T>[] _gateSteps = [], _dGateSteps = [], _hrawSteps = [], _dRSteps = [];

    /// <summary>Creates the direction with zero parameters; <see cref="RecurrentLayer{T}"/> initialises them.</summary>
    public LstmDirection(CellDescriptor cell, IBackend<T> backend, int inputSize, int hiddenSize, int projectionSize, bool bias, bool peepholes, bool reverse, string suffix)
        : base(cell, backend, inputSize, hiddenSize, projectionSize > 0 ? projectionSize : hiddenSize, reverse)
    {
        int h = hiddenSize, p = StateSize;
        _wih = Add(Parameter<T>.Create(backend, "weight_ih" + suffix, 4 * h, inputSize));
        _whh = Add(Parameter<T>.Create(backend, "weight_hh" + suffix, 4 * h, p));
        if (bias)
        {
            _bih = Add(Parameter<T>.Create(backend, "bias_ih" + suffix, 4 * h));
            _bhh = Add(Parameter<T>.Create(backend, "bias_hh" + suffix, 4 * h));
        }
        if (projectionSize > 0) _whr = Add(Parameter<T>.Create(backend, "weight_hr" + suffix, p, h));
        if (peepholes) _peep = Add(Parameter<T>.Create(backend, "weight_peephole" + suffix, 3, h));
    }

    private Parameter<T> Add(Parameter<T> p) { _parameters.Add(p); return p; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>The forget-gate slice <c>[H]</c> of <c>bias_ih</c> (for forget-bias initialisation), or null without bias.</summary>
    public Tensor<T>? ForgetBias => _bih?.Value.Slice(HiddenSize, HiddenSize);

    private bool HasProjection => _whr is not null;

    /// <inheritdoc />
    protected override void AllocateArena(int steps, int batch)
    {
        int h = HiddenSize, p = StateSize;
        _gates = Buffer(steps, batch, 4 * h);
        _dGates = Buffer(steps, batch, 4 * h);
        _gateSteps = StepViews(_gates, steps);
        _dGateSteps = StepViews(_dGates, steps);
        if (HasProjection)
        {
            _hraw = Buffer(steps, batch, h);
            _dR = Buffer(steps, batch, p);
            _hrawSteps = StepViews(_hraw, steps);
            _dRSteps = StepViews(_dR, steps);
            _dhRaw = Buffer(batch, h);
        }
        _bias = Buffer(4 * h);
    }

    /// <inheritdoc />
    protected override void ProjectInputs(Tensor<T> x)
    {
        var be = Backend;
        int h = HiddenSize, rows = Steps * Batch;
        if (_bih is not null)
        {
            be.Add(_bih.Value, _bhh!.Value, _bias);
            be.BroadcastRows(_bias, _gates);
        }
        be.Gemm(Transpose.No, Transpose.Yes, rows, 4 * h, InputSize, T.One, x, InputSize, _wih.Value, InputSize,
            _bih is null ? T.Zero : T.One, _gates, 4 * h);
    }

    /// <inheritdoc />
    protected override void ForwardStep(int t)
    {
        var be = Backend;
        int h = HiddenSize, p = StateSize, batch = Batch;
        Tensor<T> hCur = HiddenAfter(t);
        be.Gemm(Transpose.No, Transpose.Yes, batch, 4 * h, p, T.One, HiddenBefore(t), p, _whh.Value, p, T.One, _gateSteps[t], 4 * h);
        be.LstmCellForward(_gateSteps[t], CellBefore(t), _peep?.Value, CellAfter(t), HasProjection ? _hrawSteps[t] : hCur);
        if (HasProjection)
            be.Gemm(Transpose.No, Transpose.Yes, batch, p, h, T.One, _hrawSteps[t], h, _whr!.Value, h, T.Zero, hCur, p);
    }

    /// <inheritdoc />
    protected override void BackwardStep(int t, Tensor<T> dhNew, Tensor<T>? dcNew, Tensor<T> dhPrev, Tensor<T>? dcPrev)
    {
        var be = Backend;
        int h = HiddenSize, p = StateSize, batch = Batch;
        Tensor<T> dhCell = dhNew;
        if (HasProjection)
        {
            be.Copy(dhNew, _dRSteps[t]);
            be.Gemm(Transpose.No, Transpose.No, batch, h, p, T.One, dhNew, p, _whr!.Value, h, T.Zero, _dhRaw, h);
            dhCell = _dhRaw;
        }
        be.LstmCellBackward(_gateSteps[t], CellBefore(t), CellAfter(t), _peep?.Value,
            dhCell, dcNew!, _dGateSteps[t], dcPrev!, _peep?.Gradient);
        be.Gemm(Transpose.No, Transpose.No, batch, p, 4 * h, T.One, _dGateSteps[t], 4 * h, _whh.Value, p, T.Zero, dhPrev, p);
    }

    /// <inheritdoc />
    protected override void InputAndWeightGradients(Tensor<T> x, Tensor<T> dx, bool accumulateDx)
    {
        var be = Backend;
        int h = HiddenSize, p = StateSize, rows = Steps * Batch;
        be.Gemm(Transpose.Yes, Transpose.No, 4 * h, InputSize, rows, T.One, _dGates, 4 * h, x, InputSize, T.One, _wih.Gradient, InputSize);
        be.Gemm(Transpose.Yes, Transpose.No, 4 * h, p, rows, T.One, _dGates, 4 * h, PreviousHiddenStates, p, T.One, _whh.Gradient, p);
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
