using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// One direction of a GRU layer with PyTorch's parameters (gate order r, z, n): <c>weight_ih [3H, I]</c>,
/// <c>weight_hh [3H, H]</c>, <c>bias_ih [3H]</c>, <c>bias_hh [3H]</c>. With <c>a = x·W_ihᵀ + b_ih</c>:
/// <c>r = σ(a_r + h·W_hrᵀ + b_hr)</c>, <c>z = σ(a_z + h·W_hzᵀ + b_hz)</c>, <c>h' = (1 − z)⊙n + z⊙h</c>, and n by
/// <see cref="GruForm"/>: <c>tanh(a_n + r⊙(h·W_hnᵀ + b_hn))</c> (PyTorch, cuDNN) or <c>tanh(a_n + (r⊙h)·W_hnᵀ + b_hn)</c>
/// (original, Cho et al. 2014).
/// </summary>
/// <remarks>
/// <para>Both forms project the inputs of all steps with one GEMM. PyTorch form, per step: one GEMM
/// <c>P_t = h·W_hhᵀ + b_hh</c> into a buffer kept for backward (r multiplies its n part) and one fused pass
/// (<see cref="IBackend{T}.GruCellForward"/>); backward: one fused pass giving the gradients of both projections and
/// one GEMM <c>dh_prev += dP_t·W_hh</c>.</para>
/// <para>Original form, per step: GEMM <c>G_t[r,z] += h·W_h{r,z}ᵀ</c> (rows 0..2H of weight_hh), a fused pass for r, z and
/// <c>r⊙h</c> (kept for <c>dW_hn</c>), GEMM <c>G_t[n] += (r⊙h)·W_hnᵀ</c> (rows 2H..3H), a fused pass for n and h'.
/// Both biases are summed into G up front. Backward mirrors it: fused pass, GEMM <c>d(r⊙h) = dG_n·W_hn</c>, fused pass,
/// GEMM <c>dh_prev += dG_{r,z}·W_h{r,z}</c>.</para>
/// <para>Either way the weight gradients are single GEMMs over all T·B rows after the loop.</para>
/// </remarks>
internal sealed class GruDirection<T> : RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GruForm _form;
    private readonly Parameter<T> _wih, _whh;
    private readonly Parameter<T>? _bih, _bhh;
    private readonly Tensor<T> _whn, _dWhn; // rows 2H..3H of weight_hh and of its gradient (original form)
    private readonly List<Parameter<T>> _parameters = new();

    // Arena (see AllocateArena). gates: input projections (plus, in the original form, the recurrent ones), then
    // activations r, z, n; hGates: the recurrent projections of the PyTorch form; rh: r⊙h_prev of the original form.
    private Tensor<T> _gates = null!, _dGates = null!, _bias = null!;
    private Tensor<T> _hGates = null!, _dhGates = null!, _rh = null!, _dGatesN = null!, _dRh = null!;
    private Tensor<T>[] _gateSteps = [], _dGateSteps = [], _hGateSteps = [], _dhGateSteps = [];
    private Tensor<T>[] _rhSteps = [], _gateNSteps = [], _dGateNSteps = [];

    /// <summary>Creates the direction with zero parameters; <see cref="RecurrentLayer{T}"/> initialises them.</summary>
    public GruDirection(CellDescriptor cell, IBackend<T> backend, int inputSize, int hiddenSize, bool bias, GruForm form, bool reverse, string suffix)
        : base(cell, backend, inputSize, hiddenSize, hiddenSize, reverse)
    {
        int h = hiddenSize;
        _form = form;
        _wih = Add(Parameter<T>.Create(backend, "weight_ih" + suffix, 3 * h, inputSize));
        _whh = Add(Parameter<T>.Create(backend, "weight_hh" + suffix, 3 * h, h));
        if (bias)
        {
            _bih = Add(Parameter<T>.Create(backend, "bias_ih" + suffix, 3 * h));
            _bhh = Add(Parameter<T>.Create(backend, "bias_hh" + suffix, 3 * h));
        }
        _whn = _whh.Value.Slice(2L * h * h, h, h);
        _dWhn = _whh.Gradient.Slice(2L * h * h, h, h);
    }

    private Parameter<T> Add(Parameter<T> p) { _parameters.Add(p); return p; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>Where the reset gate applies.</summary>
    public GruForm Form => _form;

    private bool Original => _form == GruForm.Original;

    /// <inheritdoc />
    protected override void AllocateArena(int steps, int batch)
    {
        int h = HiddenSize;
        _gates = Buffer(steps, batch, 3 * h);
        _dGates = Buffer(steps, batch, 3 * h);
        _gateSteps = StepViews(_gates, steps);
        _dGateSteps = StepViews(_dGates, steps);
        if (Original)
        {
            _rh = Buffer(steps, batch, h);
            _rhSteps = StepViews(_rh, steps);
            // The n columns of G as GEMM operands with leading dimension 3H: views from column 2H to the end.
            _gateNSteps = NColumns(_gates, steps, batch);
            _dGateNSteps = NColumns(_dGates, steps, batch);
            _dGatesN = _dGates.Slice(2L * h, checked((int)(_dGates.Length - 2L * h)));
            _dRh = Buffer(batch, h);
            _bias = Buffer(3 * h);
        }
        else
        {
            _hGates = Buffer(steps, batch, 3 * h);
            _dhGates = Buffer(steps, batch, 3 * h);
            _hGateSteps = StepViews(_hGates, steps);
            _dhGateSteps = StepViews(_dhGates, steps);
        }
    }

    private Tensor<T>[] NColumns(Tensor<T> buffer, int steps, int batch)
    {
        int h = HiddenSize, stepLength = batch * 3 * h;
        var views = new Tensor<T>[steps];
        for (int t = 0; t < steps; t++) views[t] = buffer.Slice((long)t * stepLength + 2 * h, stepLength - 2 * h);
        return views;
    }

    /// <inheritdoc />
    protected override void ProjectInputs(Tensor<T> x)
    {
        var be = Backend;
        int g = 3 * HiddenSize, rows = Steps * Batch;
        bool bias = _bih is not null;
        if (bias)
        {
            if (Original) { be.Add(_bih!.Value, _bhh!.Value, _bias); be.BroadcastRows(_bias, _gates); }
            else { be.BroadcastRows(_bih!.Value, _gates); be.BroadcastRows(_bhh!.Value, _hGates); }
        }
        be.Gemm(Transpose.No, Transpose.Yes, rows, g, InputSize, T.One, x, InputSize, _wih.Value, InputSize,
            bias ? T.One : T.Zero, _gates, g);
    }

    /// <inheritdoc />
    protected override void ForwardStep(int t)
    {
        var be = Backend;
        int h = HiddenSize, g = 3 * h, batch = Batch;
        Tensor<T> hPrev = HiddenBefore(t), hCur = HiddenAfter(t), gates = _gateSteps[t];
        if (Original)
        {
            be.Gemm(Transpose.No, Transpose.Yes, batch, 2 * h, h, T.One, hPrev, h, _whh.Value, h, T.One, gates, g);
            be.GruOriginalGatesForward(gates, hPrev, _rhSteps[t]);
            be.Gemm(Transpose.No, Transpose.Yes, batch, h, h, T.One, _rhSteps[t], h, _whn, h, T.One, _gateNSteps[t], g);
            be.GruOriginalCellForward(gates, hPrev, hCur);
        }
        else
        {
            be.Gemm(Transpose.No, Transpose.Yes, batch, g, h, T.One, hPrev, h, _whh.Value, h, _bih is null ? T.Zero : T.One, _hGateSteps[t], g);
            be.GruCellForward(gates, _hGateSteps[t], hPrev, hCur);
        }
    }

    /// <inheritdoc />
    protected override void BackwardStep(int t, Tensor<T> dhNew, Tensor<T>? dcNew, Tensor<T> dhPrev, Tensor<T>? dcPrev)
    {
        var be = Backend;
        int h = HiddenSize, g = 3 * h, batch = Batch;
        Tensor<T> hPrev = HiddenBefore(t), gates = _gateSteps[t], dGates = _dGateSteps[t];
        if (Original)
        {
            be.GruOriginalCellBackward(gates, hPrev, dhNew, dGates, dhPrev);
            be.Gemm(Transpose.No, Transpose.No, batch, h, h, T.One, _dGateNSteps[t], g, _whn, h, T.Zero, _dRh, h);
            be.GruOriginalGatesBackward(gates, hPrev, _dRh, dGates, dhPrev);
            be.Gemm(Transpose.No, Transpose.No, batch, h, 2 * h, T.One, dGates, g, _whh.Value, h, T.One, dhPrev, h);
        }
        else
        {
            be.GruCellBackward(gates, _hGateSteps[t], hPrev, dhNew, dGates, _dhGateSteps[t], dhPrev);
            be.Gemm(Transpose.No, Transpose.No, batch, h, g, T.One, _dhGateSteps[t], g, _whh.Value, h, T.One, dhPrev, h);
        }
    }

    /// <inheritdoc />
    protected override void InputAndWeightGradients(Tensor<T> x, Tensor<T> dx, bool accumulateDx)
    {
        var be = Backend;
        int h = HiddenSize, g = 3 * h, rows = Steps * Batch;
        var hPrevAll = PreviousHiddenStates;
        be.Gemm(Transpose.Yes, Transpose.No, g, InputSize, rows, T.One, _dGates, g, x, InputSize, T.One, _wih.Gradient, InputSize);
        if (Original)
        {
            // In this form the recurrent projections are summed into G, so their gradient is dG itself.
            be.Gemm(Transpose.Yes, Transpose.No, 2 * h, h, rows, T.One, _dGates, g, hPrevAll, h, T.One, _whh.Gradient, h);
            be.Gemm(Transpose.Yes, Transpose.No, h, h, rows, T.One, _dGatesN, g, _rh, h, T.One, _dWhn, h);
        }
        else be.Gemm(Transpose.Yes, Transpose.No, g, h, rows, T.One, _dhGates, g, hPrevAll, h, T.One, _whh.Gradient, h);
        if (_bih is not null)
        {
            be.SumRows(_dGates, accumulate: true, _bih.Gradient);
            be.SumRows(Original ? _dGates : _dhGates, accumulate: true, _bhh!.Gradient);
        }
        be.Gemm(Transpose.No, Transpose.No, rows, InputSize, g, T.One, _dGates, g, _wih.Value, InputSize,
            accumulateDx ? T.One : T.Zero, dx, InputSize);
    }
}
