using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>
/// Base of the optimizers: a fixed list of parameters, a learning rate that a schedule may change between steps,
/// a step counter, and <see cref="ZeroGrad"/>. State tensors are allocated once, in the constructor, so a step
/// allocates nothing. Dispose releases the state.
/// </summary>
public abstract class Optimizer<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Tensor<T> Tensor)> _state = [];

    /// <summary>Creates an optimizer over <paramref name="parameters"/>.</summary>
    protected Optimizer(IBackend<T> backend, IEnumerable<Parameter<T>> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"The learning rate must be ≥ 0, got {learningRate}.");
        Backend = backend;
        Parameters = [.. parameters];
        LearningRate = learningRate;
    }

    /// <summary>The backend that runs the updates.</summary>
    protected IBackend<T> Backend { get; }

    /// <summary>The parameters updated by <see cref="Step"/>.</summary>
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>The learning rate used by the next <see cref="Step"/> (set it from a schedule before each step).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that is not <see cref="Parameter{T}.Frozen"/> from its current
    /// gradient (the gradients are left as they are).</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
            if (!Parameters[i].Frozen) Update(i, Parameters[i]);
    }

    /// <summary>Sets every parameter's gradient to zero (PyTorch's <c>zero_grad(set_to_none=False)</c>).</summary>
    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Backend.Fill(T.Zero, Parameters[i].Gradient); // no boxed enumerator: a step allocates nothing
    }

    /// <summary>Updates parameter <paramref name="index"/>; <see cref="StepCount"/> is already the 1-based count of this step.</summary>
    protected abstract void Update(int index, Parameter<T> parameter);

    /// <summary>Allocates a zero state tensor shaped like <paramref name="parameter"/>, named
    /// <c>{parameter}.{name}</c> (PyTorch's optimizer state names: <c>exp_avg</c>, <c>exp_avg_sq</c>,
    /// <c>momentum_buffer</c>); the optimizer frees it.</summary>
    protected Tensor<T> AllocateState(Parameter<T> parameter, string name)
    {
        var t = Backend.Allocate(parameter.Value.Shape.ToArray());
        _state.Add(($"{parameter.Name}.{name}", t));
        return t;
    }

    /// <summary>Every state tensor by name (the moments of Adam, the momentum of SGD), for checkpoints that resume.</summary>
    public IReadOnlyList<(string Name, Tensor<T> Tensor)> State => _state;

    /// <summary>Sets the step count, after <see cref="State"/> was filled from a checkpoint, so the next
    /// <see cref="Step"/> continues the bias corrections where the saved run stopped.</summary>
    public void RestoreStepCount(int stepCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        StepCount = stepCount;
    }


    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, t) in _state) t.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, with PyTorch's
/// <c>torch.optim.SGD</c> semantics: <c>g = ∇ + λ·p</c>; <c>b = g</c> on the first step, then <c>b = μ·b + (1 − dampening)·g</c>;
/// <c>g = g + μ·b</c> (Nesterov) or <c>g = b</c>; <c>p = p − lr·g</c>. One fused <see cref="IBackend{T}.SgdUpdate"/> per parameter.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>?[] _buffers;

    /// <summary>Creates the optimizer; a momentum buffer per parameter is allocated when <paramref name="momentum"/> ≠ 0.</summary>
    public Sgd(IBackend<T> backend, IEnumerable<Parameter<T>> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false) : base(backend, parameters, learningRate)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), $"Momentum must be ≥ 0, got {momentum}.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Weight decay must be ≥ 0, got {weightDecay}.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a positive momentum and zero dampening (as PyTorch).", nameof(nesterov));
        Momentum = momentum; Dampening = dampening; WeightDecay = weightDecay; Nesterov = nesterov;
        _buffers = Parameters.Select(p => momentum != 0 ? AllocateState(p, "momentum_buffer") : null).ToArray();
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum accumulation.</summary>
    public double Dampening { get; }

    /// <summary>λ (L2 penalty added to the gradient).</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void Update(int index, Parameter<T> parameter)
        => Backend.SgdUpdate(parameter.Value, parameter.Gradient, _buffers[index], LearningRate, Momentum, Dampening, WeightDecay, Nesterov, StepCount == 1);
}

/// <summary>
/// Adam, PyTorch's <c>torch.optim.Adam</c> (amsgrad off): the weight decay λ is an L2 penalty added to the gradient,
/// <c>g = ∇ + λ·p</c>; <c>m = β1·m + (1 − β1)·g</c>, <c>v = β2·v + (1 − β2)·g²</c>,
/// <c>p = p − (lr/(1 − β1^t))·m / (√v/√(1 − β2^t) + ε)</c>. See <see cref="AdamW{T}"/> for decoupled decay.
/// One fused <see cref="IBackend{T}.AdamUpdate"/> per parameter; m and v are allocated once.
/// </summary>
public class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] _m, _v;
    private readonly bool _decoupled;

    /// <summary>Creates Adam (weight decay as L2 on the gradient).</summary>
    public Adam(IBackend<T> backend, IEnumerable<Parameter<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0) : this(backend, parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: false) { }

    /// <summary>Creates Adam or, with <paramref name="decoupled"/>, AdamW.</summary>
    protected Adam(IBackend<T> backend, IEnumerable<Parameter<T>> parameters, double learningRate, double beta1, double beta2,
        double epsilon, double weightDecay, bool decoupled) : base(backend, parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"β1 must be in [0, 1), got {beta1}.");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), $"β2 must be in [0, 1), got {beta2}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"ε must be ≥ 0, got {epsilon}.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Weight decay must be ≥ 0, got {weightDecay}.");
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon; WeightDecay = weightDecay; _decoupled = decoupled;
        _m = Parameters.Select(p => AllocateState(p, "exp_avg")).ToArray();
        _v = Parameters.Select(p => AllocateState(p, "exp_avg_sq")).ToArray();
    }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    protected override void Update(int index, Parameter<T> parameter)
        => Backend.AdamUpdate(parameter.Value, parameter.Gradient, _m[index], _v[index], LearningRate, Beta1, Beta2, Epsilon, WeightDecay, _decoupled, StepCount);
}

/// <summary>
/// AdamW, PyTorch's <c>torch.optim.AdamW</c>: Adam with decoupled weight decay, <c>p = p·(1 − lr·λ)</c> before the
/// Adam update of the plain gradient. PyTorch's default λ is 0.01.
/// </summary>
public sealed class AdamW<T> : Adam<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates AdamW.</summary>
    public AdamW(IBackend<T> backend, IEnumerable<Parameter<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2) : base(backend, parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true) { }
}
