using System.Diagnostics;

namespace SeqCore.Tests.Distributed;

/// <summary>Runs the built <c>seqcore</c> (SeqCore.Cli.dll beside the tests) under <c>mpirun -np N --oversubscribe</c>;
/// the tests that use it are skipped, with the reason, where Open MPI's <c>mpirun</c> is not installed.</summary>
internal static class MpiRunner
{
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "SeqCore.Cli.dll");

    private static readonly Lazy<(string? Path, string? Problem)> Mpirun = new(FindMpirun);

    /// <summary>Open MPI's mpirun, or an ignored test naming what is missing.</summary>
    public static string RequireMpirun()
    {
        var (path, problem) = Mpirun.Value;
        if (path is null) Assert.Ignore(problem!);
        return path!;
    }

    private static (string?, string?) FindMpirun()
    {
        string? found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        if (found is null) return (null, "mpirun is not installed: install Open MPI (apt-get install openmpi-bin libopenmpi-dev; ./build.sh test does it as root) to run the MPI tests.");
        var psi = new ProcessStartInfo(found, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        string version = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return version.Contains("Open MPI", StringComparison.Ordinal) ? (found, null)
            : (null, $"{found} is not Open MPI's (SeqCore binds Open MPI's libmpi.so.40): {version.Split('\n')[0]}");
    }

    /// <summary>Starts <c>mpirun</c> with <paramref name="mpiArgs"/> (e.g. <c>-np 2 dotnet CLI train …</c>).</summary>
    public static Process Start(IEnumerable<string> mpiArgs)
    {
        var psi = new ProcessStartInfo(RequireMpirun()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--oversubscribe", "--bind-to", "none" }.Concat(mpiArgs)) psi.ArgumentList.Add(a);
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
        {
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(psi)!;
    }

    /// <summary>Runs <c>seqcore ARGS</c> on <paramref name="ranks"/> ranks and waits (at most 2 minutes).</summary>
    public static (int Code, string Out, string Err) Run(int ranks, params string[] args) =>
        Wait(Start(["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Cli, .. args]), TimeSpan.FromMinutes(2));

    /// <summary>Waits for <paramref name="p"/>, killing it past <paramref name="limit"/>.</summary>
    public static (int Code, string Out, string Err) Wait(Process p, TimeSpan limit)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun did not finish within {limit.TotalSeconds:F0} s: {stderr.Result}");
        }
        p.WaitForExit();
        int code = p.ExitCode;
        p.Dispose();
        return (code, stdout.Result, stderr.Result);
    }
}
