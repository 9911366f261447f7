namespace SeqCore.IO;

/// <summary>Writes files so that a failure never leaves a half-written file behind: a temporary file in the same folder
/// (<c>NAME.tmp-PID-GUID</c>), flushed to disk, then renamed over the target; the temporary file is deleted on failure.</summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a stream on a temporary file beside <paramref name="path"/>, then renames
    /// it into place. With <paramref name="createDirectory"/> the folder is created first; otherwise it must exist.</summary>
    public static void Write(string path, Action<Stream> write, bool createDirectory = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (createDirectory) Directory.CreateDirectory(dir);
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
}
