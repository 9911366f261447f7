using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SeqCore.Cli.Outputs;

/// <summary>Whether two paths name the same file: the same full path once every symbolic link (in the folders and the
/// file itself) is resolved, or — on Linux, for two existing files — the same device and inode (a hard link).</summary>
internal static partial class FileIdentity
{
    /// <summary>Symbolic links followed at most, so a cycle cannot recurse for ever.</summary>
    private const int MaxLinks = 40;

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are one file.</summary>
    public static bool Same(string a, string b)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        if (string.Equals(Resolve(a), Resolve(b), comparison)) return true;
        return Inode(a) is { } x && Inode(b) is { } y && x == y;
    }

    /// <summary>The full path of <paramref name="path"/> with every symbolic link along it resolved; the parts that do
    /// not exist yet are kept as they are.</summary>
    public static string Resolve(string path) => Resolve(path, 0);

    private static string Resolve(string path, int depth)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (depth >= MaxLinks) continue;
            try
            {
                if (new FileInfo(current).ResolveLinkTarget(returnFinalTarget: true) is { } target)
                    current = Resolve(target.FullName, depth + 1);
            }
            catch (IOException) { } // a cycle of links: compare the path as written
            catch (UnauthorizedAccessException) { }
        }
        return current;
    }

    /// <summary>(device, inode) of an existing file on Linux; null elsewhere or when it cannot be read.</summary>
    public static (ulong Device, ulong Inode)? Inode(string path) => ReadStat((ref byte buffer) => Stat(path, ref buffer));

    /// <summary>(device, inode) of an open file on Linux; null elsewhere or when it cannot be read.</summary>
    public static (ulong Device, ulong Inode)? Inode(SafeFileHandle handle) => ReadStat((ref byte buffer) => FStat(handle, ref buffer));

    private delegate int StatCall(ref byte buffer);

    private static (ulong Device, ulong Inode)? ReadStat(StatCall stat)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct stat starts with st_dev and st_ino (8 bytes each) on every 64-bit Linux ABI glibc supports.
        Span<byte> buffer = stackalloc byte[256];
        try
        {
            if (stat(ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
        return (MemoryMarshal.Read<ulong>(buffer), MemoryMarshal.Read<ulong>(buffer[8..]));
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fstat")]
    private static partial int FStat(SafeFileHandle handle, ref byte buffer);
}
