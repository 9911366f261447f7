using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// One direction of one layer of a recurrent network, run over a whole time-major sequence.
/// The owning <see cref="RecurrentLayer{T}"/> stacks these, runs them forwards and in reverse, and joins
/// their outputs. Forward keeps what Backward needs in buffers owned by the direction (an arena sized for
/// the last (T, B) seen), so only one Forward/Backward pair may be in flight at a time.
/// </summary>
/// <remarks>
/// <para>States are stored by time index: <c>hs [T+1, B, P]</c>. Forwards, <c>hs[0]</c> is the initial state and
/// step t reads <c>hs[t]</c> and writes <c>hs[t+1]</c>; in reverse, <c>hs[T]</c> is the initial state and step t reads
/// <c>hs[t+1]</c> and writes <c>hs[t]</c>. Either way the T states that fed the steps form one contiguous block,
/// which is what lets <c>dW_hh += dGᵀ·H_prev</c> be one GEMM over all T·B rows.</para>
/// <para>Variable lengths: at step t a row is active when <c>t &lt; length</c>. An inactive row keeps its state and
/// outputs zeros, in both directions, so the reverse direction starts each sequence at its own last element.</para>
/// </remarks>
public abstract class RecurrentDirection<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The backend doing all arithmetic.</summary>
    protected readonly IBackend<T> Backend;
    private readonly List<Tensor<T>> _arena = new();

    /// <summary>Creates a direction.</summary>
    protected RecurrentDirection(IBackend<T> backend, int inputSize, int hiddenSize, int stateSize, bool reverse)
    {
        Backend = backend;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        StateSize = stateSize;
        Reverse = reverse;
    }

    /// <summary>Width of each input step.</summary>
    public int InputSize { get; }

    /// <summary>Hidden width H of the cell.</summary>
    public int HiddenSize { get; }

    /// <summary>Width P of the recurrent state and of each output step (H, or the LSTM projection size).</summary>
    public int StateSize { get; }

    /// <summary>True when the direction runs from the last time step to the first.</summary>
    public bool Reverse { get; }

    /// <summary>True for cells with a second state (the LSTM cell state c, width H).</summary>
    public virtual bool HasCellState => false;

    /// <inheritdoc />
    public abstract IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Steps T of the current arena.</summary>
    protected int Steps { get; private set; }

    /// <summary>Batch B of the current arena.</summary>
    protected int Batch { get; private set; }

    /// <summary><c>[T, B, P]</c>: this direction's outputs after <see cref="Forward"/> (zeros at inactive steps).</summary>
    public Tensor<T> Output { get; private set; } = null!;

    /// <summary><c>[T, B, P]</c>: filled by the caller with the gradient of <see cref="Output"/> before <see cref="Backward"/>.</summary>
    public Tensor<T> OutputGradient { get; private set; } = null!;

    /// <summary>Per-step views of <see cref="Output"/> and <see cref="OutputGradient"/>.</summary>
    protected Tensor<T>[] OutputSteps = [], OutputGradientSteps = [];

    /// <summary>
    /// Runs the sequence <paramref name="x"/> <c>[T, B, I]</c> (kept by reference until Backward). Initial states
    /// <c>[B, P]</c> / <c>[B, H]</c> may be null (zeros); final states are written when given.
    /// </summary>
    public abstract void Forward(Tensor<T> x, int steps, int batch, Tensor<T>? lengths,
        Tensor<T>? h0, Tensor<T>? c0, Tensor<T>? hT, Tensor<T>? cT);

    /// <summary>
    /// Backward of the last Forward, with <see cref="OutputGradient"/> and the final-state gradients (null = 0).
    /// Parameter gradients are accumulated. <paramref name="dx"/> <c>[T, B, I]</c> is overwritten, or added to when
    /// <paramref name="accumulateDx"/>. Initial-state gradients are written when given.
    /// </summary>
    public abstract void Backward(Tensor<T>? dhT, Tensor<T>? dcT, Tensor<T> dx, bool accumulateDx, Tensor<T>? dh0, Tensor<T>? dc0);

    /// <summary>
    /// Makes the arena fit (T, B); returns true when it was (re)built, so the subclass allocates its own buffers
    /// through <see cref="Buffer"/> and <see cref="StepViews"/>.
    /// </summary>
    protected bool EnsureShape(int steps, int batch)
    {
        if (steps == Steps && batch == Batch && Output is not null) return false;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        Steps = steps;
        Batch = batch;
        Output = Buffer(steps, batch, StateSize);
        OutputGradient = Buffer(steps, batch, StateSize);
        OutputSteps = StepViews(Output, steps);
        OutputGradientSteps = StepViews(OutputGradient, steps);
        return true;
    }

    /// <summary>Allocates an arena buffer, released when the shape changes or the direction is disposed.</summary>
    protected Tensor<T> Buffer(params int[] shape)
    {
        var t = Backend.Allocate(shape);
        _arena.Add(t);
        return t;
    }

    /// <summary>Views <c>[B, W]</c> of each of the first <paramref name="count"/> steps of a <c>[count, B, W]</c> buffer.</summary>
    protected static Tensor<T>[] StepViews(Tensor<T> buffer, int count)
    {
        var views = new Tensor<T>[count];
        int b = buffer.Dim(1), w = buffer.Dim(2);
        for (int t = 0; t < count; t++) views[t] = buffer.Slice((long)t * b * w, b, w);
        return views;
    }

    /// <summary>The state index read by time step t.</summary>
    protected int PrevIndex(int t) => Reverse ? t + 1 : t;

    /// <summary>The state index written by time step t.</summary>
    protected int CurIndex(int t) => Reverse ? t : t + 1;

    /// <summary>The time step processed s-th (s = 0 first).</summary>
    protected int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

    /// <summary>Copies an initial state in, or zeroes when none is given.</summary>
    protected void LoadState(Tensor<T>? initial, Tensor<T> destination)
    {
        if (initial is null) Backend.Fill(T.Zero, destination);
        else Backend.Copy(initial, destination);
    }

    /// <summary>
    /// Ends forward step t: with lengths, rows inactive at t keep <paramref name="hPrev"/> in <paramref name="hCur"/> and
    /// output zeros; the step's output is <paramref name="hCur"/> otherwise.
    /// </summary>
    protected void FinishForwardStep(Tensor<T>? lengths, int t, Tensor<T> hCur, Tensor<T> hPrev)
    {
        if (lengths is null) { Backend.Copy(hCur, OutputSteps[t]); return; }
        Backend.SelectRows(lengths, t, hCur, hPrev, hCur);
        Backend.MaskRows(lengths, t, keepActive: true, hCur, OutputSteps[t]);
    }

    /// <summary>
    /// Starts backward step t: <paramref name="dhNew"/> <c>[B, P]</c> = the gradient reaching step t's new state
    /// (its output gradient plus <paramref name="dhState"/>, the gradient from the step processed after it), zero on rows
    /// inactive at t. Those rows' gradient goes to <paramref name="carry"/> instead (state carried unchanged): the
    /// caller adds it back with <see cref="FinishBackwardStep"/> once the cell has written the new
    /// <paramref name="dhState"/>. Without lengths, <paramref name="carry"/> is not touched.
    /// </summary>
    protected void StartBackwardStep(Tensor<T>? lengths, int t, Tensor<T> dhState, Tensor<T> dhNew, Tensor<T> carry)
    {
        var be = Backend;
        if (lengths is null) { be.Add(OutputGradientSteps[t], dhState, dhNew); return; }
        // Outputs at inactive steps are constant zeros; an inactive step passes its state gradient straight through.
        be.MaskRows(lengths, t, keepActive: true, OutputGradientSteps[t], dhNew);
        be.Add(dhNew, dhState, dhNew);
        be.MaskRows(lengths, t, keepActive: false, dhNew, carry);
        be.MaskRows(lengths, t, keepActive: true, dhNew, dhNew);
    }

    /// <summary>Ends backward step t: adds the carried gradient of inactive rows to the new <paramref name="dhState"/>.</summary>
    protected void FinishBackwardStep(Tensor<T>? lengths, Tensor<T> dhState, Tensor<T> carry)
    {
        if (lengths is not null) Backend.Add(dhState, carry, dhState);
    }

    /// <summary>Releases the arena and the parameters.</summary>
    public virtual void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
        GC.SuppressFinalize(this);
    }
}
