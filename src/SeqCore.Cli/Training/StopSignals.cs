using System.Runtime.InteropServices;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM during training: the first one cancels the run's token, so training stops after the
/// current step and ends like a finished run (checkpoint and loss curve written); a second one ends the process at once.
/// The exit code tells which signal stopped the run: 130 for SIGINT, 143 for SIGTERM (128 + the signal number).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    /// <summary>Test hook: called after every step; a signal it returns is handled as if it had arrived then.</summary>
    internal static readonly AsyncLocal<Func<TrainingProgress, PosixSignal?>?> Simulated = new();

    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _received;

    public StopSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { } // no signals here: the default handling stays
        }
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that stopped the run, or null.</summary>
    public PosixSignal? Received => Volatile.Read(ref _received) is 0 ? null : (PosixSignal)Volatile.Read(ref _received);

    /// <summary>The exit code for <see cref="Received"/>: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode => Received == PosixSignal.SIGTERM ? 143 : 130;

    /// <summary>Call after every step: applies <see cref="Simulated"/>.</summary>
    public void AfterStep(TrainingProgress progress)
    {
        if (Simulated.Value?.Invoke(progress) is { } signal) Request(signal);
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The first signal stops training cleanly; a second one gets the default handling (the process ends).
        if (Received is not null) return;
        context.Cancel = true;
        Request(context.Signal);
    }

    private void Request(PosixSignal signal)
    {
        Interlocked.CompareExchange(ref _received, (int)signal, 0);
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cancel.Dispose();
    }
}
