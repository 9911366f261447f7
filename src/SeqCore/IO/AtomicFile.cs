using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SeqCore.IO;

/// <summary>Writes files so that a failure never leaves a half-written file behind: a temporary file in the same folder
/// (<c>NAME.tmp-PID-GUID</c>), flushed to disk, then renamed over the target; the temporary file is deleted on failure.
/// A process killed mid-write leaves its temporary file; the next write into that folder removes every temporary file
/// whose process is no longer running. A read-only target (see <see cref="IsReadOnly"/>) is refused, not replaced.</summary>
internal static partial class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a stream on a temporary file beside <paramref name="path"/>, then renames
    /// it into place. With <paramref name="createDirectory"/> the folder is created first; otherwise it must exist.</summary>
    /// <exception cref="UnauthorizedAccessException"><paramref name="path"/> exists and is read-only.</exception>
    public static void Write(string path, Action<Stream> write, bool createDirectory = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        if (File.Exists(full) && IsReadOnly(full)) throw new UnauthorizedAccessException($"{path} is read-only; it is not replaced.");
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (createDirectory) Directory.CreateDirectory(dir);
        RemoveStaleTemporaryFiles(dir);
        string tmp = Path.Combine(dir, $"{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark, atomically (see <see cref="Write"/>).</summary>
    public static void WriteAllText(string path, string text, bool createDirectory = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, s => s.Write(new System.Text.UTF8Encoding(false).GetBytes(text)), createDirectory);
    }

    /// <summary>True for a file nobody may write: no write permission bit on Unix (e.g. mode 0444, whoever runs the
    /// process, root included), the read-only attribute on Windows. A rename would replace it regardless, so
    /// <see cref="Write"/> checks first.</summary>
    public static bool IsReadOnly(string path) => OperatingSystem.IsWindows()
        ? File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly)
        : (File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;

    /// <summary>Deletes the temporary files of this writer in <paramref name="dir"/> whose process id is not a running
    /// process. Best effort: a file that cannot be listed or deleted is left alone.</summary>
    internal static void RemoveStaleTemporaryFiles(string dir)
    {
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(dir, "*.tmp-*-*").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (string file in candidates)
        {
            var match = TemporaryName().Match(Path.GetFileName(file));
            if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (IsRunning(pid)) continue;
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            try { return !process.HasExited; }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or NotSupportedException) { return true; } // someone else's: keep
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    [GeneratedRegex(@"\.tmp-([0-9]+)-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
