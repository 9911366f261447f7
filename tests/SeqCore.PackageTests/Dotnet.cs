using System.Diagnostics;

namespace SeqCore.PackageTests;

/// <summary>
/// Runs the dotnet CLI (or an installed tool) as a user would, in a scratch folder outside the repository with its own
/// NuGet cache (so a re-pack of the same version is never shadowed by a cached copy) and a nuget.config whose only
/// source is the package folder.
/// </summary>
internal sealed class Scratch : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public Scratch(string packages)
    {
        Folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "seqcore-pack-check-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        NuGetConfig = Path.Combine(Folder, "nuget.config");
        File.WriteAllText(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="seqcore-packages" value="{packages}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>The scratch folder (deleted on dispose).</summary>
    public string Folder { get; }

    /// <summary>Its nuget.config: the package folder is the only source.</summary>
    public string NuGetConfig { get; }

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public (int Code, string Output) Dotnet(string workingDirectory, params string[] args) =>
        Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet", workingDirectory, args);

    /// <summary>Runs a program with the scratch NuGet cache; returns its exit code and its stdout and stderr together.</summary>
    public (int Code, string Output) Run(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        // The test host's MSBuild variables would point the child's build at the SDK instance running this test.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["NUGET_PACKAGES"] = Path.Combine(Folder, "nuget-cache");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} ran longer than {Timeout}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
