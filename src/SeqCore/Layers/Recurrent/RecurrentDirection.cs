using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// One direction of one layer of a recurrent network, run over a whole time-major sequence.
/// The owning <see cref="RecurrentLayer{T}"/> stacks these, runs them forwards and in reverse, and joins
/// their outputs. Forward keeps what Backward needs in buffers owned by the direction (an arena sized for
/// the last (T, B) seen), so only one Forward/Backward pair may be in flight at a time.
/// </summary>
/// <remarks>
/// <para>This class runs the time loop and owns the states and the ragged-batch bookkeeping; a cell writes only its
/// input projection, one step forward, one step backward and its weight gradients (the abstract members).</para>
/// <para>States are stored by time index: <c>hs [T+1, B, P]</c>. Forwards, <c>hs[0]</c> is the initial state and
/// step t reads <c>hs[t]</c> and writes <c>hs[t+1]</c>; in reverse, <c>hs[T]</c> is the initial state and step t reads
/// <c>hs[t+1]</c> and writes <c>hs[t]</c>. Either way the T states that fed the steps form one contiguous block
/// (<see cref="PreviousHiddenStates"/>), which is what lets <c>dW_hh += dGᵀ·H_prev</c> be one GEMM over all T·B rows.
/// The cell state c, when the cell has one, is stored the same way.</para>
/// <para>Variable lengths: at step t a row is active when <c>t &lt; length</c>. An inactive row keeps its states and
/// outputs zeros, in both directions, so the reverse direction starts each sequence at its own last element. Backward,
/// an inactive row passes its state gradients straight through.</para>
/// </remarks>
internal abstract class RecurrentDirection<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The backend doing all arithmetic.</summary>
    protected readonly IBackend<T> Backend;
    private readonly List<Tensor<T>> _arena = new();

    // Arena of the base (see EnsureArena): output views, states by time index, state gradients and the gradients that
    // inactive rows carry past a step.
    private Tensor<T>[] _outputSteps = [], _outputGradientSteps = [], _hSteps = [], _cSteps = [];
    private Tensor<T> _hPrevForward = null!, _hPrevReverse = null!;
    private Tensor<T> _dhNew = null!, _dhState = null!, _carryH = null!;
    private Tensor<T>? _dcNew, _dcState, _dcPrev, _carryC;
    private Tensor<T>? _x, _lengths;

    /// <summary>Creates a direction of <paramref name="cell"/>.</summary>
    protected RecurrentDirection(CellDescriptor cell, IBackend<T> backend, int inputSize, int hiddenSize, int stateSize, bool reverse)
    {
        Cell = cell;
        Backend = backend;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        StateSize = stateSize;
        Reverse = reverse;
    }

    /// <summary>The cell this direction runs.</summary>
    public CellDescriptor Cell { get; }

    /// <summary>Width of each input step.</summary>
    public int InputSize { get; }

    /// <summary>Hidden width H of the cell.</summary>
    public int HiddenSize { get; }

    /// <summary>Width P of the recurrent state and of each output step (H, or the LSTM projection size).</summary>
    public int StateSize { get; }

    /// <summary>True when the direction runs from the last time step to the first.</summary>
    public bool Reverse { get; }

    /// <summary>True for cells with a second state (the LSTM cell state c, width H).</summary>
    public bool HasCellState => Cell.HasCellState;

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

    /// <summary>
    /// Runs the sequence <paramref name="x"/> <c>[T, B, I]</c> (kept by reference until Backward). Initial states
    /// <c>[B, P]</c> / <c>[B, H]</c> may be null (zeros); final states are written when given.
    /// </summary>
    public void Forward(Tensor<T> x, int steps, int batch, Tensor<T>? lengths,
        Tensor<T>? h0, Tensor<T>? c0, Tensor<T>? hT, Tensor<T>? cT)
    {
        if (!HasCellState && (c0 is not null || cT is not null))
            throw new ArgumentException($"RecurrentDirection ({Cell.Name}): there is no cell state; pass null for c0 and cT.");
        EnsureArena(steps, batch);
        _x = x;
        _lengths = lengths;
        ProjectInputs(x);

        int first = PrevIndex(TimeAt(0));
        LoadState(h0, _hSteps[first]);
        if (HasCellState) LoadState(c0, _cSteps[first]);
        for (int s = 0; s < steps; s++)
        {
            int t = TimeAt(s);
            ForwardStep(t);
            FinishForwardStep(lengths, t);
        }
        int last = Reverse ? 0 : steps;
        if (hT is not null) Backend.Copy(_hSteps[last], hT);
        if (cT is not null) Backend.Copy(_cSteps[last], cT);
    }

    /// <summary>
    /// Backward of the last Forward, with <see cref="OutputGradient"/> and the final-state gradients (null = 0).
    /// Parameter gradients are accumulated. <paramref name="dx"/> <c>[T, B, I]</c> is overwritten, or added to when
    /// <paramref name="accumulateDx"/>. Initial-state gradients are written when given.
    /// </summary>
    public void Backward(Tensor<T>? dhT, Tensor<T>? dcT, Tensor<T> dx, bool accumulateDx, Tensor<T>? dh0, Tensor<T>? dc0)
    {
        var x = _x ?? throw new InvalidOperationException($"RecurrentDirection ({Cell.Name}): Backward called before Forward.");
        if (!HasCellState && (dcT is not null || dc0 is not null))
            throw new ArgumentException($"RecurrentDirection ({Cell.Name}): there is no cell state; pass null for dcT and dc0.");
        var lengths = _lengths;
        LoadState(dhT, _dhState);
        if (HasCellState) LoadState(dcT, _dcState!);

        for (int s = Steps - 1; s >= 0; s--)
        {
            int t = TimeAt(s);
            var dcNew = StartBackwardStep(lengths, t);
            BackwardStep(t, _dhNew, dcNew, _dhState, _dcPrev);
            FinishBackwardStep(lengths);
        }
        if (dh0 is not null) Backend.Copy(_dhState, dh0);
        if (dc0 is not null) Backend.Copy(_dcState!, dc0);
        InputAndWeightGradients(x, dx, accumulateDx);
    }

    /// <summary>Allocates the cell's own arena buffers for (T, B) through <see cref="Buffer"/> and <see cref="StepViews"/>.</summary>
    protected abstract void AllocateArena(int steps, int batch);

    /// <summary>Before the first step: the input projections of all steps from <paramref name="x"/> <c>[T·B, I]</c>, in one GEMM.</summary>
    protected abstract void ProjectInputs(Tensor<T> x);

    /// <summary>
    /// Forward step t: from <see cref="HiddenBefore"/> (and <see cref="CellBefore"/>) writes <see cref="HiddenAfter"/>
    /// (and <see cref="CellAfter"/>) for every row; the base then puts back the states of rows inactive at t.
    /// </summary>
    protected abstract void ForwardStep(int t);

    /// <summary>
    /// Backward step t. <paramref name="dhNew"/> <c>[B, P]</c> and <paramref name="dcNew"/> <c>[B, H]</c> (null without a
    /// cell state) are the gradients reaching the states after step t, zero on rows inactive at t. Overwrites
    /// <paramref name="dhPrev"/> and <paramref name="dcPrev"/> with the gradients of the states before step t; the base
    /// adds the inactive rows' carried gradients afterwards.
    /// </summary>
    protected abstract void BackwardStep(int t, Tensor<T> dhNew, Tensor<T>? dcNew, Tensor<T> dhPrev, Tensor<T>? dcPrev);

    /// <summary>After the time loop: accumulates the weight and bias gradients (single GEMMs over all T·B rows) and
    /// writes <paramref name="dx"/> (added to when <paramref name="accumulateDx"/>).</summary>
    protected abstract void InputAndWeightGradients(Tensor<T> x, Tensor<T> dx, bool accumulateDx);

    /// <summary><c>[B, P]</c>: the hidden state step t reads.</summary>
    protected Tensor<T> HiddenBefore(int t) => _hSteps[PrevIndex(t)];

    /// <summary><c>[B, P]</c>: the hidden state step t writes.</summary>
    protected Tensor<T> HiddenAfter(int t) => _hSteps[CurIndex(t)];

    /// <summary><c>[B, H]</c>: the cell state step t reads (cells with a cell state only).</summary>
    protected Tensor<T> CellBefore(int t) => _cSteps[PrevIndex(t)];

    /// <summary><c>[B, H]</c>: the cell state step t writes (cells with a cell state only).</summary>
    protected Tensor<T> CellAfter(int t) => _cSteps[CurIndex(t)];

    /// <summary><c>[T·B, P]</c>: the hidden states that fed the T steps, in time order (the <c>H_prev</c> of <c>dW_hh</c>).</summary>
    protected Tensor<T> PreviousHiddenStates => Reverse ? _hPrevReverse : _hPrevForward;

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

    /// <summary>Makes the arena fit (T, B): the base's buffers, then the cell's (<see cref="AllocateArena"/>).</summary>
    private void EnsureArena(int steps, int batch)
    {
        if (steps == Steps && batch == Batch && Output is not null) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        Steps = steps;
        Batch = batch;
        int h = HiddenSize, p = StateSize;
        Output = Buffer(steps, batch, p);
        OutputGradient = Buffer(steps, batch, p);
        _outputSteps = StepViews(Output, steps);
        _outputGradientSteps = StepViews(OutputGradient, steps);
        var hs = Buffer(steps + 1, batch, p);
        _hSteps = StepViews(hs, steps + 1);
        _hPrevForward = hs.Slice(0, steps * batch, p);
        _hPrevReverse = hs.Slice((long)batch * p, steps * batch, p);
        _dhNew = Buffer(batch, p);
        _dhState = Buffer(batch, p);
        _carryH = Buffer(batch, p);
        if (HasCellState)
        {
            _cSteps = StepViews(Buffer(steps + 1, batch, h), steps + 1);
            _dcNew = Buffer(batch, h);
            _dcState = Buffer(batch, h);
            _dcPrev = Buffer(batch, h);
            _carryC = Buffer(batch, h);
        }
        AllocateArena(steps, batch);
    }

    /// <summary>The state index read by time step t.</summary>
    private int PrevIndex(int t) => Reverse ? t + 1 : t;

    /// <summary>The state index written by time step t.</summary>
    private int CurIndex(int t) => Reverse ? t : t + 1;

    /// <summary>The time step processed s-th (s = 0 first).</summary>
    private int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

    /// <summary>Copies an initial state in, or zeroes when none is given.</summary>
    private void LoadState(Tensor<T>? initial, Tensor<T> destination)
    {
        if (initial is null) Backend.Fill(T.Zero, destination);
        else Backend.Copy(initial, destination);
    }

    /// <summary>
    /// Ends forward step t: with lengths, rows inactive at t keep their previous states and output zeros; the step's
    /// output is its new hidden state otherwise.
    /// </summary>
    private void FinishForwardStep(Tensor<T>? lengths, int t)
    {
        Tensor<T> hCur = HiddenAfter(t);
        if (lengths is null) { Backend.Copy(hCur, _outputSteps[t]); return; }
        Backend.SelectRows(lengths, t, hCur, HiddenBefore(t), hCur);
        if (HasCellState) Backend.SelectRows(lengths, t, CellAfter(t), CellBefore(t), CellAfter(t));
        Backend.MaskRows(lengths, t, keepActive: true, hCur, _outputSteps[t]);
    }

    /// <summary>
    /// Starts backward step t: <c>_dhNew</c> = the gradient reaching step t's new hidden state (its output gradient plus
    /// the state gradient from the step processed after it), zero on rows inactive at t; those rows' gradient goes to
    /// the carry instead (their state was carried unchanged). Likewise for the cell state; returns the cell-state
    /// gradient to use (the state gradient itself without lengths), or null without a cell state.
    /// </summary>
    private Tensor<T>? StartBackwardStep(Tensor<T>? lengths, int t)
    {
        var be = Backend;
        if (lengths is null)
        {
            be.Add(_outputGradientSteps[t], _dhState, _dhNew);
            return _dcState;
        }
        // Outputs at inactive steps are constant zeros; an inactive step passes its state gradient straight through.
        be.MaskRows(lengths, t, keepActive: true, _outputGradientSteps[t], _dhNew);
        be.Add(_dhNew, _dhState, _dhNew);
        be.MaskRows(lengths, t, keepActive: false, _dhNew, _carryH);
        be.MaskRows(lengths, t, keepActive: true, _dhNew, _dhNew);
        if (!HasCellState) return null;
        be.MaskRows(lengths, t, keepActive: false, _dcState!, _carryC!);
        be.MaskRows(lengths, t, keepActive: true, _dcState!, _dcNew!);
        return _dcNew;
    }

    /// <summary>
    /// Ends backward step t once the cell has written the gradients of the previous states: adds the inactive rows'
    /// carried gradients (on every row one of the two terms is zero, so nothing is rounded).
    /// </summary>
    private void FinishBackwardStep(Tensor<T>? lengths)
    {
        var be = Backend;
        if (lengths is not null) be.Add(_dhState, _carryH, _dhState);
        if (!HasCellState) return;
        if (lengths is null) be.Copy(_dcPrev!, _dcState!);
        else be.Add(_dcPrev!, _carryC!, _dcState!);
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
