using System.Runtime.InteropServices;

namespace SeqCore.Tests.Lifetimes;

/// <summary>The process's resident memory and a full collection, for the leak tests.</summary>
internal static partial class ProcessMemory
{
    /// <summary>Resident set size in MB: VmRSS from /proc/self/status on Linux, the working set elsewhere.</summary>
    public static double ResidentMb()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (string line in File.ReadLines(status))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0; // kB
        return Environment.WorkingSet / (1024.0 * 1024.0);
    }

    /// <summary>
    /// Collects, runs the finalizers it queued, collects what they let go of, and asks glibc to hand its free heap pages
    /// back to the system. Without the last step the resident size measures glibc's high-water mark (it keeps freed
    /// 16 MB blocks on its heap for reuse), not the memory SeqCore still holds.
    /// </summary>
    public static void CollectFully()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TrimNativeHeap();
    }

    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { malloc_trim(0); }
        catch (EntryPointNotFoundException) { } // not glibc (musl): nothing to trim
        catch (DllNotFoundException) { }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
