namespace SeqCore.Cli.Outputs;

/// <summary>The advisory lock of one run on its outputs: <c>NAME.lock</c> beside the main output, opened exclusively
/// (<see cref="FileShare.None"/>: an <c>flock</c> on Unix, a sharing lock on Windows) and deleted when the run ends, so a
/// second run that would write the same outputs fails at its start.</summary>
internal sealed class OutputLock : IDisposable
{
    private readonly FileStream _stream;

    private OutputLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock <paramref name="path"/>; <see cref="UsageException"/> naming it when another run holds it.</summary>
    public static OutputLock Take(string path, string option)
    {
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return new OutputLock(stream);
        }
        catch (UnauthorizedAccessException e) { throw new UsageException($"{option}: cannot create the lock {path}: {e.Message}"); }
        catch (IOException)
        {
            throw new UsageException($"{option}: another run is writing these outputs (the lock {path} is held); wait for it to finish or choose another {option}.");
        }
    }

    /// <summary>Releases the lock and deletes its file.</summary>
    public void Dispose() => _stream.Dispose();
}
