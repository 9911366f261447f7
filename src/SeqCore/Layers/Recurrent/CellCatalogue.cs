using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace SeqCore.Layers.Recurrent;

/// <summary>The recurrent cell of a <see cref="RecurrentLayer{T}"/>; <see cref="CellCatalogue"/> describes each one.</summary>
public enum CellKind
{
    /// <summary>Elman RNN, <c>h' = tanh(W_ih x + b_ih + W_hh h + b_hh)</c> (<see cref="RnnDirection{T}"/>; PyTorch's <c>nn.RNN</c>).</summary>
    RnnTanh,
    /// <summary>Elman RNN with ReLU, <c>h' = max(0, W_ih x + b_ih + W_hh h + b_hh)</c> (<see cref="RnnDirection{T}"/>).</summary>
    RnnRelu,
    /// <summary>LSTM, PyTorch gate order i, f, g, o, optional projection and peepholes (<see cref="LstmDirection{T}"/>).</summary>
    Lstm,
    /// <summary>GRU, gate order r, z, n, <c>h' = (1 − z)⊙n + z⊙h</c>, in either <see cref="GruForm"/> (<see cref="GruDirection{T}"/>).</summary>
    Gru,
}

/// <summary>
/// One recurrent cell: its name (as written in configs and checkpoints), its <see cref="CellKind"/>, its shape, and how
/// one direction of a layer of it is built. Only <see cref="CellCatalogue"/> creates these.
/// </summary>
public sealed record CellDescriptor
{
    private readonly IDirectionFactory _factory;

    internal CellDescriptor(string name, CellKind kind, int gates, bool hasCellState, string description, IDirectionFactory factory)
    {
        Name = name;
        Kind = kind;
        Gates = gates;
        HasCellState = hasCellState;
        Description = description;
        _factory = factory;
    }

    /// <summary>The cell's name in configs, checkpoints and on the command line, e.g. <c>lstm</c>.</summary>
    public string Name { get; }

    /// <summary>The enum value naming the cell in code.</summary>
    public CellKind Kind { get; }

    /// <summary>Gate blocks G: <c>weight_ih</c> is <c>[G·H, I]</c> and <c>weight_hh</c> <c>[G·H, P]</c>.</summary>
    public int Gates { get; }

    /// <summary>True when the cell carries a second state c besides h (the LSTM).</summary>
    public bool HasCellState { get; }

    /// <summary>One line for help text.</summary>
    public string Description { get; }

    /// <summary>
    /// Creates one direction of one layer with zero parameters (the <see cref="RecurrentLayer{T}"/> initialises them);
    /// <paramref name="suffix"/> ends every parameter name, e.g. <c>_l0_reverse</c>.
    /// </summary>
    internal RecurrentDirection<T> CreateDirection<T>(IBackend<T> backend, RecurrentOptions options, int inputSize, bool reverse, string suffix)
        where T : unmanaged, IFloatingPointIeee754<T>
        => _factory.Create(this, backend, options, inputSize, reverse, suffix);
}

/// <summary>Builds one direction of a cell; generic in the number type, which a delegate cannot be.</summary>
internal interface IDirectionFactory
{
    RecurrentDirection<T> Create<T>(CellDescriptor cell, IBackend<T> backend, RecurrentOptions options, int inputSize, bool reverse, string suffix)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Every recurrent cell, once: configs, checkpoints, the command line and <see cref="RecurrentLayer{T}"/> all name and
/// build cells through this list.
/// </summary>
public static class CellCatalogue
{
    /// <summary>Every cell, in the order help text lists them.</summary>
    public static IReadOnlyList<CellDescriptor> All { get; } =
    [
        new("rnn", CellKind.RnnTanh, 1, false, "Elman RNN, h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)", new RnnFactory(relu: false)),
        new("rnn-relu", CellKind.RnnRelu, 1, false, "Elman RNN with ReLU, h' = max(0, W_ih·x + b_ih + W_hh·h + b_hh)", new RnnFactory(relu: true)),
        new("lstm", CellKind.Lstm, 4, true, "LSTM, gates i, f, g, o; optional projection and peepholes", new LstmFactory()),
        new("gru", CellKind.Gru, 3, false, "GRU, gates r, z, n; reset gate in the PyTorch or the original form", new GruFactory()),
    ];

    /// <summary>The cell names, e.g. for help text and error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(c => c.Name)];

    /// <summary>The cell of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined <see cref="CellKind"/>.</exception>
    public static CellDescriptor Find(CellKind kind) =>
        All.FirstOrDefault(c => c.Kind == kind)
        ?? throw new ArgumentOutOfRangeException(nameof(kind), $"CellCatalogue: unknown cell kind {(int)kind}; expected one of {string.Join(", ", Names)}.");

    /// <summary>The name of <paramref name="kind"/> in configs and checkpoints, e.g. <c>rnn-relu</c>.</summary>
    public static string NameOf(CellKind kind) => Find(kind).Name;

    /// <summary>The cell named <paramref name="name"/> (any case), or false.</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out CellDescriptor? cell)
    {
        cell = All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        return cell is not null;
    }

    /// <summary>The cell named <paramref name="name"/> (any case).</summary>
    /// <param name="name">The name to look up.</param>
    /// <param name="where">Starts the error message: the config key or option that held the name.</param>
    /// <exception cref="ArgumentException">No cell has that name; the message lists the names.</exception>
    public static CellDescriptor Parse(string? name, string where) =>
        TryParse(name, out var cell) ? cell
        : throw new ArgumentException($"{where}: unknown cell '{name}'; expected one of {string.Join(", ", Names)}.");

    private sealed class RnnFactory(bool relu) : IDirectionFactory
    {
        public RecurrentDirection<T> Create<T>(CellDescriptor cell, IBackend<T> backend, RecurrentOptions o, int inputSize, bool reverse, string suffix)
            where T : unmanaged, IFloatingPointIeee754<T>
            => new RnnDirection<T>(cell, backend, inputSize, o.HiddenSize, o.Bias, relu, reverse, suffix);
    }

    private sealed class LstmFactory : IDirectionFactory
    {
        public RecurrentDirection<T> Create<T>(CellDescriptor cell, IBackend<T> backend, RecurrentOptions o, int inputSize, bool reverse, string suffix)
            where T : unmanaged, IFloatingPointIeee754<T>
            => new LstmDirection<T>(cell, backend, inputSize, o.HiddenSize, o.ProjectionSize, o.Bias, o.Peepholes, reverse, suffix);
    }

    private sealed class GruFactory : IDirectionFactory
    {
        public RecurrentDirection<T> Create<T>(CellDescriptor cell, IBackend<T> backend, RecurrentOptions o, int inputSize, bool reverse, string suffix)
            where T : unmanaged, IFloatingPointIeee754<T>
            => new GruDirection<T>(cell, backend, inputSize, o.HiddenSize, o.Bias, o.GruForm, reverse, suffix);
    }
}
