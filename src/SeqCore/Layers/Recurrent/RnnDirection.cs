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
internal sealed class RnnDirection<T> : RecurrentDirection<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool _relu;
    private readonly Parameter<T> _wih, _whh;
    private readonly Parameter<T>? _bih, _bhh;
    private readonly List<Parameter<T>> _parameters = new();

    // Arena (see AllocateArena): pre-activations per step and their gradients.
    private Tensor<T> _pre = null!, _dPre = null!, _bias = null!;
    private Tensor<T>[] _preSteps = [], _dPreSteps = [];

    /// <summary>Creates the direction with zero parameters; <see cref="RecurrentLayer{T}"/> initialises them.</summary>
    public RnnDirection(CellDescriptor cell, IBackend<T> backend, int inputSize, int hiddenSize, bool bias, bool relu, bool reverse, string suffix)
        : base(cell, backend, inputSize, hiddenSize, hiddenSize, reverse)
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

    /// <inheritdoc />
    protected override void AllocateArena(int steps, int batch)
    {
        int h = HiddenSize;
        _pre = Buffer(steps, batch, h);
        _dPre = Buffer(steps, batch, h);
        _preSteps = StepViews(_pre, steps);
        _dPreSteps = StepViews(_dPre, steps);
        _bias = Buffer(h);
    }

    /// <inheritdoc />
    protected override void ProjectInputs(Tensor<T> x)
    {
        var be = Backend;
        int h = HiddenSize, rows = Steps * Batch;
        if (_bih is not null)
        {
            be.Add(_bih.Value, _bhh!.Value, _bias);
            be.BroadcastRows(_bias, _pre);
        }
        be.Gemm(Transpose.No, Transpose.Yes, rows, h, InputSize, T.One, x, InputSize, _wih.Value, InputSize,
            _bih is null ? T.Zero : T.One, _pre, h);
    }

    /// <inheritdoc />
    protected override void ForwardStep(int t)
    {
        var be = Backend;
        int h = HiddenSize;
        be.Gemm(Transpose.No, Transpose.Yes, Batch, h, h, T.One, HiddenBefore(t), h, _whh.Value, h, T.One, _preSteps[t], h);
        if (_relu) be.Relu(_preSteps[t], HiddenAfter(t));
        else be.Tanh(_preSteps[t], HiddenAfter(t));
    }

    /// <inheritdoc />
    protected override void BackwardStep(int t, Tensor<T> dhNew, Tensor<T>? dcNew, Tensor<T> dhPrev, Tensor<T>? dcPrev)
    {
        var be = Backend;
        int h = HiddenSize;
        // The state after step t is its activation output (on inactive rows the carried state instead, where dhNew is zero).
        if (_relu) be.ReluBackward(HiddenAfter(t), dhNew, _dPreSteps[t]);
        else be.TanhBackward(HiddenAfter(t), dhNew, _dPreSteps[t]);
        be.Gemm(Transpose.No, Transpose.No, Batch, h, h, T.One, _dPreSteps[t], h, _whh.Value, h, T.Zero, dhPrev, h);
    }

    /// <inheritdoc />
    protected override void InputAndWeightGradients(Tensor<T> x, Tensor<T> dx, bool accumulateDx)
    {
        var be = Backend;
        int h = HiddenSize, rows = Steps * Batch;
        be.Gemm(Transpose.Yes, Transpose.No, h, InputSize, rows, T.One, _dPre, h, x, InputSize, T.One, _wih.Gradient, InputSize);
        be.Gemm(Transpose.Yes, Transpose.No, h, h, rows, T.One, _dPre, h, PreviousHiddenStates, h, T.One, _whh.Gradient, h);
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
