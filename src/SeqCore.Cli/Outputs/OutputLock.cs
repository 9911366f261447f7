using Microsoft.Win32.SafeHandles;

namespace SeqCore.Cli.Outputs;

/// <summary>The advisory lock of one run on its outputs: <c>NAME.lock</c> beside the main output, opened exclusively
/// (<see cref="FileShare.None"/>: an <c>flock</c> on Unix, a sharing lock on Windows) and deleted when the run ends, so a
/// second run that would write the same outputs fails at its start.</summary>
/// <remarks>On Unix a lock belongs to the file, not to the name, so deleting it opens a race: a taker that opened the
/// file just before its holder deleted it can lock it afterwards and hold a file no longer at the path, while a third
/// creates a new one and locks that too. Closed from both sides: the holder deletes the name while it still holds the
/// lock, and a taker, once locked, checks that the path still names the file it locked (same device and inode) and
/// otherwise lets go and opens the path again. Windows refuses a second open while the lock is held, so the file is
/// deleted on close there; on other Unix systems (no inode check here) the file is kept.</remarks>
internal sealed class OutputLock : IDisposable
{
    /// <summary>Times a taker opens the path again after locking a file that was deleted meanwhile.</summary>
    private const int MaxReopens = 100;

    private readonly FileStream _stream;
    private readonly string _path;

    private OutputLock(FileStream stream, string path)
    {
        _stream = stream;
        _path = path;
    }

    /// <summary>Deletes the file by name at the end of the run: on Linux, where a taker can check the file's identity.</summary>
    private static bool DeletesByName => OperatingSystem.IsLinux();

    /// <summary>Takes the lock <paramref name="path"/>; <see cref="UsageException"/> naming it when another run holds it.</summary>
    public static OutputLock Take(string path, string option)
    {
        for (int reopen = 0; reopen <= MaxReopens; reopen++)
        {
            var stream = Open(path, option);
            if (!DeletesByName || Names(path, stream.SafeFileHandle)) return new OutputLock(stream, path);
            stream.Dispose(); // the holder deleted it between our open and our lock
        }
        throw new UsageException($"{option}: another run is writing these outputs (the lock {path} keeps being replaced); wait for it to finish or choose another {option}.");
    }

    private static FileStream Open(string path, string option)
    {
        try
        {
            var options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None;
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, options);
        }
        catch (UnauthorizedAccessException e) { throw new UsageException($"{option}: cannot create the lock {path}: {e.Message}"); }
        catch (IOException)
        {
            throw new UsageException($"{option}: another run is writing these outputs (the lock {path} is held); wait for it to finish or choose another {option}.");
        }
    }

    /// <summary>True when <paramref name="path"/> names the file open as <paramref name="handle"/>.</summary>
    private static bool Names(string path, SafeFileHandle handle) => FileIdentity.Inode(path) is { } named && named == FileIdentity.Inode(handle);

    /// <summary>Deletes the lock file while still holding it, then releases the lock.</summary>
    public void Dispose()
    {
        if (DeletesByName)
        {
            try { File.Delete(_path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a lock left behind is taken again by the next run
        }
        _stream.Dispose();
    }
}
